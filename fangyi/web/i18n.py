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
}


def translate(key: str, lang: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def add(messages: dict[str, tuple[str, str]]) -> None:
    """Called by each part's pages module to register its words."""
    MESSAGES.update(messages)
