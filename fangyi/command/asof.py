"""A day's figures as the records stood at a moment (`fangyi report daily --as-of`).

Each part rebuilds its own figures given `as_of` (its figures.py says how): the cases from the audit
trail's before/after entries, field by field (fangyi.audit.asof); results, swabs, contacts' derivations,
decisions and calls from the times they were recorded; quarantine from the placements' times and
the rooms' beds from the trail. What a part cannot rebuild exactly is named
here and shown with the figures, so that no figure passes for what it was when it is what it is now.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide
from fangyi.command.report import daily
from fangyi.command.words import WORDS
from fangyi.errors import Invalid
from fangyi.timeutil import now, to_local

# Sections whose figures are not rebuilt exactly as of a moment; why is in words.py (report.note.*).
NOT_EXACT = ("registry", "contacts", "transport", "workforce", "zones", "risk_areas", "arrivals", "sentinels")


def _note(key: str) -> str:
    chinese, english = WORDS[f"report.note.{key}"]
    return f"{chinese} ({english})"


def report_as_of(session: Session, who: Principal, day: date, moment: datetime) -> dict[str, Any]:
    """The day's figures as the records stood at `moment` (never a closed day's stored figures),
    with `as_of` (local time) and a note on each section not rebuilt exactly."""
    if moment.tzinfo is None:
        raise Invalid("a moment needs its offset or the deployment's time zone", column="as_of")
    if moment > now():
        raise Invalid(f"{to_local(moment).isoformat(timespec='seconds')} has not come yet", column="as_of")
    figures = daily(session, who, day, as_of=moment)
    notes = {key: _note(key) for key in NOT_EXACT if key in figures}
    if not county_wide(who):  # rebuilt, but counted where each person lives now
        notes |= {key: _note(key) for key in ("cases", "quarantine") if key in figures}
    return {**figures, "as_of": to_local(moment).isoformat(timespec="seconds"), "notes": notes}
