"""cases: how a case was found, and its last negative test before it

cn-9 traces a case found by routine repeated testing back to the sampling time of its last
negative test; a case now says how it was found (`found_by`) and keeps that time.

Revision ID: 0640
Revises: 0630
Create Date: 2026-12-04 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fangyi.db.base import Instant

revision = "0640"
down_revision = "0630"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("found_by", sa.String(20), nullable=True))
    op.add_column("cases", sa.Column("last_negative_at", Instant, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): a batch copy of the table would drop
    # it, which the contacts' foreign keys refuse.
    for column in ("last_negative_at", "found_by"):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
