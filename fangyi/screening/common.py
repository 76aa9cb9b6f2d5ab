"""What scans and imports share: barcodes, finding (or registering) the person, rounds, points, controls."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.identity import IdentityError, parse_id_number
from fangyi.protocols.reader import current
from fangyi.registry import persons
from fangyi.registry.models import Area, Person
from fangyi.screening.models import Control, SamplingPoint, ScreeningRound, UnverifiedPerson
from fangyi.screening.reach import area_prefix

BARCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{5,39}$")
UNVERIFIED_NAME = "待核实"  # a person from an offline batch whose name nobody typed

# Later parts (quarantine, zones) add a check here: person id and moment -> why they must be
# swabbed alone, or None.
ControlCheck = Callable[[Session, int, datetime], str | None]
CONTROL_CHECKS: list[ControlCheck] = []


# Why a swab is refused, whichever way it came (a scan, an offline batch): each has its words
# (words.py, scan.code.*), filled from the refusal's params.
RefusalCode = Literal[
    "bad_action", "outside", "tube_outside", "person_outside", "unknown_tube", "unreadable_barcode", "bad_id",
    "barcode_used", "bad_pool_size", "tube_not_open", "tube_empty", "unknown_person", "under_control",
    "already_in_tube", "in_other_tube", "tube_full", "no_area", "scan_id_taken",
]

# What a scan that went through answers.
DoneCode = Literal["tube_opened", "tube_resumed", "tube_closed", "added", "tube_closed_full"]
# Every answer a scan can get: done, or refused and why.
ScanCode = Literal[DoneCode, RefusalCode]
# A scan stored without an answer (none is so now) is reported pending.
ScanStatus = Literal["ok", "refused", "pending"]


class Refusal(Exception):
    """A scan or row refused: a machine word for the page, and the reason in words."""

    def __init__(self, code: RefusalCode, message: str, **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


def check_barcode(raw: str | None) -> str:
    text = (raw or "").strip()
    if not BARCODE.match(text):
        shown = text[:40] or "(empty)"
        raise Refusal("unreadable_barcode", f"barcode {shown!r} is unreadable: 6-40 letters, digits or -",
                      barcode=shown)
    return text.upper()


def check_id_number(raw: str | None) -> str:
    try:
        return parse_id_number(raw or "").id_number
    except IdentityError as exc:
        raise Refusal("bad_id", str(exc), reason=str(exc)) from None


def pool_sizes() -> tuple[int, ...]:
    return current().screening.pool_sizes


def find_person(session: Session, id_number: str) -> Person | None:
    person = session.scalar(select(Person).where(Person.id_number == id_number))
    # A merged record points at its survivor: the swab belongs to the survivor.
    seen = 0
    while person is not None and person.merged_into_id is not None and seen < 5:
        person = session.get(Person, person.merged_into_id)
        seen += 1
    return person


def register_unverified(
    session: Session, actor: Principal, id_number: str, name: str, area_code: str, point_code: str | None,
    reason: str,
) -> Person:
    """A person not in the registry, put in on the spot and flagged for the registry's checkers."""
    person = persons.register_on_the_spot(session, actor, id_number=id_number, name=name, area_code=area_code,
                                          note=f"registered at sampling: {reason}")
    session.add(UnverifiedPerson(person_id=person.id, point_code=point_code, reason=reason[:300]))
    return person


def fallback_area(session: Session, actor: Principal) -> str:
    """Where a person registered at no known point is put: the actor's own area (Fangyi's own
    work, which has none: the county)."""
    if actor.area_code:
        return actor.area_code
    code = session.scalar(select(Area.code).where(Area.parent_code.is_(None)).order_by(Area.code).limit(1))
    if code is None:
        raise Refusal("no_area", "the registry has no areas yet")
    return code


def point_by_code(session: Session, code: str | None) -> SamplingPoint | None:
    if not code:
        return None
    return session.scalar(select(SamplingPoint).where(SamplingPoint.code == code.strip()))


def round_by_code(session: Session, code: str | None) -> ScreeningRound | None:
    if not code:
        return None
    return session.scalar(select(ScreeningRound).where(ScreeningRound.code == code.strip()))


def round_for(session: Session, area_code: str, at: datetime) -> ScreeningRound | None:
    """The latest round under way at that moment whose areas hold this one."""
    rounds = session.scalars(
        select(ScreeningRound).where(ScreeningRound.starts_at <= at, ScreeningRound.deadline_at >= at)
        .order_by(ScreeningRound.starts_at.desc())
    ).all()
    return pick_round(rounds, area_code, at)


class RoundLike(Protocol):
    """What choosing a round reads: a ScreeningRound, or a row of its columns."""

    id: int
    code: str
    pool_size: int
    starts_at: datetime
    deadline_at: datetime
    area_codes: list[str]


R = TypeVar("R", bound=RoundLike)


def pick_round(rounds: Sequence[R], area_code: str, at: datetime) -> R | None:
    """Of these rounds, the latest under way at that moment whose areas hold this area."""
    under_way = [r for r in rounds if r.starts_at <= at <= r.deadline_at]
    for found in sorted(under_way, key=lambda r: r.starts_at, reverse=True):
        if any(area_code.startswith(area_prefix(code)) for code in found.area_codes):
            return found
    return None


def control_reason(session: Session, person_id: int, at: datetime) -> str | None:
    """Why this person must be swabbed alone at that moment, or None."""
    reason = session.scalar(
        select(Control.reason).where(
            Control.person_id == person_id, Control.started_at <= at,
            (Control.ended_at.is_(None)) | (Control.ended_at > at),
        ).limit(1)
    )
    if reason is not None:
        return reason
    for check in CONTROL_CHECKS:
        if (found := check(session, person_id, at)) is not None:
            return found
    return None
