"""Arrivals: people coming into the county registered at checkpoints and by village doctors, the
measures their origin's risk asks for under the edition, and the village doctor's day."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.arrivals.words import WORDS
from fangyi.parts import ImportKind, Nav, Part

OFFICE = frozenset({Role.command_office, Role.admin})
LINE = frozenset({Role.village_doctor, Role.checkpoint})

PART = Part(
    name="arrivals",
    routers=("fangyi.arrivals.api:router", "fangyi.arrivals.pages:router"),
    permissions={
        "read_arrivals": OFFICE | LINE | {Role.commander, Role.tracer},
        # Checkpoints and village doctors register who comes in; the office loads lists handed over.
        "register_arrivals": OFFICE | LINE,
        # The village doctor's day: visits, temperatures, tests and releases of arrivals at home.
        "arrival_work": OFFICE | {Role.village_doctor},
        "keep_origin_risks": OFFICE | {Role.commander},
    },
    words=WORDS,
    import_kinds={"arrivals": ImportKind("fangyi.arrivals.importer:ArrivalRows", OFFICE | LINE),
                  "origin_risks": ImportKind("fangyi.arrivals.importer:OriginRiskRows", OFFICE)},
    figures=(("arrivals", "fangyi.arrivals.figures:arrival_figures"),),
    person_links=(("fangyi.arrivals.models:Arrival", "person_id"),),
    nav=(Nav("/arrivals/day", "nav.village_day", "arrival_work"),
         Nav("/arrivals/sweep", "nav.sweep", "arrival_work"),
         Nav("/arrivals/checkpoint", "nav.checkpoint", "register_arrivals"),
         Nav("/arrivals", "nav.arrivals_list", "read_arrivals")),
    landing={Role.village_doctor: "/arrivals/day", Role.checkpoint: "/arrivals/checkpoint"},
    cli="fangyi.arrivals.cli:register",
    templates=Path(__file__).parent / "templates",
)
