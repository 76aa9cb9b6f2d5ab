"""A day's figures as the records stood at a moment (`fangyi report daily --as-of`).

Each part rebuilds its own figures given `as_of` (its figures.py says how): the cases from the audit
trail's before/after entries, field by field (fangyi.audit.asof); results, swabs, contacts' derivations,
decisions and calls from the times they were recorded. What a part cannot rebuild exactly is named
here and shown with the figures, so that no figure passes for what it was when it is what it is now.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide
from fangyi.command.report import daily
from fangyi.errors import Invalid
from fangyi.timeutil import now, to_local

# Sections whose figures are not rebuilt exactly as of a moment, and why.
NOT_EXACT = {
    "registry": "当前总数：只除去此后登记的人员，此后的合并未还原 current totals, less persons registered since; "
                "merges since not undone",
    "contacts": "密接的类别与判定按现状 each contact's degree and decision as they stand now",
    "quarantine": "按隔离生效时间计，补录的记录视同当时已录 counted by when placements took effect, "
                  "including those entered later",
    "transport": "未按时点重建，为现状 not rebuilt: as the records stand now",
    "workforce": "未按时点重建，为现状 not rebuilt: as the records stand now",
    "zones": "未按时点重建，为现状 not rebuilt: as the records stand now",
    "risk_areas": "未按时点重建，为现状 not rebuilt: as the records stand now",
}
# Cases are rebuilt exactly, but counted where each person lives now.
WHERE_THEY_LIVE_NOW = "按人员现住址计入辖区 counted where each person lives now"


def report_as_of(session: Session, who: Principal, day: date, moment: datetime) -> dict[str, Any]:
    """The day's figures as the records stood at `moment` (never a closed day's stored figures),
    with `as_of` (local time) and a note on each section not rebuilt exactly."""
    if moment.tzinfo is None:
        raise Invalid("a moment needs its offset or the deployment's time zone", column="as_of")
    if moment > now():
        raise Invalid(f"{to_local(moment).isoformat(timespec='seconds')} has not come yet", column="as_of")
    figures = daily(session, who, day, as_of=moment)
    notes = {key: note for key, note in NOT_EXACT.items() if key in figures}
    if "cases" in figures and not county_wide(who):
        notes["cases"] = WHERE_THEY_LIVE_NOW
    return {**figures, "as_of": to_local(moment).isoformat(timespec="seconds"), "notes": notes}
