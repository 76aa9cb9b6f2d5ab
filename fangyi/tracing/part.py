"""Tracing: cases, their own account, close and secondary contacts, the tracers' queue, chains, and
lists from outside (协查)."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.quarantine.events import PlacementsMade
from fangyi.tracing import api, assist_api, assist_pages, case_pages, cli, figures, pages, queue_api
from fangyi.tracing.assist import AssistImport
from fangyi.tracing.assist_models import AssistPerson
from fangyi.tracing.contacts import on_placements_made
from fangyi.tracing.importer import Cases
from fangyi.tracing.models import Case, Contact, NamedContact
from fangyi.tracing.words import WORDS

TRACERS = frozenset({Role.admin, Role.command_office, Role.tracer})

PART = Part(
    name="tracing",
    routers=(api.router, queue_api.router, pages.router, case_pages.router, assist_pages.router, assist_api.router),
    permissions={
        "read_cases": frozenset({Role.commander, Role.command_office, Role.tracer, Role.admin}),
        "edit_cases": TRACERS,
        "assign_contacts": frozenset({Role.command_office, Role.admin}),
    },
    words=WORDS,
    import_kinds={"cases": ImportKind(Cases, TRACERS), "assist": ImportKind(AssistImport, TRACERS)},
    figures=(("cases", figures.case_figures), ("contacts", figures.contact_figures)),
    person_links=((Case, "person_id"), (Contact, "person_id"), (NamedContact, "person_id"),
                  (AssistPerson, "person_id")),
    handles=((PlacementsMade, on_placements_made),),
    nav=(Nav("/tracing/queue", "nav.queue", "read_cases"), Nav("/tracing/cases", "nav.cases", "read_cases"),
         Nav("/tracing/assist", "nav.assist", "read_cases")),
    landing={Role.tracer: "/tracing/queue"},
    cli=cli.register,
    templates=Path(__file__).parent / "templates",
)
