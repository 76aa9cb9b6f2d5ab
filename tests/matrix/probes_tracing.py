"""Tracing's routes, API and pages, as the matrix calls them."""

from __future__ import annotations

from typing import Any

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World

API = "/api/v1"
PAGES = "/tracing"


def case(world: World, side: Side) -> dict[str, Any]:
    return {"case_no": side["case"].case_no}


def contact(world: World, side: Side) -> dict[str, Any]:
    return {"contact_id": side["contact"].id}


def contact_action(action: str) -> Any:
    return lambda world, side: {"contact_id": side["contact"].id, "action": action}


def index(world: World, side: Side) -> dict[str, Any]:
    return {"person_id": side["index"].id}


def assist_list(world: World, side: Side) -> dict[str, Any]:
    return {"list_id": world.inside["assist_list"].id}


def assist_person(world: World, side: Side) -> dict[str, Any]:
    return {"item_id": side["assist_person"].id, "action": "reach"}


def new_case(world: World, side: Side) -> dict[str, Any]:
    # The side's merged person stands for their survivor, who has no case yet.
    return {"case_no": f"HD-new-{side.name}", "id_number": side["other_person"].id_number,
            "classification": "confirmed", "sampled_at": "2022-03-27T08:00:00",
            "confirmed_at": "2022-03-28T08:00:00", "source": "local"}


def place(world: World, side: Side) -> dict[str, Any]:
    return {"venue_code": side["venue"].code, "start_at": "2022-03-27T12:00:00", "end_at": "2022-03-27T13:00:00"}


def named(world: World, side: Side) -> dict[str, Any]:
    return {"id_number": side["other_person"].id_number, "relationship": "同事",
            "last_contact_at": "2022-03-27T12:00:00"}


def place_form(world: World, side: Side) -> dict[str, str]:
    return {"venue_code": side["venue"].code, "start_at": "2022-03-27T12:00", "end_at": "2022-03-27T13:00"}


def named_form(world: World, side: Side) -> dict[str, str]:
    return {"id_number": side["other_person"].id_number, "relationship": "同事",
            "last_contact_at": "2022-03-27T12:00"}


def edit_form(world: World, side: Side) -> dict[str, str]:
    return {"classification": "confirmed", "id_number": side["person"].id_number, "source": "local",
            "sampled_at": "2022-03-27T08:00", "confirmed_at": "2022-03-28T08:00"}


def tracer(world: World, side: Side) -> dict[str, Any]:
    return {"tracer_id": world.users["tracer"].id}


def fixed(values: dict[str, Any]) -> Any:
    return lambda world, side: values


PROBES: Probes = {
    ("GET", f"{API}/cases"): Probe(sided=False),
    ("POST", f"{API}/cases"): Probe(body=new_case),
    ("GET", f"{API}/cases/{{case_no}}"): Probe(path=case),
    ("PATCH", f"{API}/cases/{{case_no}}"): Probe(path=case, body=fixed({"origin": "矩阵"})),
    ("POST", f"{API}/cases/{{case_no}}/rule-out"): Probe(path=case, body=fixed({"reason": "复核阴性"})),
    ("GET", f"{API}/cases/{{case_no}}/trace"): Probe(path=case),
    ("GET", f"{API}/cases/{{case_no}}/trace/{{degree}}"): Probe(path=lambda world, side: {**case(world, side),
                                                                                     "degree": "close"}),
    ("POST", f"{API}/cases/{{case_no}}/derive"): Probe(path=case),
    ("GET", f"{API}/cases/{{case_no}}/contacts"): Probe(path=case),
    ("POST", f"{API}/contacts/{{contact_id}}/confirm"): Probe(path=contact),
    ("POST", f"{API}/contacts/{{contact_id}}/reject"): Probe(path=contact, body=fixed({"reason": "不在场"})),
    ("POST", f"{API}/contacts/{{contact_id}}/quarantine"): Probe(
        path=contact, body=fixed({"quarantined_at": "2022-03-28T08:00:00+08:00"})),
    ("POST", f"{API}/contacts/{{contact_id}}/reach"): Probe(path=contact, body=fixed({"outcome": "reached"})),
    ("GET", f"{API}/cases/{{case_no}}/investigation"): Probe(path=case),
    ("POST", f"{API}/cases/{{case_no}}/places"): Probe(path=case, body=place),
    ("POST", f"{API}/cases/{{case_no}}/named-contacts"): Probe(path=case, body=named),
    ("GET", f"{API}/clusters"): Probe(sided=False),
    ("GET", f"{API}/cases/{{case_no}}/chain"): Probe(path=case),
    ("GET", f"{API}/queue"): Probe(sided=False),
    ("POST", f"{API}/queue/index-turned/{{person_id}}/handled"): Probe(path=index),
    ("POST", f"{API}/contacts/{{contact_id}}/assign"): Probe(path=contact, body=tracer),
    ("POST", f"{API}/contacts/{{contact_id}}/hand-over"): Probe(path=contact),
    ("GET", f"{API}/cases/{{case_no}}/progress"): Probe(path=case),
    ("GET", f"{API}/tracing/progress"): Probe(sided=False, query=fixed({"date": "2022-03-28"})),
    ("POST", f"{API}/quarantine/requests/from-tracing"): Probe(sided=False),
    ("GET", f"{API}/assist-lists"): Probe(sided=False),
    ("GET", f"{API}/assist-lists/{{list_id}}"): Probe(sided=False, path=assist_list),
    ("GET", f"{PAGES}/queue"): Probe(sided=False),
    ("POST", f"{PAGES}/contacts/{{contact_id}}/{{action}}"): Probe(path=contact_action("reach"),
                                                                   form=fixed({"outcome": "reached"})),
    ("POST", f"{PAGES}/index-turned/{{person_id}}/handled"): Probe(path=index),
    ("GET", f"{PAGES}/cases"): Probe(sided=False),
    ("GET", f"{PAGES}/cases/new"): Probe(sided=False),
    ("POST", f"{PAGES}/cases/new"): Probe(form=new_case),
    ("GET", f"{PAGES}/cases/{{case_no}}/edit"): Probe(path=case),
    ("POST", f"{PAGES}/cases/{{case_no}}/edit"): Probe(path=case, form=edit_form),
    ("GET", f"{PAGES}/cases/{{case_no}}"): Probe(path=case),
    ("POST", f"{PAGES}/cases/{{case_no}}/reveal"): Probe(path=case),
    ("POST", f"{PAGES}/cases/{{case_no}}/places"): Probe(path=case, form=place_form),
    ("POST", f"{PAGES}/cases/{{case_no}}/rule-out"): Probe(path=case, form=fixed({"reason": "复核阴性"})),
    ("POST", f"{PAGES}/cases/{{case_no}}/named"): Probe(path=case, form=named_form),
    ("GET", f"{PAGES}/cases/{{case_no}}/report"): Probe(path=case),
    ("GET", f"{PAGES}/cases/{{case_no}}/{{degree}}.xlsx"): Probe(path=lambda world, side: {
        "case_no": side["case"].case_no, "degree": "secondary"}),
    ("GET", f"{PAGES}/assist"): Probe(sided=False),
    ("GET", f"{PAGES}/assist/{{list_id}}"): Probe(sided=False, path=assist_list),
    ("POST", f"{PAGES}/assist/persons/{{item_id}}/{{action}}"): Probe(path=assist_person,
                                                                      form=fixed({"outcome": "reached"})),
}
