"""Interface words in Chinese (default) and English.

Each part adds its words to MESSAGES; a missing English word falls back to Chinese
and a missing key shows itself, so gaps are visible rather than silent.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("防疫指挥平台", "Fangyi outbreak command"),
    "nav.areas": ("区域", "Areas"),
    "nav.persons": ("人员", "Persons"),
    "nav.venues": ("场所", "Venues"),
    "nav.imports": ("导入", "Imports"),
    "nav.report": ("日报", "Daily report"),
    "nav.account": ("账户", "Account"),
    "nav.logout": ("退出", "Sign out"),
    "lang.switch": ("English", "中文"),
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码不正确", "Wrong username or password"),
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": ("页面已过期，请重新提交", "The page expired; please submit again"),
    "error.internal": ("系统内部错误，已记录。您输入的内容未丢失，请返回重试。",
                       "Internal error, logged. Nothing you typed was lost; go back and try again."),
    "error.404": ("未找到，或不在您的管辖范围内", "Not found, or outside your jurisdiction"),
    "error.403": ("您的角色无权进行此操作", "Your role may not do this"),
    "error.home": ("返回首页", "Back to the start page"),
    "error.back": ("返回上一页", "Go back"),
}

# Words of the shared pages: sign-in, registry, imports, daily report.
MESSAGES.update({
    "common.search": ("查询", "Search"),
    "common.reset": ("清空", "Clear"),
    "common.export": ("导出 Excel", "Export Excel"),
    "common.all": ("全部", "All"),
    "common.none": ("暂无记录", "Nothing here yet"),
    "common.total": ("共 {n} 条", "{n} in all"),
    "common.prev": ("上一页", "Previous"),
    "common.next": ("下一页", "Next"),
    "common.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "common.area": ("区域", "Area"),
    "common.name": ("姓名", "Name"),
    "common.address": ("地址", "Address"),
    "common.code": ("编码", "Code"),
    "common.count": ("数量", "Count"),
    "common.date": ("日期", "Date"),
    "common.show": ("查看", "Show"),
    "common.skip": ("跳到正文", "Skip to content"),
    "common.truncated": ("仅导出前 {n} 条，共 {total} 条；请按区域分批导出",
                         "Only the first {n} of {total} rows; export area by area"),
    "login.next_hint": ("请先登录", "Please sign in first"),
    "account.title": ("我的账户", "My account"),
    "account.display_name": ("姓名", "Name"),
    "account.role": ("角色", "Role"),
    "account.jurisdiction": ("管辖范围", "Jurisdiction"),
    "role.commander": ("指挥长", "Commander"),
    "role.command_office": ("指挥部办公室", "Command office"),
    "role.tracer": ("流调人员", "CDC tracer"),
    "role.sampler": ("采样人员", "Sampler"),
    "role.lab": ("检测人员", "Lab technician"),
    "role.site_manager": ("隔离点负责人", "Quarantine site manager"),
    "role.dispatcher": ("转运调度", "Dispatcher"),
    "role.driver": ("司机", "Driver"),
    "role.village_doctor": ("乡村医生", "Village doctor"),
    "role.checkpoint": ("卡口人员", "Checkpoint officer"),
    "role.admin": ("管理员", "Administrator"),
    "level.county": ("县", "County"),
    "level.township": ("乡镇", "Township"),
    "level.village": ("村（社区）", "Village"),
    "level.group": ("组", "Group"),
    "areas.title": ("区域", "Areas"),
    "areas.persons": ("人", "persons"),
    "areas.expand": ("全部展开", "Expand all"),
    "persons.title": ("人员查询", "Find a person"),
    "persons.q": ("姓名、身份证号（或后4位）、手机号", "Name, identity number (or last 4), phone"),
    "persons.id_number": ("证件号码", "Identity number"),
    "persons.phone": ("手机号", "Phone"),
    "persons.sex": ("性别", "Sex"),
    "persons.sex.M": ("男", "Male"),
    "persons.sex.F": ("女", "Female"),
    "persons.birth_date": ("出生日期", "Date of birth"),
    "persons.household": ("户", "Household"),
    "persons.household_members": ("同户人员", "Household members"),
    "persons.checkins": ("近期场所扫码", "Recent venue check-ins"),
    "persons.checked_in": ("进入", "In"),
    "persons.checked_out": ("离开", "Out"),
    "persons.merges": ("合并记录", "Merge history"),
    "persons.merged_into": ("并入", "Merged into"),
    "persons.merged_from": ("合并自", "Merged from"),
    "persons.merge_undone": ("已撤销", "undone"),
    "persons.reveal": ("显示完整号码", "Show full number"),
    "persons.revealed": ("已显示完整号码（此次查看已记录）", "Full numbers shown (this view is logged)"),
    "persons.masked_note": ("证件号与手机号默认脱敏显示", "Identity and phone numbers are masked"),
    "venues.title": ("场所", "Venues"),
    "venues.q": ("场所名称或场所码", "Venue name or code"),
    "venues.kind": ("类型", "Kind"),
    "venues.stay": ("默认停留（分钟）", "Default stay (minutes)"),
    "venue.kind.household": ("居家", "Household"),
    "venue.kind.restaurant": ("餐饮", "Restaurant"),
    "venue.kind.market": ("市场", "Market"),
    "venue.kind.shop": ("商店", "Shop"),
    "venue.kind.workplace": ("工作场所", "Workplace"),
    "venue.kind.school": ("学校", "School"),
    "venue.kind.clinic": ("医疗机构", "Clinic"),
    "venue.kind.vehicle": ("交通工具", "Vehicle"),
    "venue.kind.transport_hub": ("车站码头", "Transport hub"),
    "venue.kind.gathering": ("聚集活动", "Gathering"),
    "venue.kind.other": ("其他", "Other"),
    "imports.title": ("数据导入", "Import data"),
    "imports.kind": ("数据类型", "Kind of data"),
    "imports.file": ("文件（CSV 或 Excel .xlsx）", "File (CSV or Excel .xlsx)"),
    "imports.strict": ("严格模式：有任何错误行则全部不导入", "Strict: load nothing if any row is bad"),
    "imports.submit": ("上传并导入", "Upload and import"),
    "imports.no_file": ("请选择要上传的文件", "Choose a file to upload"),
    "imports.kind_refused": ("您的角色不能导入此类数据", "Your role may not import this kind of data"),
    "imports.unavailable": ("导入功能暂不可用", "Imports are not available yet"),
    "imports.recent": ("最近导入", "Recent imports"),
    "imports.report": ("导入报告", "Import report"),
    "imports.filename": ("文件名", "File"),
    "imports.status": ("状态", "Status"),
    "imports.started": ("开始时间", "Started"),
    "imports.rows_total": ("总行数", "Rows"),
    "imports.rows_loaded": ("已导入", "Loaded"),
    "imports.rows_unchanged": ("无变化", "Unchanged"),
    "imports.rows_rejected": ("被拒绝", "Rejected"),
    "imports.problems": ("被拒绝的行", "Rejected rows"),
    "imports.line": ("行号", "Line"),
    "imports.column": ("列", "Column"),
    "imports.reason": ("原因", "Reason"),
    "imports.ignored": ("已忽略的列", "Ignored columns"),
    "imports.kind.areas": ("区域", "Areas"),
    "imports.kind.persons": ("人员", "Persons"),
    "imports.kind.venues": ("场所", "Venues"),
    "imports.kind.checkins": ("场所扫码记录", "Check-ins"),
    "imports.status.done": ("完成", "Done"),
    "imports.status.partial": ("部分导入", "Partly loaded"),
    "imports.status.rejected": ("已拒绝", "Rejected"),
    "imports.status.failed": ("失败", "Failed"),
    "imports.status.running": ("进行中", "Running"),
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
})


def translate(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def add(messages: dict[str, tuple[str, str]]) -> None:
    """Called by each part's pages module to register its words."""
    MESSAGES.update(messages)


def translate_or(key: str, lang: str, default: str) -> str:
    """A word that may not be registered (a figure added by a later part): show ``default``."""
    return translate(key, lang) if key in MESSAGES else default


# A part with pages keeps its words in its own module; imported here, at the end (it calls add),
# so that every template's words are known wherever words are read, app or not.
from fangyi.quarantine import words as _quarantine_words  # noqa: E402,F401
from fangyi.screening import words as _screening_words  # noqa: E402,F401
from fangyi.tracing import words as _tracing_words  # noqa: E402,F401
