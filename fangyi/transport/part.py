"""Transport: the fleet, tasks from every part, separation rules from the edition, suggestions from
OR-Tools, the driver's steps and the receiving side's confirmation."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.quarantine.events import PlacementsMade
from fangyi.tracing.events import CaseConfirmed
from fangyi.transport.words import WORDS

OFFICE = frozenset({Role.command_office, Role.admin})
DISPATCH = OFFICE | {Role.dispatcher}

PART = Part(
    name="transport",
    routers=("fangyi.transport.api:router", "fangyi.transport.pages:router"),
    permissions={
        "read_transport": DISPATCH | {Role.commander},
        "dispatch": DISPATCH,
        "request_transport": DISPATCH | {Role.tracer, Role.sampler, Role.site_manager, Role.lab},
        "manage_fleet": DISPATCH,
        "drive": frozenset({Role.driver}),
        # The receiving side: a site manager for a quarantine site, the lab for tubes, the command
        # office for the hospital (which has no user of its own yet).
        "receive_transport": OFFICE | {Role.site_manager, Role.lab},
    },
    words=WORDS,
    import_kinds={"vehicles": ImportKind("fangyi.transport.importer:Vehicles", DISPATCH)},
    figures=(("transport", "fangyi.transport.figures:transport_figures"),),
    handles=((PlacementsMade, "fangyi.transport.service:on_placements_made"),
             (CaseConfirmed, "fangyi.transport.service:on_case_confirmed")),
    nav=(Nav("/transport", "nav.transport", "read_transport"), Nav("/transport/driver", "nav.driver", "drive"),
         Nav("/transport/arrivals", "nav.arrivals", "receive_transport")),
    landing={Role.dispatcher: "/transport", Role.driver: "/transport/driver"},
    templates=Path(__file__).parent / "templates",
)




