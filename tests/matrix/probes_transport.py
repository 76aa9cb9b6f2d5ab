"""Transport's routes, as the matrix calls them."""

from __future__ import annotations

from typing import Any

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1/transport"


def task(world: World, side: Side) -> dict[str, Any]:
    return {"task_id": side["task"].id}


def vehicle(world: World, side: Side) -> dict[str, Any]:
    return {"vehicle_id": side["vehicle"].id}


def new_task(world: World, side: Side) -> dict[str, Any]:
    return {"kind": "supplies", "rider_class": "supplies", "from_area_code": side.group,
            "to_area_code": side.village, "items": ["矩阵物资"]}


def assignment(world: World, side: Side) -> dict[str, Any]:
    return {"version": side["vehicle"].version, "trips": [[side["task"].id]]}


PROBES: Probes = {
    ("GET", f"{API}/tasks"): Probe(sided=False),
    ("POST", f"{API}/tasks"): Probe(body=new_task),
    ("GET", f"{API}/tasks/{{task_id}}"): Probe(path=task),
    ("POST", f"{API}/tasks/{{task_id}}/call-off"): Probe(path=task, body=lambda w, s: {"reason": "矩阵取消"}),
    ("POST", f"{API}/tasks/{{task_id}}/preempt"): Probe(path=task),
    ("POST", f"{API}/tasks/{{task_id}}/confirm"): Probe(path=task),
    ("GET", f"{API}/vehicles"): Probe(sided=False),
    ("POST", f"{API}/vehicles/{{vehicle_id}}/state"): Probe(path=vehicle, body=lambda w, s: {"state": "off_duty"}),
    ("POST", f"{API}/vehicles/{{vehicle_id}}/assign"): Probe(path=vehicle, body=assignment),
    ("POST", f"{API}/suggestion"): Probe(sided=False),
    ("GET", f"{API}/driver"): Probe(sided=False),
    ("POST", f"{API}/driver/step"): Probe(sided=False, body=lambda w, s: {"step": "seen"}),
    ("GET", f"{API}/arrivals"): Probe(sided=False),
}


def trips(world: World, side: Side) -> dict[str, Any]:
    return {"version": str(side["vehicle"].version), "trips": str(side["task"].id)}


PROBES.update({
    ("GET", "/transport"): Probe(sided=False),
    ("POST", "/transport/suggest"): Probe(sided=False, form=lambda w, s: {}),
    ("POST", "/transport/vehicles/{vehicle_id}/assign"): Probe(path=vehicle, form=trips),
    ("GET", "/transport/driver"): Probe(sided=False),
    ("POST", "/transport/driver/step"): Probe(sided=False, form=lambda w, s: {"step": "seen"}),
    ("GET", "/transport/arrivals"): Probe(sided=False),
    ("POST", "/transport/tasks/{task_id}/confirm"): Probe(path=task, form=lambda w, s: {}),
})
