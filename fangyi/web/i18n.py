"""Interface words in Chinese (default) and English.

The core's own words are here; each part declares its own in its `part.py`, and `fangyi.parts`
merges them at start-up. A missing English word falls back to Chinese and a missing key shows
itself, so that gaps are visible rather than silent.
"""

from __future__ import annotations

from fangyi.parts import installed

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

CORE: dict[str, tuple[str, str]] = {
    "app.name": ("防疫指挥平台", "Fangyi outbreak command"),
    "nav.menu": ("菜单", "Menu"),
    "nav.account": ("账户", "Account"),
    "nav.logout": ("退出", "Sign out"),
    "lang.switch": ("English", "中文"),
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": ("页面已过期，请重新提交", "The page expired; please submit again"),
    "error.internal": ("系统内部错误，已记录。您输入的内容未丢失，请返回重试。",
                       "Internal error, logged. Nothing you typed was lost; go back and try again."),
    "error.404": ("未找到，或不在您的管辖范围内", "Not found, or outside your jurisdiction"),
    "error.403": ("您的角色无权进行此操作", "Your role may not do this"),
    "error.refused": ("{role}无权{what}", "A {role} may not {what}"),
    "error.home": ("返回首页", "Back to the start page"),
    "error.back": ("返回上一页", "Go back"),
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
    "common.area_hint": ("乡镇、村名称，可从列表选择", "A township or village name, or pick from the list"),
    "common.filter": ("筛选", "Filter"),
    "common.more": ("更多操作", "More actions"),
    "common.name": ("姓名", "Name"),
    "common.address": ("地址", "Address"),
    "common.code": ("编码", "Code"),
    "common.count": ("数量", "Count"),
    "common.date": ("日期", "Date"),
    "common.show": ("查看", "Show"),
    "common.skip": ("跳到正文", "Skip to content"),
    "common.truncated": ("仅导出前 {n} 条，共 {total} 条；请按区域分批导出",
                         "Only the first {n} of {total} rows; export area by area"),
    # Roles whose own part is still to come land on the nearest page; it says so (base.html).
    "landing.pending.checkpoint": ("卡口登记功能尚在建设中：目前可在此查询人员身份。",
                                   "Checkpoint registration is still being built: look people up here for now."),
    "landing.pending.village_doctor": ("村医健康监测工作台尚在建设中：目前可在此查询本辖区人员，核酸筛查见“核酸检测”。",
                                       "The village doctor's health-monitoring desk is still being built: look up "
                                       "your area's people here; screening is under Screening."),
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
    "role.sentinel": ("预检分诊点", "Fever desk (clinic, pharmacy)"),
}


def translate(key: str, lang: str) -> str:
    pair = installed().words.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def translate_or(key: str, lang: str, default: str) -> str:
    """A word that may not be declared (a figure added by a later part): show ``default``."""
    return translate(key, lang) if key in installed().words else default
