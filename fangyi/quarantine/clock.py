"""The protocol's clock for one placement: pure functions, every number from the edition.

Days count from the last exposure (to the case; for a secondary contact, to the close
contact), day 1 being the local day after it. Quarantine covers days 1..N; home health
monitoring, when the category has it, covers the M days after (monitoring day m is day N+m).
The person leaves quarantine the morning after day N, and monitoring the morning after day N+M.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fangyi.errors import Invalid
from fangyi.protocols.reader import Protocol, QuarantineRule


@dataclass(frozen=True)
class TestDay:
    phase: str  # quarantine | monitoring
    day: int
    on: date


@dataclass(frozen=True)
class Clock:
    category: str
    edition: str
    setting: str
    exposure_date: date
    day1: date
    test_days: tuple[TestDay, ...]
    quarantine_end: date | None  # the last day of quarantine (day N), None without quarantine days
    release_date: date  # out of quarantine (into monitoring, or free)
    monitoring_end: date | None
    free_date: date  # out of monitoring too

    def day_of(self, on: date) -> int:
        return (on - self.exposure_date).days


@dataclass(frozen=True)
class Result:
    """A test as the release criteria see it."""

    phase: str
    day: int | None
    result: str
    reagent: str | None = None


@dataclass(frozen=True)
class Missing:
    code: str  # days | test | reagents | linked_tests | positive
    params: dict[str, object] = field(default_factory=dict)


def rule_for(protocol: Protocol, category: str) -> QuarantineRule:
    rule = protocol.quarantine.get(category)
    if rule is None:
        raise Invalid(f"category {category!r} is not in protocol edition {protocol.edition} "
                      f"(known: {', '.join(sorted(protocol.quarantine))})", column="category")
    return rule


def clock(protocol: Protocol, category: str, last_exposure: datetime, tz: ZoneInfo) -> Clock:
    rule = rule_for(protocol, category)
    exposed = last_exposure.astimezone(tz).date()

    def on(day: int) -> date:
        return exposed + timedelta(days=day)

    n, m = rule.days, rule.monitoring_days
    tests = [TestDay("quarantine", day, on(day)) for day in rule.test_days]
    tests += [TestDay("monitoring", day, on(n + day)) for day in rule.monitoring_test_days]
    return Clock(
        category=category, edition=protocol.edition, setting=rule.setting, exposure_date=exposed, day1=on(1),
        test_days=tuple(tests), quarantine_end=on(n) if n else None, release_date=on(n + 1),
        monitoring_end=on(n + m) if m else None, free_date=on(n + m + 1),
    )


WAIVED = "waived"


def missing(
    protocol: Protocol,
    the_clock: Clock,
    tests: Sequence[Result],
    on: date,
    linked: Sequence[Sequence[Result]] = (),
) -> list[Missing]:
    """What still stands between this placement and release on a day; empty when it may go.

    ``linked``: for a secondary contact, the tests of each close contact through whom they qualify.
    """
    rule = rule_for(protocol, the_clock.category)
    gaps: list[Missing] = []
    if any(test.result == "positive" for test in tests):
        gaps.append(Missing("positive"))
    if on < the_clock.release_date:
        gaps.append(Missing("days", {"until": the_clock.release_date.isoformat()}))
    negative = [t for t in tests if t.phase == "quarantine" and t.result == "negative"]
    # A test day waived (one that fell before the placement existed, with the reason on record).
    done = {t.day for t in negative} | {t.day for t in tests if t.phase == "quarantine" and t.result == WAIVED}
    for due in the_clock.test_days:
        if due.phase == "quarantine" and due.day not in done:
            gaps.append(Missing("test", {"day": due.day, "on": due.on.isoformat()}))
    reagents = {t.reagent.strip().lower() for t in negative if t.reagent and t.reagent.strip()}
    if rule.release_reagents > 1 and len(reagents) < rule.release_reagents:
        gaps.append(Missing("reagents", {"need": rule.release_reagents, "have": len(reagents)}))
    need = rule.release_needs_close_contact_negatives
    if need:
        if not linked:
            gaps.append(Missing("linked_tests", {"need": need, "have": 0}))
        for close in linked:
            first = sorted((t for t in close if t.phase == "quarantine" and t.day is not None and
                            t.result != "pending"), key=lambda t: t.day or 0)[:need]
            have = sum(t.result == "negative" for t in first)
            if have < need:
                gaps.append(Missing("linked_tests", {"need": need, "have": have}))
    return gaps
