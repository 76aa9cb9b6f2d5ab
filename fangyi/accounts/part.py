"""Accounts: sign-in and sign-out, the account page, users and API tokens, the audit trail's reading."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.accounts import api, audit_api, cli, pages
from fangyi.accounts.words import WORDS
from fangyi.parts import Nav, Part

PART = Part(
    name="accounts",
    routers=(pages.router, api.router, audit_api.router),
    permissions={
        "manage_users": frozenset({Role.admin}),
        "read_audit": frozenset({Role.admin, Role.commander}),
    },
    words=WORDS,
    nav=(Nav("/users", "nav.users", "manage_users"),),
    landing={Role.driver: "/account"},
    cli=cli.commands,
    templates=Path(__file__).parent / "templates",
)
