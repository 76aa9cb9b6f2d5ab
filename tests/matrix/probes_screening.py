"""Screening's routes, as the matrix calls them.

Scans and lab results answer each item of a batch on its own (200, each ok or refused), so their
probes are not sided: each sends the inside township's records and the outside's together, and
the answer must not tell anything of the outside's beyond what the request carried."""

from __future__ import annotations

from tests.matrix.build_screening import LAB, barcode
from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def round_code(world: World, side: Side) -> dict[str, object]:
    return {"code": side["round"].code}


def point_code(world: World, side: Side) -> dict[str, object]:
    return {"code": side["point"].code}


def box_code(world: World, side: Side) -> dict[str, object]:
    return {"code": side["box"].code}


def new_round(world: World, side: Side) -> dict[str, object]:
    return {"code": f"MR-NEW-{side.name}", "name": "新一轮", "area_codes": [side.township],
            "starts_at": "2022-04-02T07:00:00+08:00"}


def new_point(world: World, side: Side) -> dict[str, object]:
    return {"code": f"MP-NEW-{side.name}", "name": "新采样点", "area_code": side.village}


def scans(world: World, side: Side) -> dict[str, object]:
    inside, outside = world.inside, world.outside

    def person(n: int, whose: Side, tube: Side, point: Side) -> dict[str, object]:
        return {"scan_id": f"m-probe-{n:04d}", "action": "person", "barcode": barcode(tube, "OPEN"),
                "point_code": point["point"].code, "id_number": whose["free_person"].id_number}

    # Our person into our tube; theirs into theirs; ours into their tube at our point; theirs into ours.
    return {"scans": [person(1, inside, inside, inside), person(2, outside, outside, outside),
                      person(3, inside, outside, inside), person(4, outside, inside, inside),
                      {"scan_id": "m-probe-0005", "action": "open", "barcode": barcode(outside, "CLOSED"),
                       "point_code": inside["point"].code}]}


def results(world: World, side: Side) -> dict[str, object]:
    return {"results": [{"barcode": barcode(s, "CLOSED"), "result": "negative", "lab_code": LAB,
                         "tested_at": "2022-04-02T10:00:00+08:00"} for s in world.sides()]}


def new_box(world: World, side: Side) -> dict[str, object]:
    # The point named is always ours: the tube's own point is what counts.
    return {"code": f"MB-NEW-{side.name}", "barcodes": [barcode(side, "CLOSED")], "lab_code": LAB,
            "point_code": world.inside["point"].code}


def box_form(world: World, side: Side) -> dict[str, object]:
    return {**new_box(world, side), "barcodes": barcode(side, "CLOSED")}


def handed(world: World, side: Side) -> dict[str, object]:
    return {"handed_over_by": "采样员", "carried_by": "司机"}


def confirm(world: World, side: Side) -> dict[str, object]:
    return {"case_no": f"M-CASE-{side.name}", "classification": "confirmed", "source": "local"}


def desk_scan(world: World, side: Side) -> dict[str, object]:
    return {"scan": side["free_person"].id_number, "tube": barcode(side, "OPEN"), "scan_id": f"m-desk-{side.name}"}


def round_form(world: World, side: Side) -> dict[str, object]:
    return {"code": f"MR-PAGE-{side.name}", "name": "页面轮次", "area_codes": [side.township],
            "starts_at": "2022-04-02T07:00", "pool_size": "5"}


def point_form(world: World, side: Side) -> dict[str, object]:
    return {"point_code": f"MP-PAGE-{side.name}", "point_name": "页面采样点", "kind": "fixed",
            "area_code": side.village, "address": "", "hours": "", "staff": ""}


API = "/api/v1/screening"

PROBES: Probes = {
    ("POST", f"{API}/scans"): Probe(sided=False, body=scans),
    ("POST", f"{API}/results"): Probe(sided=False, body=results),
    ("POST", f"{API}/rounds"): Probe(body=new_round),
    ("GET", f"{API}/rounds"): Probe(sided=False),
    ("POST", f"{API}/points"): Probe(body=new_point),
    ("GET", f"{API}/rounds/{{code}}/coverage"): Probe(path=round_code),
    ("GET", f"{API}/advice"): Probe(sided=False, query=lambda w, s: {"prevalence": 0.01}),
    ("GET", f"{API}/retests"): Probe(sided=False),
    ("GET", f"{API}/suspected"): Probe(sided=False),
    ("POST", f"{API}/suspected/{{suspected_id}}/confirm"): Probe(
        path=lambda w, s: {"suspected_id": s["suspected"].id}, body=confirm),
    ("GET", f"{API}/unverified"): Probe(sided=False),
    ("POST", f"{API}/boxes"): Probe(body=new_box),
    ("POST", f"{API}/boxes/{{code}}/hand-over"): Probe(path=box_code, body=handed),
    ("POST", f"{API}/boxes/{{code}}/receive"): Probe(path=box_code, body=lambda w, s: {"received_by": "检验员"}),
    ("GET", f"{API}/boxes"): Probe(sided=False),
    ("GET", f"{API}/boxes/{{code}}"): Probe(path=box_code),
    ("GET", "/screening"): Probe(sided=False),
    ("GET", "/screening/points/{code}/scan"): Probe(path=point_code),
    ("POST", "/screening/points/{code}/scan"): Probe(path=point_code, form=desk_scan),
    ("GET", "/screening/rounds/{code}"): Probe(path=round_code),
    ("GET", "/screening/rounds/{code}/missing.xlsx"): Probe(path=round_code),
    ("GET", "/screening/boxes"): Probe(sided=False),
    ("POST", "/screening/boxes"): Probe(form=box_form),
    ("POST", "/screening/boxes/{code}/hand-over"): Probe(path=box_code, form=handed),
    ("POST", "/screening/boxes/{code}/receive"): Probe(path=box_code, form=lambda w, s: {"received_by": "检验员"}),
    ("GET", "/screening/boxes.xlsx"): Probe(sided=False),
    ("GET", "/screening/setup"): Probe(sided=False),
    ("POST", "/screening/setup/round"): Probe(form=round_form),
    ("POST", "/screening/setup/point"): Probe(form=point_form),
}
