"""contacts.reasons and contacts.via as json, not jsonb (PostgreSQL)

Nothing queries inside them: they are written once per derivation and read back whole. jsonb
parses every value into its binary form on the way in and prints it back on the way out; for a
heavy case's 30,000 secondary contacts (6 MB of reasons) the parse alone took about 90 ms of the
store. json keeps the text as written, checked for validity only. SQLite keeps JSON as text anyway.

Revision ID: 0850
Revises: 0840
Create Date: 2026-12-05 02:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0850"
down_revision = "0840"
branch_labels = None
depends_on = None


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE contacts ALTER COLUMN reasons TYPE {kind} USING reasons::{kind}, "
                   f"ALTER COLUMN via TYPE {kind} USING via::{kind}")


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
