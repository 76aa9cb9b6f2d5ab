"""The command office's daily report, assembled from one figures function per part.

A part that does not exist yet adds no key: figures are never invented.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, jurisdiction, require
from fangyi.errors import Invalid
from fangyi.parts import installed
from fangyi.registry.models import Area
from fangyi.web.xlsx import inert

SECTION_NAMES = {
    "registry": "基础信息 registry",
    "cases": "病例 cases",
    "contacts": "密接 contacts",
    "quarantine": "隔离 quarantine",
    "testing": "核酸检测 testing",
    "zones": "管控区域 zones",
    "risk_areas": "风险地区 risk areas",
    "transport": "转运 transport",
    "workforce": "人员力量 workforce",
}


# Keys of a report that are not a part's figures.
NOT_FIGURES = ("date", "closed", "as_of", "notes", "corrections")


def daily(session: Session, who: Principal, day: date, as_of: datetime | None = None) -> dict[str, Any]:
    """The day's figures of every installed part, each limited to the principal's jurisdiction;
    given `as_of`, as each part rebuilds them as the records stood then (see asof.py)."""
    require(who, "read_report")
    # Day arithmetic near the calendar's ends overflows; no outbreak is recorded there.
    if not 1900 <= day.year <= 9000:
        raise Invalid(f"date {day.isoformat()} is out of range", column="date")
    report: dict[str, Any] = {"date": day.isoformat()}
    for key, figures in installed().figures:
        report[key] = figures(session, day, who) if as_of is None else figures(session, day, who, as_of=as_of)
    return report


def jurisdiction_name(session: Session, who: Principal) -> str:
    """The name of the area whose report it is: the reader's area, or the county for the system."""
    query = (select(Area.name).where(Area.code == who.area_code) if jurisdiction(who)
             else select(Area.name).where(Area.level == "county"))
    return session.scalar(query.order_by(Area.code).limit(1)) or ""


def write_xlsx(report: dict[str, Any], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "日报"
    sheet.append(["日期 date", report["date"]])
    sheet["A1"].font = Font(bold=True)
    if closed := report.get("closed"):
        sheet.append(["已关账 closed", inert(f"{closed['by']} {closed['at']}")])
    if moment := report.get("as_of"):
        sheet.append(["截至时点 as of", moment])
    notes = report.get("notes") or {}
    for key, values in report.items():
        if key in NOT_FIGURES:
            continue
        sheet.append([])
        sheet.append([SECTION_NAMES.get(key, key)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        if key in notes:
            sheet.append([f"※ {notes[key]}"])
        for name, value in values.items():  # a name may be an area's, as imported
            sheet.append([inert(name), inert(value)])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 16
    book.save(path)
