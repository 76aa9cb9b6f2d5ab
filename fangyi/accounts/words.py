"""The accounts part's interface words: (Chinese, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码不正确", "Wrong username or password"),
    "login.next_hint": ("请先登录", "Please sign in first"),
    "account.title": ("我的账户", "My account"),
    "account.display_name": ("姓名", "Name"),
    "account.role": ("角色", "Role"),
    "account.jurisdiction": ("管辖范围", "Jurisdiction"),
}
