"""scans pages keep room (PostgreSQL fillfactor 70): a scan's answer is written moments after
its claim, and with room on the row's page PostgreSQL updates it in place, leaving the table's
three indexes alone (a heap-only update)

Revision ID: 0510
Revises: 0501
Create Date: 2026-11-26 03:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0510"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE scans SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE scans RESET (fillfactor)")
