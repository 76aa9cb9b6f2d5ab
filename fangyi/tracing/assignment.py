"""Giving derived contacts to tracers: by the area the person lives in, the most local tracer
first, and among equals the one given the fewest contacts today.

The rule, taken person by person in id order, is greedy: each goes to the eligible tracer with
the lowest load (then the lowest id), whose load then grows by one. Tracers with the same reach
form a group that no other area shares, and within a group the greedy choice is a fixed sequence
of slots: while the lightest tracers catch up with the others, then round and round all of them
in id order. `_segments` writes that sequence down once per group, so that the k-th person of a
group gets the k-th slot: in Python for a list (`plan`), or in one UPDATE for a derivation's
tens of thousands of contacts (`plan_found`, joined by the statements storing them), with no
loop per contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fangyi.access import Role
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.auth.models import User
from fangyi.timeutil import day_bounds, now, to_local
from fangyi.tracing.derivation import CHUNK, FOUND
from fangyi.tracing.models import Contact


def reach_of(user_area: str) -> str:
    try:
        return prefix(user_area)
    except AreaCodeError:
        return user_area


@dataclass(frozen=True)
class Segment:
    """Slots start..stop (stop None: for ever) go round `tracers` (ids, in order), one each."""

    start: int
    stop: int | None
    tracers: tuple[int, ...]


def _segments(loads: dict[int, int]) -> list[Segment]:
    """The greedy order of one group of tracers (id -> contacts given today) as segments.

    At each load level the tracers already at it are taken in id order; between two levels
    only those below the higher one are, so the level's segment is (gap x their number) long.
    """
    levels = sorted(set(loads.values()))
    segments = []
    start = 0
    for index, level in enumerate(levels):
        active = tuple(sorted(t for t, load in loads.items() if load <= level))
        if index + 1 < len(levels):
            stop = start + (levels[index + 1] - level) * len(active)
            segments.append(Segment(start, stop, active))
            start = stop
        else:
            segments.append(Segment(start, None, active))
    return segments


def _slot(segments: list[Segment], k: int) -> int:
    for segment in segments:
        if segment.stop is None or k < segment.stop:
            return segment.tracers[(k - segment.start) % len(segment.tracers)]
    raise AssertionError("the last segment has no end")


def _tracers(session: Session, at: datetime) -> tuple[list[User], dict[int, int]]:
    """Active tracers and how many contacts each was given on the local day of `at`."""
    tracers = list(session.scalars(
        select(User).where(User.role == Role.tracer.value, User.active.is_(True)).order_by(User.id)
    ))
    start, end = day_bounds(to_local(at).date())
    load: dict[int, int] = {t.id: 0 for t in tracers}
    if tracers:
        for tracer_id, count in session.execute(
            # By tracer, so that ix_contacts_tracer_day answers it alone: one range per tracer.
            select(Contact.assigned_to_id, func.count())
            .where(Contact.assigned_to_id.in_(list(load)), Contact.assigned_at >= start, Contact.assigned_at < end)
            .group_by(Contact.assigned_to_id)
        ):
            if tracer_id in load:
                load[tracer_id] = int(count)
    return tracers, load


def _groups(
    tracers: list[User], load: dict[int, int], areas: Iterable[str]
) -> tuple[dict[str, int], list[list[Segment]]]:
    """Each area's group (an index into the list of the groups' segments); areas no tracer covers left out."""
    by_reach: dict[tuple[int, ...], int] = {}
    groups: list[list[Segment]] = []
    of_area: dict[str, int] = {}
    # The tracers eligible for an area are those whose jurisdiction holds it, the most local
    # only: the deepest reach that begins the area code, found by lookup (thousands of areas).
    reaches: dict[str, tuple[int, ...]] = {}
    for tracer in tracers:
        reach = reach_of(tracer.area_code)
        reaches[reach] = (*reaches.get(reach, ()), tracer.id)
    lengths = sorted({len(reach) for reach in reaches}, reverse=True)
    for area in areas:
        ids = next((reaches[area[:n]] for n in lengths if area[:n] in reaches and len(area) >= n), ())
        if not ids:
            continue
        if ids not in by_reach:
            by_reach[ids] = len(groups)
            groups.append(_segments({t: load[t] for t in ids}))
        of_area[area] = by_reach[ids]
    return of_area, groups


def plan(session: Session, person_ids: Sequence[int], at: datetime | None = None) -> dict[int, int]:
    """Which tracer each of these persons' new contacts goes to: a tracer of the area the
    person lives in, the one given the fewest contacts that day. Persons in an area no
    tracer covers are left out: a coordinator assigns them by hand."""
    at = at or now()
    if not person_ids:
        return {}
    tracers, load = _tracers(session, at)
    if not tracers:
        return {}
    areas: dict[int, str] = {}
    ordered = sorted(set(person_ids))
    for index in range(0, len(ordered), CHUNK):
        ids = ", ".join(str(int(i)) for i in ordered[index : index + CHUNK])
        for person_id, area_code in session.execute(text(f"SELECT id, area_code FROM persons WHERE id IN ({ids})")):
            areas[int(person_id)] = str(area_code)
    of_area, groups = _groups(tracers, load, set(areas.values()))
    owners: dict[int, int] = {}
    taken = [0] * len(groups)
    for person_id in ordered:
        group = of_area.get(areas.get(person_id, ""))
        if group is not None:
            owners[person_id] = _slot(groups[group], taken[group])
            taken[group] += 1
    return owners


@dataclass(frozen=True)
class Owners:
    """The tracers a derivation's contacts go to, for storing to join: `sql` is a WITH entry
    owners(person_id, tracer), whose area codes are the bound `params`; `count` how many are given one."""

    sql: str
    count: int
    params: dict[str, str] = field(default_factory=dict)


NOBODY = Owners(f"owners(person_id, tracer) AS (SELECT person_id, contact_id FROM {FOUND} WHERE 1 = 0)", 0)


def plan_found(session: Session, at: datetime) -> Owners:
    """An owner for every row of the derivation's found table that wants one, in SQL that the
    statements storing the contacts join: the k-th such person of an area group, by id, takes
    the group's k-th slot. Read as the rows are written, not written to the found table first."""
    tracers, load = _tracers(session, at)
    if not tracers:
        return NOBODY
    # Where each person lives was read into FOUND with the person (derivation.py).
    counts = [(str(area), int(n)) for area, n in session.execute(text(
        f"SELECT area_code, COUNT(*) FROM {FOUND} WHERE wants_owner = 1 AND area_code IS NOT NULL GROUP BY area_code"
    ))]
    of_area, groups = _groups(tracers, load, [area for area, _ in counts])
    if not of_area:
        return NOBODY
    # Area codes go as bound parameters; the numbers below are the plan's own integers.
    params = {f"area_{n}": area for n, area in enumerate(of_area)}
    area_rows = ", ".join(f"(:area_{n}, {group})" for n, group in enumerate(of_area.values()))
    # A stop of -1 is "for ever"; every segment lists its tracers with their turn.
    segment_rows = ", ".join(
        f"({g}, {n}, {s.start}, {-1 if s.stop is None else s.stop}, {len(s.tracers)})"
        for g, segments in enumerate(groups) for n, s in enumerate(segments)
    )
    slot_rows = ", ".join(
        f"({g}, {n}, {turn}, {tracer})"
        for g, segments in enumerate(groups) for n, s in enumerate(segments) for turn, tracer in enumerate(s.tracers)
    )
    # MATERIALIZED: computed once, and SQLite gives the result an index for the join on person_id.
    sql = f"""a(area_code, grp) AS (VALUES {area_rows}),
        seg(grp, n, lo, hi, width) AS (VALUES {segment_rows}),
        slot(grp, n, turn, tracer) AS (VALUES {slot_rows}),
        ranked AS (
            SELECT f.person_id, a.grp, row_number() OVER (PARTITION BY a.grp ORDER BY f.person_id) - 1 AS k
            FROM {FOUND} f JOIN a ON a.area_code = f.area_code WHERE f.wants_owner = 1),
        owners(person_id, tracer) AS MATERIALIZED (
            SELECT r.person_id, slot.tracer FROM ranked r
            JOIN seg ON seg.grp = r.grp AND r.k >= seg.lo AND (seg.hi = -1 OR r.k < seg.hi)
            JOIN slot ON slot.grp = r.grp AND slot.n = seg.n AND slot.turn = (r.k - seg.lo) % seg.width)"""
    return Owners(sql, sum(n for area, n in counts if area in of_area), params)
