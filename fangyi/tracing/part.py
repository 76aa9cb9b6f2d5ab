"""Tracing: cases, their own account, close and secondary contacts, the tracers' queue, chains, and
lists from outside (协查)."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.quarantine.events import PlacementsMade
from fangyi.tracing.words import WORDS

TRACERS = frozenset({Role.admin, Role.command_office, Role.tracer})

PART = Part(
    name="tracing",
    routers=tuple(f"fangyi.tracing.{module}:router" for module in ("api", "queue_api", "pages", "case_pages",
                                                                    "assist_pages", "assist_api")),
    permissions={
        "read_cases": frozenset({Role.commander, Role.command_office, Role.tracer, Role.admin}),
        "edit_cases": TRACERS,
        "assign_contacts": frozenset({Role.command_office, Role.admin}),
    },
    words=WORDS,
    import_kinds={"cases": ImportKind("fangyi.tracing.importer:Cases", TRACERS),
                  "assist": ImportKind("fangyi.tracing.assist:AssistImport", TRACERS),
                  "contacts": ImportKind("fangyi.tracing.batch.importer:Contacts", TRACERS)},
    figures=(("cases", "fangyi.tracing.figures:case_figures"), ("contacts", "fangyi.tracing.figures:contact_figures")),
    person_links=(("fangyi.tracing.models:Case", "person_id"), ("fangyi.tracing.models:Contact", "person_id"),
                  ("fangyi.tracing.models:NamedContact", "person_id"),
                  ("fangyi.tracing.assist_models:AssistPerson", "person_id")),
    handles=((PlacementsMade, "fangyi.tracing.contacts:on_placements_made"),),
    nav=(Nav("/tracing/queue", "nav.queue", "read_cases"), Nav("/tracing/cases", "nav.cases", "read_cases"),
         Nav("/tracing/assist", "nav.assist", "read_cases")),
    landing={Role.tracer: "/tracing/queue"},
    cli="fangyi.tracing.cli:register",
    templates=Path(__file__).parent / "templates",
)
