"""Imports: a file of a kind the probing role may load, and the runs' reports."""

from __future__ import annotations

from typing import Any

from fangyi.imports.service import kinds_of
from tests.matrix.build_imports import run_key
from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def kind(world: World) -> str:
    """Persons or check-ins where the role may load them, else its first kind (a role that imports
    nothing asks for persons, and is refused)."""
    kinds = kinds_of(world.users[world.role])
    for preferred in ("persons", "checkins"):
        if preferred in kinds:
            return preferred
    return kinds[0] if kinds else "persons"


def a_file(world: World, side: Side) -> dict[str, Any]:
    """A file of the kind: a row of the side's own; another part's kind gets a file it cannot read
    (a 422 with its report: the role got through)."""
    if kind(world) == "checkins":
        text = (f"id_number,venue_code,checked_in_at\n{side['other_person'].id_number},{side['venue'].code},"
                "2022-03-28T09:00:00\n")
    else:
        text = f"id_number,name,area_code\nP:IMP{side.name.upper()},导入人,{side.group}\n"
    return {"file": (f"{kind(world)}.csv", text.encode())}


def run(world: World, side: Side) -> dict[str, Any]:
    return {"import_id": side.records.get(run_key(world.role), side["import_run"]).id}


PROBES: Probes = {
    ("POST", "/api/v1/imports/{kind}"): Probe(sided=False, path=lambda w, s: {"kind": kind(w)}, files=a_file),
    ("GET", "/api/v1/imports"): Probe(sided=False),
    ("GET", "/api/v1/imports/{import_id}"): Probe(path=run),
    ("GET", "/imports"): Probe(sided=False),
    ("POST", "/imports"): Probe(sided=False, form=lambda w, s: {"kind": kind(w)}, files=a_file),
    ("GET", "/imports/{import_id}"): Probe(path=run),
}
