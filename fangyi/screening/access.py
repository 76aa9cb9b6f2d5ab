"""Who may do what in screening, added to the shared tables when screening is loaded.

Kept here (not in fangyi/auth/roles.py) so that screening arrives as one additive part.
"""

from __future__ import annotations

from fangyi.auth.roles import IMPORT_KINDS, PERMISSIONS, Role

PERMISSIONS.setdefault("scan_samples", frozenset({Role.sampler, Role.command_office, Role.admin}))
PERMISSIONS.setdefault("read_screening", frozenset({
    Role.commander, Role.command_office, Role.admin, Role.sampler, Role.lab, Role.village_doctor, Role.tracer,
}))
PERMISSIONS.setdefault("manage_screening", frozenset({Role.command_office, Role.admin}))
PERMISSIONS.setdefault("record_results", frozenset({Role.lab, Role.command_office, Role.admin}))
IMPORT_KINDS.setdefault("samples", frozenset({Role.sampler, Role.command_office, Role.admin}))
IMPORT_KINDS.setdefault("lab_results", frozenset({Role.lab, Role.command_office, Role.admin}))
