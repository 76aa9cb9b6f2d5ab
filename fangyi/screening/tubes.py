"""The tube rules: one set for every way a swab comes in, a scan (scans.py: many at once, set-wise)
or a row of an offline batch (importer.Samples: one at a time).

Each way gathers what the rules read in its own way (the scan path reads a group's tubes and
people in a few statements; the importer asks row by row), then asks here, so both refuse (or
accept) the same things, with the same code and words. Refusals never describe a record outside
the jurisdiction: another township's tube is 'not found', its state untold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fangyi.access import Principal, sees
from fangyi.identity import mask_id_number
from fangyi.screening.common import Refusal
from fangyi.screening.reach import tube_in_reach


@dataclass(frozen=True)
class PointRow:
    id: int
    code: str
    area_code: str


@dataclass(frozen=True)
class TubeRow:
    id: int
    barcode: str
    state: str
    pool_size: int
    members: int
    round_id: int | None
    point_id: int | None = None
    point_area: str | None = None  # where its own point is: who may work it
    opener: int | None = None  # who opened it: a tube of no known point is theirs (and the county's)


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    id_number: str
    merged_into_id: int | None
    area_code: str


def check_point(who: Principal, point: PointRow | None) -> None:
    """The point a swab names lies in the jurisdiction (an unknown one is flagged, not refused)."""
    if point is not None and not sees(who, point.area_code):
        raise Refusal("outside", f"sampling point {point.code} is outside your jurisdiction", point=point.code)


def in_reach(who: Principal, tube: TubeRow) -> bool:
    return tube_in_reach(who, tube.point_area, tube.opener)


def check_tube(who: Principal, tube: TubeRow) -> None:
    """A tube is worked where it was opened: its own point, not the one a swab names."""
    if not in_reach(who, tube):
        raise Refusal("tube_outside", f"tube {tube.barcode} is not found in your jurisdiction", barcode=tube.barcode)


def check_person(who: Principal, person: PersonRow) -> None:
    """The person swabbed is one of the jurisdiction's (nothing of them is told otherwise)."""
    if not sees(who, person.area_code):
        raise Refusal("person_outside", "the person scanned is not found in your jurisdiction")


def pool_size(asked: int | None, round_size: int | None, sizes: Sequence[int]) -> int:
    """A new tube's size: as asked, else its round's, else the largest the protocol allows."""
    size = asked or round_size or max(sizes)
    if size not in sizes:
        allowed = ", ".join(map(str, sizes))
        raise Refusal("bad_pool_size", f"pool size {size} is not allowed ({allowed})", size=size, allowed=allowed)
    return size


def barcode_used(who: Principal, tube: TubeRow) -> Refusal:
    """A new tube's barcode that is some tube's already (the state told only of a tube in reach)."""
    if in_reach(who, tube):
        return Refusal("barcode_used", f"barcode {tube.barcode} was used already ({tube.state}); take a new tube",
                       barcode=tube.barcode, state=tube.state)
    return Refusal("barcode_used", f"barcode {tube.barcode} was used already; take a new tube", barcode=tube.barcode)


def check_open(tube: TubeRow) -> None:
    """Swabs go into open tubes only (checked before the person is looked up)."""
    if tube.state != "open":
        raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state}: open a new tube",
                      barcode=tube.barcode, state=tube.state)


def name_to_register(id_number: str, name: str | None) -> str:
    """A person the registry lacks is registered on the spot under this name; without one, the
    swab waits for it to be typed."""
    given = (name or "").strip()
    if not given:
        masked = mask_id_number(id_number)
        raise Refusal("unknown_person", f"{masked} is not in the registry: type the name to register on the spot",
                      id=masked)
    return given


def check_swab(who: Principal, tube: TubeRow, person: PersonRow, *, control: str | None, in_tube: bool,
               elsewhere: Sequence[TubeRow]) -> None:
    """One person's swab into an open tube: `control` is why they must be swabbed alone (or None),
    `in_tube` whether they are in this tube already, `elsewhere` the other open tubes of the
    tube's round they are in."""
    if control is not None and tube.pool_size > 1:
        raise Refusal("under_control", f"{person.name} is under control ({control}): swab alone in a single tube",
                      name=person.name, reason=control)
    if in_tube:
        raise Refusal("already_in_tube", f"{person.name} is in tube {tube.barcode} already", name=person.name,
                      barcode=tube.barcode)
    if elsewhere:
        other = min(elsewhere, key=lambda found: found.barcode)
        if in_reach(who, other):
            raise Refusal("in_other_tube", f"{person.name} is in open tube {other.barcode} of this round already",
                          name=person.name, barcode=other.barcode)
        raise Refusal("in_other_tube", f"{person.name} is in another open tube of this round already",
                      name=person.name, barcode="—")
    if tube.members >= tube.pool_size:
        raise Refusal("tube_full", f"tube {tube.barcode} is full ({tube.pool_size}): open a new tube",
                      barcode=tube.barcode, size=tube.pool_size)


def swabbed(tube: TubeRow) -> TubeRow:
    """The tube with one more swab: full, it closes itself."""
    members = tube.members + 1
    return replace(tube, members=members, state="closed" if members >= tube.pool_size else "open")


def check_close(tube: TubeRow) -> None:
    if tube.state != "open":
        raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state} already", barcode=tube.barcode,
                      state=tube.state)
    if tube.members == 0:
        raise Refusal("tube_empty", f"tube {tube.barcode} holds nobody; scan people first", barcode=tube.barcode)
