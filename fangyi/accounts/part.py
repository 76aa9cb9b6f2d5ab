"""Accounts: sign-in and sign-out, the account page, users and API tokens, the audit trail's reading."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.accounts import api, audit_api, cli, pages
from fangyi.accounts.words import WORDS
from fangyi.parts import Part

PART = Part(
    name="accounts",
    routers=(pages.router, api.router, audit_api.router),
    permissions={
        "manage_users": frozenset({Role.admin}),
        "read_audit": frozenset({Role.admin, Role.commander}),
    },
    words=WORDS,
    landing={Role.driver: "/account"},
    cli=cli.register,
    templates=Path(__file__).parent / "templates",
)
