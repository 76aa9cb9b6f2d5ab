"""Quarantine: sites and rooms, placement requests and allocation, the protocol's clock, health
checks and alerts, release."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.quarantine.words import WORDS

OFFICE = frozenset({Role.command_office, Role.admin})

PART = Part(
    name="quarantine",
    routers=("fangyi.quarantine.api:router", "fangyi.quarantine.pages:router"),
    permissions={
        "read_quarantine": frozenset({Role.commander, Role.command_office, Role.admin, Role.site_manager,
                                      Role.tracer, Role.dispatcher}),
        "manage_sites": OFFICE,
        "allocate": OFFICE | {Role.commander},
        "record_checks": OFFICE | {Role.site_manager, Role.village_doctor},
        "release": OFFICE | {Role.site_manager, Role.commander},
        # Releasing before the protocol's criteria are met is the commander's decision alone.
        "override_release": frozenset({Role.commander}),
        "work_transport": OFFICE | {Role.dispatcher},
        # Other parts send people to quarantine (tracing's hand-over) and flag their stays for review.
        "request_placement": OFFICE | {Role.tracer},
        # The tracers mark the index-turned alerts they have worked.
        "trace_alerts": OFFICE | {Role.tracer},
    },
    words=WORDS,
    import_kinds={"rooms": ImportKind("fangyi.quarantine.importer:Rooms", OFFICE)},
    figures=(("quarantine", "fangyi.quarantine.figures:quarantine_figures"),),
    negative_tests=("fangyi.quarantine.care:last_negative",),
    person_links=tuple((f"fangyi.quarantine.models:{model}", "person_id")
                       for model in ("PlacementRequest", "Placement", "HealthCheck", "QuarantineTest", "Alert",
                                     "TransportRequest")),
    nav=(Nav("/quarantine/sites", "nav.quarantine", "read_quarantine"),),
    landing={Role.site_manager: "/quarantine/sites"},
    templates=Path(__file__).parent / "templates",
)
