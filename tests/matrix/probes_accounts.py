"""Accounts: sign-in pages, the account, users, tokens and the audit trail."""

from __future__ import annotations

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def new_user(world: World, side: Side) -> dict[str, object]:
    return {"username": f"new-{side.name}", "password": "a-long-pass-2022", "role": "tracer",
            "area_code": side.township}


def user(world: World, side: Side) -> dict[str, object]:
    return {"user_id": side["user"].id}


def own_token(world: World, side: Side, role: str) -> dict[str, object]:
    return {"token_id": world.token_ids[role]}


def own_password(world: World, side: Side, role: str) -> dict[str, object]:
    return {"current": f"{role}-pass-2022", "new": "a-brand-new-pass"}


PROBES: Probes = {
    ("GET", "/"): Probe(sided=False),
    ("GET", "/login"): Probe(sided=False),
    ("POST", "/login"): Probe(sided=False, form=lambda w, s: {"username": "m-tracer", "password": "tracer-pass-2022"}),
    ("POST", "/logout"): Probe(sided=False),
    ("GET", "/account"): Probe(sided=False),
    ("GET", "/lang/{lang}"): Probe(sided=False, path=lambda w, s: {"lang": "en"}),
    ("GET", "/api/v1/me"): Probe(sided=False),
    ("GET", "/api/v1/users"): Probe(sided=False),
    ("POST", "/api/v1/users"): Probe(body=new_user),
    ("POST", "/api/v1/tokens"): Probe(sided=False, body=lambda w, s: {"name": "scanner 7"}),
    ("GET", "/api/v1/audit"): Probe(sided=False),
    ("PUT", "/api/v1/users/{user_id}/active"): Probe(path=user, body=lambda w, s: {"active": False}),
    ("GET", "/api/v1/users/{user_id}/tokens"): Probe(path=user),
    ("POST", "/api/v1/tokens/{token_id}/revoke"): Probe(sided=False, path=own_token),
    ("POST", "/api/v1/me/password"): Probe(sided=False, body=own_password),
    ("POST", "/account/password"): Probe(sided=False, form=lambda w, s: {"current": "x", "new": "a-new-pass-1",
                                                                          "again": "another-pass-2"}),
    ("POST", "/account/tokens/{token_id}/revoke"): Probe(sided=False, path=own_token),
    ("GET", "/users"): Probe(sided=False),
    ("POST", "/users/{user_id}/active"): Probe(path=user, form=lambda w, s: {"active": "0"}),
    ("POST", "/users/tokens/{token_id}/revoke"): Probe(path=lambda w, s: {"token_id": s["token"].id}),
}
