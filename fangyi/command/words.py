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
    "epi.title": ("流行曲线与Rt", "Epidemic curve and Rt"),
    "epi.local": ("本土确诊", "Local, confirmed"),
    "epi.imported": ("输入确诊", "Imported, confirmed"),
    "epi.interval": ("95%可信区间", "95% credible interval"),
    "epi.cases": ("病例数", "Cases"),
    "epi.rt_today": ("当日Rt（7天窗口）", "Rt of the day (7-day window)"),
    "epi.rt_none": ("窗口内病例不足12例，不估计Rt", "Fewer than 12 cases in the window: no Rt estimate"),
    "epi.note": ("按确诊日期统计，Cori法（与EpiEstim一致）", "By confirmation date, Cori's method (as EpiEstim)"),
    # What a refusal names: the permission a role lacks (the error page).
    "perm.read_report": ("查看日报", "read the daily report"),
}
