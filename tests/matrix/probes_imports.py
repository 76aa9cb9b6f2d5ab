"""Imports: a file of persons, and the runs' reports."""

from __future__ import annotations

from tests.matrix.probes import Probe, Probes
from tests.matrix.world import Side, World


def persons_file(world: World, side: Side) -> dict[str, object]:
    text = f"id_number,name,area_code\nP:IMP{side.name.upper()},导入人,{side.group}\n"
    return {"file": ("persons.csv", text.encode())}


PROBES: Probes = {
    ("POST", "/api/v1/imports/{kind}"): Probe(sided=False, path=lambda w, s: {"kind": "persons"}, files=persons_file),
    ("GET", "/api/v1/imports"): Probe(sided=False),
    ("GET", "/api/v1/imports/{import_id}"): Probe(path=lambda w, s: {"import_id": s["import_run"].id}),
    ("GET", "/imports"): Probe(sided=False),
    ("POST", "/imports"): Probe(sided=False, form=lambda w, s: {"kind": "persons"}, files=persons_file),
    ("GET", "/imports/{import_id}"): Probe(path=lambda w, s: {"import_id": s["import_run"].id}),
}
