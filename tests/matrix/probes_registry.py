"""The registry's routes, as the matrix calls them."""

from __future__ import annotations

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def person(world: World, side: Side) -> dict[str, object]:
    return {"person_id": side["person"].id}


def venue(world: World, side: Side) -> dict[str, object]:
    return {"venue_id": side["venue"].id}


def area(world: World, side: Side) -> dict[str, object]:
    return {"code": side.village}


def new_person(world: World, side: Side) -> dict[str, object]:
    return {"id_number": "P:MX" + side.name.upper(), "name": "新登记", "area_code": side.group}


def new_venue(world: World, side: Side) -> dict[str, object]:
    return {"code": f"MX-NEW-{side.name}", "name": "新场所", "kind": "shop", "area_code": side.village}


def new_area(world: World, side: Side) -> dict[str, object]:
    return {"code": side.village[:9] + "009", "name": "新村", "level": "village", "parent_code": side.township}


def stay(world: World, side: Side) -> dict[str, object]:
    return {"id_number": side["other_person"].id_number, "venue_code": side["venue"].code,
            "checked_in_at": "2022-03-28T09:00:00+08:00"}


PROBES: Probes = {
    ("GET", "/api/v1/areas"): Probe(sided=False),
    ("GET", "/api/v1/areas/{code}"): Probe(path=area),
    ("POST", "/api/v1/areas"): Probe(body=new_area),
    ("PATCH", "/api/v1/areas/{code}"): Probe(path=area, body=lambda w, s: {"name": "改名村"}),
    ("GET", "/api/v1/persons"): Probe(sided=False, query=lambda w, s: {"q": "乡人"}),
    ("GET", "/api/v1/persons/{person_id}"): Probe(path=person),
    ("POST", "/api/v1/persons"): Probe(body=new_person),
    ("PATCH", "/api/v1/persons/{person_id}"): Probe(path=person, body=lambda w, s: {"address": "新地址"}),
    ("POST", "/api/v1/persons/{person_id}/merge"): Probe(
        path=person, body=lambda w, s: {"merged_id": s["other_person"].id, "reason": "重复"}),
    ("POST", "/api/v1/merges/{merge_id}/undo"): Probe(path=lambda w, s: {"merge_id": s["merge"].id}),
    ("GET", "/api/v1/persons/{person_id}/checkins"): Probe(path=person),
    ("GET", "/api/v1/checkins"): Probe(query=lambda w, s: {"venue": s["venue"].id}),
    ("POST", "/api/v1/checkins"): Probe(body=stay),
    ("GET", "/api/v1/venues"): Probe(sided=False),
    ("GET", "/api/v1/venues/{venue_id}"): Probe(path=venue),
    ("POST", "/api/v1/venues"): Probe(body=new_venue),
    ("PATCH", "/api/v1/venues/{venue_id}"): Probe(path=venue, body=lambda w, s: {"name": "改名饭店"}),
    ("GET", "/areas"): Probe(sided=False),
    ("GET", "/persons"): Probe(sided=False, query=lambda w, s: {"q": "乡人"}),
    ("GET", "/persons/export"): Probe(sided=False, query=lambda w, s: {"q": "乡人"}),
    ("GET", "/persons/{person_id}"): Probe(path=person),
    ("POST", "/persons/{person_id}/reveal"): Probe(path=person),
    ("GET", "/venues"): Probe(sided=False),
    ("GET", "/venues/export"): Probe(sided=False),
}
