"""A brute-force reading of formats.md's co-presence rules, to check the set-based derivation against.

Deliberately naive: every stay against every stay, in Python, on a small world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fangyi.protocols.reader import Protocol


@dataclass(frozen=True)
class Stay:
    person: int
    venue: str  # venue code
    start: int
    end: int | None  # None: no check-out


@dataclass
class World:
    kinds: dict[str, str]  # venue code -> kind
    default_stays: dict[str, int | None]  # venue code -> minutes
    households: dict[int, str | None]  # person -> household code
    stays: list[Stay]
    places: list[Stay] = field(default_factory=list)  # the case's own account: places with both ends
    named: dict[int, int] = field(default_factory=dict)  # person the case named -> last time together


@dataclass
class Expected:
    degree: str
    first: int
    last: int
    reasons: set[tuple[object, ...]] = field(default_factory=set)
    via: set[int] = field(default_factory=set)


def window(onset: date | None, sampled_at: datetime, confirmed_at: datetime, isolated_at: datetime | None,
           classification: str, protocol: Protocol, tz: ZoneInfo) -> tuple[int, int]:
    day = sampled_at.astimezone(tz).date() if classification == "asymptomatic" or onset is None else onset
    start = datetime.combine(day - timedelta(days=protocol.contacts.lookback_days), time.min, tzinfo=tz)
    end = min(confirmed_at, isolated_at) if isolated_at is not None else confirmed_at
    return int(start.timestamp()), int(end.timestamp())


def reference(world: World, case_person: int, win: tuple[int, int], protocol: Protocol, now: int,
              quarantined: dict[int, int]) -> dict[int, Expected]:
    rules = protocol.contacts
    m = rules.min_overlap_minutes * 60

    def end_of(stay: Stay) -> int:
        if stay.end is not None:
            return stay.end
        minutes = world.default_stays[stay.venue] or rules.stay_minutes(world.kinds[stay.venue])
        return stay.start + 60 * minutes

    def shared(a: Stay, b: Stay, span: tuple[int, int]) -> tuple[int, int] | None:
        lo = max(a.start, b.start, span[0])
        hi = min(end_of(a), end_of(b), span[1])
        return (lo, hi) if hi - lo >= m else None

    result: dict[int, Expected] = {}
    if win[1] < win[0]:
        return result
    risky: set[int] = set()

    def note(person: int, degree: str, lo: int, hi: int, reason: tuple[object, ...], via: int | None) -> None:
        entry = result.setdefault(person, Expected(degree, lo, hi))
        entry.first, entry.last = min(entry.first, lo), max(entry.last, hi)
        entry.reasons.add(reason)
        if via is not None:
            entry.via.add(via)

    mine = [s for s in world.stays if s.person == case_person] + world.places
    for own in mine:
        if world.kinds[own.venue] not in rules.close_contact_kinds:
            continue
        for other in world.stays:
            if other.venue == own.venue and other.person != case_person:
                overlap = shared(own, other, win)
                if overlap:
                    note(other.person, "close", *overlap, ("venue", own.venue, *overlap), None)
                    if world.kinds[own.venue] in rules.secondary_contact_kinds:
                        risky.add(other.person)
    for person, moment in world.named.items():
        if person != case_person and win[0] <= moment <= win[1]:
            note(person, "close", moment, moment, ("named",), None)
            risky.add(person)
    home = world.households.get(case_person)
    if home is not None and "household" in rules.close_contact_kinds:
        for person, household in world.households.items():
            if household == home and person != case_person:
                note(person, "close", *win, ("household",), None)
                if "household" in rules.secondary_contact_kinds:
                    risky.add(person)

    close = {p: (e.first, e.last) for p, e in result.items()}
    for contact, (first, _) in close.items():
        if rules.secondary_only_higher_risk and contact not in risky:
            continue
        span = (first, quarantined.get(contact, now))
        if span[1] < span[0]:
            continue
        for own in (s for s in world.stays if s.person == contact):
            if world.kinds[own.venue] not in rules.secondary_contact_kinds:
                continue
            for other in world.stays:
                if other.venue != own.venue or other.person in close or other.person == case_person:
                    continue
                overlap = shared(own, other, span)
                if overlap:
                    note(other.person, "secondary", *overlap, ("venue", own.venue, *overlap), contact)
        home = world.households.get(contact)
        if home is not None and "household" in rules.secondary_contact_kinds:
            for person, household in world.households.items():
                if household == home and person not in close and person != case_person:
                    note(person, "secondary", *span, ("household",), contact)
    return result
