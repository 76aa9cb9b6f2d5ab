"""Zones' routes, API and pages, as the matrix calls them."""

from __future__ import annotations

from typing import Any

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1/zones"


def active(world: World, side: Side) -> dict[str, Any]:
    return {"zone_id": side["zone_active"].id}


def proposed(world: World, side: Side) -> dict[str, Any]:
    return {"zone_id": side["zone_proposed"].id}


def new_zone(world: World, side: Side) -> dict[str, Any]:
    return {"kind": "precaution", "areas": [side.township], "reason": "矩阵提出"}


def reason(world: World, side: Side) -> dict[str, Any]:
    return {"reason": "矩阵不批准"}


def override(world: World, side: Side) -> dict[str, Any]:
    return {"override": "矩阵提前解除"}


def notice(world: World, side: Side) -> dict[str, Any]:
    return {"title": "矩阵通告", "body": "矩阵通告正文"}


PROBES: Probes = {
    ("GET", API): Probe(sided=False),
    ("POST", f"{API}/check"): Probe(sided=False),
    ("GET", f"{API}/{{zone_id}}"): Probe(path=active),
    ("POST", API): Probe(body=new_zone),
    ("POST", f"{API}/{{zone_id}}/approve"): Probe(path=proposed, body=lambda w, s: {}),
    ("POST", f"{API}/{{zone_id}}/reject"): Probe(path=proposed, body=reason),
    ("POST", f"{API}/{{zone_id}}/lift"): Probe(path=active, body=override),
    ("PUT", f"{API}/{{zone_id}}/notice"): Probe(path=active, body=notice),
    ("POST", f"{API}/{{zone_id}}/round"): Probe(path=active, body=lambda w, s: {}),
    ("GET", "/zones"): Probe(sided=False),
    ("POST", "/zones/check"): Probe(sided=False, form=lambda w, s: {}),
    ("GET", "/zones/{zone_id}"): Probe(path=active),
    ("POST", "/zones/{zone_id}/approve"): Probe(path=proposed, form=lambda w, s: {}),
    ("POST", "/zones/{zone_id}/reject"): Probe(path=proposed, form=reason),
    ("POST", "/zones/{zone_id}/lift"): Probe(path=active, form=override),
    ("POST", "/zones/{zone_id}/round"): Probe(path=active, form=lambda w, s: {}),
    ("GET", "/zones/{zone_id}/notice"): Probe(path=active),
    ("POST", "/zones/{zone_id}/notice"): Probe(path=active, form=notice),
}
