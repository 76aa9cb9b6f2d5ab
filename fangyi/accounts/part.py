"""Accounts: sign-in and sign-out, the account page, users and API tokens, the audit trail's reading."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.accounts.words import WORDS
from fangyi.parts import Nav, Part

PART = Part(
    name="accounts",
    routers=("fangyi.accounts.pages:router", "fangyi.accounts.api:router", "fangyi.accounts.audit_api:router"),
    permissions={
        "manage_users": frozenset({Role.admin}),
        "read_audit": frozenset({Role.admin, Role.commander}),
    },
    words=WORDS,
    nav=(Nav("/users", "nav.users", "manage_users"),),
    landing={Role.driver: "/account"},
    cli="fangyi.accounts.cli:commands",
    templates=Path(__file__).parent / "templates",
)
