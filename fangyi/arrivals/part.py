"""Arrivals: people coming into the county registered at checkpoints and by village doctors, the
measures their origin's risk asks for under the edition, the village doctor's day, and the fever
sentinels (预检分诊) that clinics, pharmacies and village doctors report."""

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
        # Fever sentinels (预检分诊): clinics' and pharmacies' fever desks, and village doctors, report;
        # tracers watch the people reported, samplers see whom to swab, the command reads them.
        "report_sentinels": OFFICE | {Role.village_doctor, Role.sentinel},
        "read_sentinels": OFFICE | {Role.village_doctor, Role.sentinel, Role.tracer, Role.sampler, Role.commander},
    },
    words=WORDS,
    import_kinds={"arrivals": ImportKind("fangyi.arrivals.importer:ArrivalRows", OFFICE | LINE),
                  "origin_risks": ImportKind("fangyi.arrivals.importer:OriginRiskRows", OFFICE)},
    figures=(("arrivals", "fangyi.arrivals.figures:arrival_figures"),
             ("sentinels", "fangyi.arrivals.sentinels:sentinel_figures")),
    person_links=(("fangyi.arrivals.models:Arrival", "person_id"),
                  ("fangyi.arrivals.sentinel_models:SentinelReport", "person_id")),
    nav=(Nav("/arrivals/day", "nav.village_day", "arrival_work"),
         Nav("/arrivals/sweep", "nav.sweep", "arrival_work"),
         Nav("/arrivals/checkpoint", "nav.checkpoint", "register_arrivals"),
         Nav("/arrivals", "nav.arrivals_list", "read_arrivals"),
         Nav("/arrivals/sentinels", "nav.sentinels", "read_sentinels")),
    landing={Role.village_doctor: "/arrivals/day", Role.checkpoint: "/arrivals/checkpoint",
             Role.sentinel: "/arrivals/sentinels"},
    cli="fangyi.arrivals.cli:register",
    templates=Path(__file__).parent / "templates",
)
