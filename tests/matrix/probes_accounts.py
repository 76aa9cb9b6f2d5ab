"""Accounts: sign-in pages, the account, users, tokens and the audit trail."""

from __future__ import annotations

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def new_user(world: World, side: Side) -> dict[str, object]:
    return {"username": f"new-{side.name}", "password": "a-long-pass-2022", "role": "tracer",
            "area_code": side.township}


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
}
