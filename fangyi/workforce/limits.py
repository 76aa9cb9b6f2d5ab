"""A person's shifts against the edition's limits: overlaps (refused), rest between shifts, the
longest stretch of work and hours per calendar week (warned: saved only with a reason).

Pure functions over time intervals, shared by changes by hand, the suggested roster and the tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fangyi.timeutil import to_local
from fangyi.workforce.rules import Rules, week_of


@dataclass(frozen=True)
class Breach:
    """One rule a person's shifts break: overlap, rest, stretch or week_hours."""

    rule: str
    detail: str
    at: datetime  # the start of the shift at fault

    @property
    def refused(self) -> bool:
        return self.rule == "overlap"


Interval = tuple[datetime, datetime]


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def breaches(shifts: Iterable[Interval], found: Rules) -> list[Breach]:
    """Every limit these shifts of one person break."""
    ordered = sorted(shifts)
    out: list[Breach] = []
    stretch_start: datetime | None = None
    previous: Interval | None = None
    for start, end in ordered:
        if _hours(end - start) > found.max_shift_hours:
            out.append(Breach("stretch", f"a shift of {_hours(end - start):g} h is longer than "
                                         f"{found.max_shift_hours} h", start))
        if previous is not None:
            gap = start - previous[1]
            if gap < timedelta(0):
                out.append(Breach("overlap", f"overlaps the shift from {_local(previous[0])}", start))
            elif _hours(gap) < found.min_rest_hours:
                out.append(Breach("rest", f"{_hours(gap):g} h of rest after the shift ending {_local(previous[1])}, "
                                          f"less than {found.min_rest_hours} h", start))
            if gap <= timedelta(0) and stretch_start is not None:
                if _hours(end - stretch_start) > found.max_shift_hours:
                    out.append(Breach("stretch", f"{_hours(end - stretch_start):g} h of work without a break, "
                                                 f"more than {found.max_shift_hours} h", start))
            else:
                stretch_start = start
        else:
            stretch_start = start
        previous = (start, max(end, previous[1])) if previous is not None and end < previous[1] else (start, end)
    for monday, hours in week_hours(ordered).items():
        if hours > found.max_week_hours:
            out.append(Breach("week_hours", f"{hours:g} h in the week of {monday.isoformat()}, more than "
                                            f"{found.max_week_hours} h", _first_of_week(ordered, monday)))
    return out


def week_hours(shifts: Iterable[Interval]) -> dict[date, float]:
    """Hours worked per calendar week (a shift counts in the week its local start day lies in)."""
    totals: dict[date, float] = defaultdict(float)
    for start, end in shifts:
        totals[week_of(to_local(start).date())] += _hours(end - start)
    return dict(totals)


def _first_of_week(shifts: list[Interval], monday: date) -> datetime:
    return next(start for start, _ in shifts if week_of(to_local(start).date()) == monday)


def _local(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def new_breaches(existing: Iterable[Interval], added: Interval, found: Rules) -> list[Breach]:
    """The breaches adding one shift to a person's others makes (those they had already left out)."""
    before = {(b.rule, b.at) for b in breaches(existing, found)}
    return [b for b in breaches([*existing, added], found) if (b.rule, b.at) not in before]
