"""Closing a day: the command office stores the night's figures as it reports them upward, and
from then on the day's report is what was closed. The figures as the records stand now remain one
click away ("as corrected"), each difference from what was reported marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, jurisdiction, require
from fangyi.audit import service as audit
from fangyi.command.models import ClosedDay
from fangyi.command.report import daily
from fangyi.db.once import create_once
from fangyi.errors import Invalid
from fangyi.timeutil import to_local, today


@dataclass(frozen=True)
class Report:
    figures: dict[str, Any]
    closed: ClosedDay | None  # None: computed from the records as they stand


def as_json(found: Report) -> dict[str, Any]:
    """The report's figures, with who closed the day and when (local time) if it was closed."""
    if found.closed is None:
        return dict(found.figures)
    return {**found.figures, "closed": {"by": found.closed.closed_by,
                                        "at": to_local(found.closed.closed_at).isoformat(timespec="seconds")}}


def _closed(session: Session, who: Principal, day: date) -> ClosedDay | None:
    """The day as closed for the reader's own jurisdiction; Fangyi itself (the command line without
    a user) reads the broadest one closed."""
    scope = jurisdiction(who)
    query = select(ClosedDay).where(ClosedDay.day == day)
    if scope:
        return session.scalar(query.where(ClosedDay.scope == scope))
    return session.scalar(query.order_by(func.length(ClosedDay.scope), ClosedDay.scope).limit(1))


def closed(session: Session, who: Principal, day: date) -> ClosedDay | None:
    """The day as closed for the reader's jurisdiction, if it was."""
    require(who, "read_report")
    return _closed(session, who, day)


def report(session: Session, who: Principal, day: date) -> Report:
    """The day's report: as closed, if its night's figures were closed for this jurisdiction;
    otherwise from the records as they stand."""
    require(who, "read_report")
    closed = _closed(session, who, day)
    if closed is not None:
        return Report(closed.figures, closed)
    return Report(daily(session, who, day), None)


def close_day(session: Session, who: Principal, day: date) -> tuple[ClosedDay, bool]:
    """Store the day's figures as they stand, for the closer's jurisdiction. Closing it again (a
    second click, two clerks at once) answers with the day as first closed, changing nothing."""
    require(who, "close_report")
    if day > today():
        raise Invalid(f"{day.isoformat()} has not ended yet: a day is closed on its evening or after",
                      column="date")
    scope = jurisdiction(who)

    def same() -> ClosedDay | None:
        return session.scalar(select(ClosedDay).where(ClosedDay.day == day, ClosedDay.scope == scope))

    def make() -> ClosedDay:
        closed = ClosedDay(day=day, scope=scope, figures=daily(session, who, day), closed_by=who.username,
                           closed_by_id=who.id or None)
        session.add(closed)
        session.flush()
        audit.record(session, who, "close_day", "closed_day", closed.id,
                     after={"day": day.isoformat(), "scope": scope, "figures": closed.figures})
        return closed

    return create_once(session, same, make)


def with_corrections(session: Session, who: Principal, day: date) -> dict[str, Any]:
    """The day's report as JSON; for a closed day, with `corrections`: each figure computed now that
    differs from the one reported, {section: {figure: {"reported", "now"}}} (empty when none differ)."""
    found = report(session, who, day)
    shown = as_json(found)
    if found.closed is not None:
        changed = corrections(found.figures, daily(session, who, day))
        shown["corrections"] = {section: {name: {"reported": was, "now": value}
                                          for name, (was, value) in values.items()}
                                for section, values in changed.items()}
    return shown


def corrections(reported: dict[str, Any], now: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """For each section, the figures whose value now differs from the one reported: name ->
    (reported, now). A figure new since (a part added later) counts as reported None."""
    changed: dict[str, dict[str, tuple[Any, Any]]] = {}
    for section, values in now.items():
        if not isinstance(values, dict):
            continue
        before = reported.get(section) or {}
        for name, value in values.items():
            if before.get(name) != value:
                changed.setdefault(section, {})[name] = (before.get(name), value)
    return changed
