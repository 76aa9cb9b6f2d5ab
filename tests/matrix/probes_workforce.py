"""Workforce's routes, API and pages, as the matrix calls them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fangyi.timeutil import today
from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1/workforce"
LATER = (today() + timedelta(days=30)).isoformat()


def post(world: World, side: Side) -> dict[str, Any]:
    return {"post_id": side["wf_post"].id}


def entry(world: World, side: Side) -> dict[str, Any]:
    return {"assignment_id": side["wf_assignment"].id}


def own(world: World, side: Side, role: str) -> dict[str, Any]:
    """Inside: the caller's own shift; outside: somebody else's."""
    if side.name == "inside":
        return {"assignment_id": side[f"wf_own_{role}"].id}
    return {"assignment_id": side["wf_assignment"].id}


def new_institution(world: World, side: Side) -> dict[str, Any]:
    return {"code": "WF-NEW", "name": "矩阵新单位", "kind": "volunteers", "area_code": side.township}


def new_staff(world: World, side: Side) -> dict[str, Any]:
    return {"name": "矩阵新人", "phone": "13399999999", "institution": side["wf_institution"].code,
            "qualifications": ["sampler"]}


def new_post(world: World, side: Side) -> dict[str, Any]:
    return {"code": "WF-NEW-P", "name": "矩阵新岗", "kind": "checkpoint", "area_code": side.village,
            "needs": {"day": {"security": 1}}}


def needs_body(world: World, side: Side) -> dict[str, Any]:
    return {"needs": {"day": {"sampler": 3}}}


def rostering(world: World, side: Side) -> dict[str, Any]:
    return {"staff_id": side["wf_staff"].id, "post_id": side["wf_post"].id, "day": LATER, "shift": "day"}


def team(world: World, side: Side) -> dict[str, Any]:
    return {"name": "矩阵临时党支部", "kind": "branch", "leader_id": side["wf_staff"].id,
            "post_id": side["wf_post"].id}


def assign_form(world: World, side: Side) -> dict[str, Any]:
    return {"post_id": str(side["wf_post"].id), "phone": side["wf_staff"].phone, "day": LATER, "shift": "day"}


PROBES: Probes = {
    ("GET", f"{API}/institutions"): Probe(sided=False),
    ("POST", f"{API}/institutions"): Probe(body=new_institution),
    ("GET", f"{API}/staff"): Probe(sided=False),
    ("POST", f"{API}/staff"): Probe(body=new_staff),
    ("POST", f"{API}/staff/{{staff_id}}/absences"): Probe(
        path=lambda w, s: {"staff_id": s["wf_staff"].id},
        body=lambda w, s: {"starts_at": f"{LATER}T00:00:00", "ends_at": f"{LATER}T23:59:00", "reason": "病假"}),
    ("GET", f"{API}/posts"): Probe(sided=False),
    ("POST", f"{API}/posts"): Probe(body=new_post),
    ("PUT", f"{API}/posts/{{post_id}}/needs"): Probe(path=post, body=needs_body),
    ("DELETE", f"{API}/posts/{{post_id}}"): Probe(path=post),
    ("GET", f"{API}/posts/{{post_id}}/roster"): Probe(path=post),
    ("POST", f"{API}/rounds/{{round_code}}/needs"): Probe(path=lambda w, s: {"round_code": s["wf_round"].code}),
    ("POST", f"{API}/assignments"): Probe(body=rostering),
    ("DELETE", f"{API}/assignments/{{assignment_id}}"): Probe(path=entry),
    ("POST", f"{API}/suggest"): Probe(sided=False, body=lambda w, s: {"week": LATER, "seconds": 0.5,
                                                                       "method": "greedy"}),
    ("GET", f"{API}/duty"): Probe(sided=False),
    ("GET", f"{API}/uncovered"): Probe(sided=False),
    ("GET", f"{API}/teams"): Probe(sided=False),
    ("POST", f"{API}/teams"): Probe(body=team),
    ("GET", f"{API}/positive-pool-staff"): Probe(sided=False),
    ("GET", f"{API}/me/shifts"): Probe(sided=False),
    ("POST", f"{API}/me/shifts/{{assignment_id}}/check-in"): Probe(path=own),
    ("GET", "/workforce"): Probe(sided=False),
    ("POST", "/workforce/assign"): Probe(form=assign_form),
    ("GET", "/workforce/posts/{post_id}"): Probe(path=post),
    ("GET", "/workforce/me"): Probe(sided=False),
    ("POST", "/workforce/me/{assignment_id}/check-in"): Probe(path=own, form=lambda w, s: {}),
}
