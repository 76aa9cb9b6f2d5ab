"""Roles, what each may do, and where each lands after login."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    commander = "commander"
    command_office = "command_office"
    tracer = "tracer"
    sampler = "sampler"
    lab = "lab"
    site_manager = "site_manager"
    dispatcher = "dispatcher"
    driver = "driver"
    village_doctor = "village_doctor"
    checkpoint = "checkpoint"
    admin = "admin"


ALL = frozenset(Role)

# Who may do what. A permission not listed for a role is refused.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # Full identity and phone numbers: those who must call or find the person.
    "see_identity": frozenset({Role.commander, Role.tracer, Role.admin}),
    "read_registry": ALL - {Role.driver},
    "edit_registry": frozenset({Role.admin, Role.command_office, Role.tracer, Role.village_doctor}),
    "merge_persons": frozenset({Role.admin, Role.command_office}),
    "import": frozenset({Role.admin, Role.command_office, Role.tracer, Role.lab, Role.sampler}),
    "manage_users": frozenset({Role.admin}),
    "read_audit": frozenset({Role.admin, Role.commander}),
    "read_report": frozenset({Role.commander, Role.command_office, Role.admin}),
    "read_cases": frozenset({Role.commander, Role.command_office, Role.tracer, Role.admin}),
    "edit_cases": frozenset({Role.tracer, Role.command_office, Role.admin}),
    "assign_contacts": frozenset({Role.command_office, Role.admin}),
}

# Which import kinds each role may load.
IMPORT_KINDS: dict[str, frozenset[Role]] = {
    "areas": frozenset({Role.admin}),
    "persons": frozenset({Role.admin, Role.command_office}),
    "venues": frozenset({Role.admin, Role.command_office}),
    "checkins": frozenset({Role.admin, Role.command_office, Role.tracer}),
    "cases": frozenset({Role.admin, Role.command_office, Role.tracer}),
    "assist": frozenset({Role.admin, Role.command_office, Role.tracer}),
    "rooms": frozenset({Role.admin, Role.command_office}),
}

# After login each role lands on its own day's work. Parts that do not exist
# yet send their role to the nearest page that does.
LANDING: dict[Role, str] = {
    Role.commander: "/report",
    Role.command_office: "/report",
    Role.tracer: "/tracing/queue",
    Role.sampler: "/screening",
    Role.lab: "/imports",
    Role.site_manager: "/quarantine/sites",
    Role.dispatcher: "/venues",
    Role.driver: "/account",
    Role.village_doctor: "/persons",
    Role.checkpoint: "/persons",
    Role.admin: "/areas",
}


def can(role: str, permission: str) -> bool:
    return Role(role) in PERMISSIONS.get(permission, frozenset())
