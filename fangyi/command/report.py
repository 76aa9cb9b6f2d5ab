"""The command office's daily report, assembled from one figures function per part.

A part that does not exist yet adds no key: figures are never invented.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from fangyi.quarantine import figures as quarantine_figures
from fangyi.registry import figures as registry_figures
from fangyi.screening import figures as screening_figures
from fangyi.tracing import figures as tracing_figures

FiguresFn = Callable[[Session, date], dict[str, Any]]

# In the order of formats.md; each later part appends its own line.
PARTS: list[tuple[str, FiguresFn]] = [
    ("registry", registry_figures.figures),
    ("cases", tracing_figures.case_figures),
    ("contacts", tracing_figures.contact_figures),
    ("quarantine", quarantine_figures.quarantine_figures),
    ("testing", screening_figures.testing_figures),
]

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


def daily(session: Session, day: date) -> dict[str, Any]:
    report: dict[str, Any] = {"date": day.isoformat()}
    for key, figures in PARTS:
        report[key] = figures(session, day)
    return report


def write_xlsx(report: dict[str, Any], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "日报"
    sheet.append(["日期 date", report["date"]])
    sheet["A1"].font = Font(bold=True)
    for key, values in report.items():
        if key == "date":
            continue
        sheet.append([])
        sheet.append([SECTION_NAMES.get(key, key)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        for name, value in values.items():
            sheet.append([name, value])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 16
    book.save(path)
