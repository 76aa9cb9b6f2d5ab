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
    "login.locked": ("登录失败次数过多，请 15 分钟后再试", "Too many failed sign-ins: try again in 15 minutes"),
    "account.password": ("修改密码", "Change password"),
    "account.current": ("当前密码", "Current password"),
    "account.new": ("新密码（至少 8 位）", "New password (8 characters or more)"),
    "account.again": ("再次输入新密码", "New password again"),
    "account.mismatch": ("两次输入的新密码不一致", "The two new passwords differ"),
    "account.changed": ("密码已修改，其他 {n} 处登录已退出", "Password changed; {n} other sessions ended"),
    "account.tokens": ("接口令牌", "API tokens"),
    "account.token_used": ("最近使用", "Last used"),
    "account.revoke": ("吊销", "Revoke"),
    "nav.users": ("用户", "Users"),
    "users.title": ("用户管理", "Users"),
    "users.active": ("状态", "State"),
    "users.is_active": ("启用", "Active"),
    "users.is_inactive": ("已停用", "Deactivated"),
    "users.deactivate": ("停用", "Deactivate"),
    "users.activate": ("启用", "Activate"),
    # What a refusal names: the permission a role lacks (the error page).
    "perm.manage_users": ("管理用户账号", "manage users"),
    "perm.read_audit": ("查看审计记录", "read the audit trail"),
}
