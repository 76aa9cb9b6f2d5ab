"""Zones: sealed, controlled and precaution zones and risk areas around cases, checked every day
against the edition, approved and lifted by the command, announced in Chinese."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.config import zones_check_at
from fangyi.parts import Daily, Nav, Part
from fangyi.tracing.events import CaseConfirmed
from fangyi.zones import api, cli, figures, pages, service
from fangyi.zones.words import WORDS

COMMAND = frozenset({Role.commander, Role.command_office, Role.admin})

PART = Part(
    name="zones",
    routers=(api.router, pages.router),
    permissions={
        "read_zones": COMMAND | {Role.tracer, Role.sampler, Role.village_doctor},
        "propose_zones": COMMAND,
        "check_zones": COMMAND,
        # Putting a zone in force, sealing, downgrading or lifting one (and overriding its criteria)
        # is the commander's decision alone.
        "approve_zones": frozenset({Role.commander}),
        "edit_notices": frozenset({Role.commander, Role.command_office}),
    },
    words=WORDS,
    figures=(("zones", figures.zone_figures), ("risk_areas", figures.risk_figures)),
    handles=((CaseConfirmed, service.on_case_confirmed),),
    # The daily check, as SYSTEM, at FANGYI_ZONES_CHECK_AT (23:55 local by default).
    daily=(Daily(service.DAILY_CHECK, zones_check_at, service.daily_check),),
    nav=(Nav("/zones", "nav.zones", "read_zones"),),
    cli=cli.register,
    templates=Path(__file__).parent / "templates",
)
