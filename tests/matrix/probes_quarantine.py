"""Quarantine's routes, API and pages, as the matrix calls them."""

from __future__ import annotations

from typing import Any

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1/quarantine"


def site(world: World, side: Side) -> dict[str, Any]:
    return {"code": side["site"].code}


def placement(world: World, side: Side) -> dict[str, Any]:
    return {"placement_id": side["placement"].id}


def placed_person(world: World, side: Side) -> dict[str, Any]:
    return {"person_id": side["q_placed_person"].id}


def room(state: str) -> Any:
    return lambda world, side: {"room_id": side[f"room_{state}"].id}


def new_request(world: World, side: Side) -> dict[str, Any]:
    return {"person_id": side["q_new_person"].id, "category": "close_contact", "reason": "矩阵",
            "last_exposure": "2022-04-01T10:00:00"}


def check(world: World, side: Side) -> dict[str, Any]:
    return {"person_id": side["q_placed_person"].id, "temperature": 36.6}


def single_test(world: World, side: Side) -> dict[str, Any]:
    return {"person_id": side["q_placed_person"].id, "phase": "single", "result": "negative",
            "sampled_at": "2022-04-01T09:00:00"}


def transport(world: World, side: Side) -> dict[str, Any]:
    return {"transport_id": side["transport"].id}


PROBES: Probes = {
    ("GET", f"{API}/sites"): Probe(sided=False),
    ("GET", f"{API}/sites/{{code}}"): Probe(path=site),
    ("PATCH", f"{API}/sites/{{code}}"): Probe(path=site, body=lambda w, s: {"contact": "新联系人"}),
    ("GET", f"{API}/requests"): Probe(sided=False),
    ("POST", f"{API}/requests"): Probe(body=new_request),
    ("POST", f"{API}/allocations"): Probe(body=lambda w, s: {"request_ids": [s["request"].id]}),
    ("GET", f"{API}/placements/{{placement_id}}"): Probe(path=placement),
    ("POST", f"{API}/checks"): Probe(body=check),
    ("POST", f"{API}/tests"): Probe(body=single_test),
    # Too early: the allowed roles get the 409 with what is missing.
    ("POST", f"{API}/placements/{{placement_id}}/release"): Probe(path=placement, body=lambda w, s: {}),
    ("POST", f"{API}/placements/{{placement_id}}/waive"): Probe(path=placement,
                                                                body=lambda w, s: {"day": 1, "reason": "矩阵"}),
    ("POST", f"{API}/rooms/{{room_id}}/cleaned"): Probe(path=room("cleaning")),
    ("POST", f"{API}/rooms/{{room_id}}/out-of-service"): Probe(path=room("free")),
    ("POST", f"{API}/rooms/{{room_id}}/in-service"): Probe(path=room("out_of_service")),
    ("POST", f"{API}/placements/{{placement_id}}/transfer"): Probe(path=placement,
                                                                  body=lambda w, s: {"reason": "转定点医院"}),
    ("GET", f"{API}/alerts"): Probe(sided=False),
    ("GET", f"{API}/transport"): Probe(sided=False),
    ("POST", f"{API}/transport/{{transport_id}}/done"): Probe(path=transport),
    ("GET", f"{API}/forecast"): Probe(sided=False),
    ("GET", "/quarantine/sites"): Probe(sided=False),
    ("GET", "/quarantine/sites/{code}"): Probe(path=site),
    ("POST", "/quarantine/sites/{code}/checks"): Probe(
        path=site, form=lambda w, s: {"person_id": str(s["q_placed_person"].id), "temperature": "36.6"}),
    ("POST", "/quarantine/rooms/{room_id}/cleaned"): Probe(path=room("cleaning")),
    ("GET", "/quarantine/allocate"): Probe(sided=False),
    ("POST", "/quarantine/allocate"): Probe(form=lambda w, s: {"request": [str(s["request"].id)]}),
    ("POST", "/quarantine/transport/{transport_id}/done"): Probe(path=transport),
    ("GET", "/quarantine/persons/{person_id}"): Probe(path=placed_person),
    ("POST", "/quarantine/persons/{person_id}/tests"): Probe(
        path=placed_person, form=lambda w, s: {"day": "single:", "result": "negative", "reagent": "A"}),
    ("GET", "/quarantine/notices"): Probe(query=lambda w, s: {"placement": [s["placement"].id]}),
    ("GET", "/quarantine/placements/{placement_id}/certificate"): Probe(
        path=lambda w, s: {"placement_id": s["released"].id}),
    ("POST", "/quarantine/placements/{placement_id}/release"): Probe(path=placement),
}
