"""Who may do what in quarantine, added to the shared tables when quarantine is loaded.

Kept here (not in fangyi/auth/roles.py) so that quarantine arrives as one additive part.
"""

from __future__ import annotations

from fangyi.auth.roles import IMPORT_KINDS, PERMISSIONS, Role

PERMISSIONS.setdefault("read_quarantine", frozenset({
    Role.commander, Role.command_office, Role.admin, Role.site_manager, Role.tracer, Role.dispatcher,
}))
PERMISSIONS.setdefault("manage_sites", frozenset({Role.command_office, Role.admin}))
PERMISSIONS.setdefault("allocate", frozenset({Role.command_office, Role.commander, Role.admin}))
PERMISSIONS.setdefault("record_checks", frozenset({
    Role.site_manager, Role.command_office, Role.admin, Role.village_doctor,
}))
PERMISSIONS.setdefault("release", frozenset({Role.site_manager, Role.command_office, Role.commander, Role.admin}))
# Releasing before the protocol's criteria are met is the commander's decision alone.
PERMISSIONS.setdefault("override_release", frozenset({Role.commander}))
PERMISSIONS.setdefault("work_transport", frozenset({Role.command_office, Role.dispatcher, Role.admin}))
IMPORT_KINDS.setdefault("rooms", frozenset({Role.command_office, Role.admin}))
