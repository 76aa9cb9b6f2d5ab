"""Arrivals' routes, API and pages, as the matrix calls them."""

from __future__ import annotations

from datetime import date
from typing import Any

from fangyi.identity import make_id_number
from fangyi.timeutil import now
from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1/arrivals"
NEWCOMER = make_id_number("420106", date(1992, 3, 4), 90, "F")


def arrival(world: World, side: Side) -> dict[str, Any]:
    return {"arrival_id": side["arrival"].id}


def new_arrival(world: World, side: Side) -> dict[str, Any]:
    return {"id_number": NEWCOMER, "name": "矩阵返乡者", "origin_code": "420106", "arrived_at": now().isoformat(),
            "staying_area_code": side.village, "means": "train"}


def car(world: World, side: Side) -> dict[str, Any]:
    return {"plate": "湘D99999", "origin_code": "420106", "staying_area_code": side.village,
            "occupants": f"{NEWCOMER} 矩阵返乡者"}


def household(world: World, side: Side) -> dict[str, Any]:
    return {"household_id": side["household"].id}


def village(world: World, side: Side) -> dict[str, Any]:
    return {"village": side.village}


def one_arrival(world: World, side: Side) -> dict[str, Any]:
    return {"id_number": NEWCOMER, "name": "矩阵返乡者", "origin_code": "420106", "staying_area_code": side.village}


def sentinel(world: World, side: Side) -> dict[str, Any]:
    return {"report_id": side["sentinel"].id}


def new_sentinel(world: World, side: Side) -> dict[str, Any]:
    return {"id_number": NEWCOMER, "name": "矩阵返乡者", "area_code": side.village, "reporter_kind": "pharmacy",
            "symptoms": ["cough", "sore_throat"]}


PROBES: Probes = {
    ("POST", API): Probe(body=new_arrival),
    ("GET", API): Probe(sided=False),
    ("GET", f"{API}/day"): Probe(sided=False),
    ("GET", f"{API}/origin-risks"): Probe(sided=False),
    ("POST", f"{API}/origin-risks"): Probe(sided=False, body=lambda w, s: {
        "area_code": "310000", "level": "high", "valid_from": "2022-03-28"}),
    ("GET", f"{API}/{{arrival_id}}"): Probe(path=arrival),
    ("POST", f"{API}/{{arrival_id}}/work"): Probe(path=arrival, body=lambda w, s: {
        "kind": "temperature", "temperature": 36.5}),
    ("GET", "/arrivals/day"): Probe(sided=False),
    ("POST", "/arrivals/{arrival_id}/work"): Probe(path=arrival, form=lambda w, s: {
        "kind": "temperature", "temperature": "36.6"}),
    ("GET", "/arrivals"): Probe(sided=False),
    ("GET", "/arrivals/checkpoint"): Probe(sided=False),
    ("POST", "/arrivals/checkpoint"): Probe(form=car),
    ("POST", "/arrivals/register"): Probe(form=one_arrival),
    ("GET", "/arrivals/sw.js"): Probe(sided=False),
    ("GET", "/arrivals/offline.js"): Probe(sided=False),
    ("GET", f"{API}/sweep"): Probe(query=village),
    ("POST", f"{API}/sweep/{{household_id}}"): Probe(path=household, body=lambda w, s: {"returned": 1}),
    ("GET", f"{API}/coverage"): Probe(sided=False),
    ("GET", "/arrivals/sweep"): Probe(query=village),
    ("POST", "/arrivals/sweep/{household_id}"): Probe(path=household, form=lambda w, s: {"returned": "1"}),
    ("POST", f"{API}/sentinels"): Probe(body=new_sentinel),
    ("GET", f"{API}/sentinels"): Probe(sided=False),
    ("GET", f"{API}/sentinels/{{report_id}}"): Probe(path=sentinel),
    ("GET", "/arrivals/sentinels"): Probe(sided=False),
    ("POST", "/arrivals/sentinels"): Probe(form=lambda w, s: {
        "id_number": NEWCOMER, "name": "矩阵返乡者", "area_code": s.village, "reporter_kind": "clinic",
        "symptoms": "cough"}),
}
