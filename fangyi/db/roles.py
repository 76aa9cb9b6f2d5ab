"""The server's own database role on PostgreSQL: it reads and writes every table but may only add
to the audit trail (no UPDATE, DELETE or TRUNCATE of audit_log or audit_seals, and, owning no
table, no way to set their triggers aside). Migrations run as the owner; the server as this role.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

APPEND_ONLY = ("audit_log", "audit_seals")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grants(role: str) -> list[str]:
    """The statements that give `role` the server's rights on the current schema (idempotent: run
    again after each upgrade, or let the default privileges below cover new tables)."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    trail = ", ".join(APPEND_ONLY)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {trail} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


def grant(connection: Connection, role: str) -> None:
    for statement in grants(role):
        connection.execute(text(statement))
