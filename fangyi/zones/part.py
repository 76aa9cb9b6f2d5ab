"""Zones: sealed, controlled and precaution zones and risk areas around cases, checked every day
against the edition, approved and lifted by the command, announced in Chinese."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.config import zones_check_at
from fangyi.parts import Daily, Nav, Part
from fangyi.tracing.events import CaseConfirmed
from fangyi.zones.words import WORDS

COMMAND = frozenset({Role.commander, Role.command_office, Role.admin})

PART = Part(
    name="zones",
    routers=("fangyi.zones.api:router", "fangyi.zones.pages:router"),
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
    figures=(("zones", "fangyi.zones.figures:zone_figures"), ("risk_areas", "fangyi.zones.figures:risk_figures")),
    handles=((CaseConfirmed, "fangyi.zones.service:on_case_confirmed"),),
    # The daily check, as SYSTEM, at FANGYI_ZONES_CHECK_AT (23:55 local by default).
    daily=(Daily("zones-check", zones_check_at, "fangyi.zones.service:daily_check"),),  # service.DAILY_CHECK
    nav=(Nav("/zones", "nav.zones", "read_zones"),),
    cli="fangyi.zones.cli:register",
    templates=Path(__file__).parent / "templates",
)
