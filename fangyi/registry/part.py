"""The registry: areas, persons, households, venues and check-ins, the ground every part shares."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import ALL, Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.registry.words import WORDS

ADMINS = frozenset({Role.admin})
OFFICE = frozenset({Role.admin, Role.command_office})

PART = Part(
    name="registry",
    routers=("fangyi.registry.api:router", "fangyi.registry.pages:router"),
    permissions={
        # Full identity and phone numbers: those who must call or find the person.
        "see_identity": frozenset({Role.commander, Role.tracer, Role.admin}),
        "read_registry": ALL - {Role.driver},
        "edit_registry": frozenset({Role.admin, Role.command_office, Role.tracer, Role.village_doctor}),
        "merge_persons": OFFICE,
        # Field staff put in a person the registry lacks, from the identity number, to be checked later
        # (a clinic's or pharmacy's fever desk too: the person reported may be new to the county).
        "register_persons": frozenset({Role.admin, Role.command_office, Role.tracer, Role.sampler,
                                       Role.village_doctor, Role.checkpoint, Role.sentinel}),
        # The map of the county is the administrators' to draw, by form or by import.
        "edit_areas": ADMINS,
    },
    words=WORDS,
    import_kinds={
        "areas": ImportKind("fangyi.registry.imports.kinds:Areas", ADMINS),
        "persons": ImportKind("fangyi.registry.imports.kinds:Persons", OFFICE),
        "venues": ImportKind("fangyi.registry.imports.kinds:Venues", OFFICE),
        "checkins": ImportKind("fangyi.registry.imports.load:Checkins", OFFICE | {Role.tracer},
                               to_log="fangyi.registry.log.importer:import_to_log"),
    },
    figures=(("registry", "fangyi.registry.figures:figures"),),
    nav=(Nav("/areas", "nav.areas", "read_registry"), Nav("/persons", "nav.persons", "read_registry"),
         Nav("/venues", "nav.venues", "read_registry")),
    landing={Role.admin: "/areas", Role.dispatcher: "/venues", Role.village_doctor: "/persons",
             Role.checkpoint: "/persons"},
    templates=Path(__file__).parent / "templates",
    cli="fangyi.registry.cli:register",
    public=("service", "models", "schemas", "persons", "fields", "events", "log"),
)
