"""The command part's interface words: (Chinese, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "nav.report": ("日报", "Daily report"),
    "report.title": ("疫情防控日报", "Daily situation report"),
    "report.date": ("报告日期", "Report date"),
    "report.figure": ("指标", "Figure"),
    "report.value": ("数值", "Value"),
    "report.section.registry": ("基础信息", "Registry"),
    "report.section.cases": ("病例", "Cases"),
    "report.section.contacts": ("密接", "Contacts"),
    "report.section.quarantine": ("隔离", "Quarantine"),
    "report.section.testing": ("核酸检测", "Testing"),
    "report.section.zones": ("管控区域", "Zones"),
    "report.section.risk_areas": ("风险地区", "Risk areas"),
    "report.section.transport": ("转运", "Transport"),
    "report.section.workforce": ("人员力量", "Workforce"),
    "report.fig.registry.areas": ("区域数", "Areas"),
    "report.fig.registry.persons": ("登记人员", "Persons"),
    "report.fig.registry.households": ("户数", "Households"),
    "report.fig.registry.venues": ("场所数", "Venues"),
    "report.fig.registry.checkins": ("场所扫码记录", "Check-ins"),
    # What a refusal names: the permission a role lacks (the error page).
    "perm.read_report": ("查看日报", "read the daily report"),
}
