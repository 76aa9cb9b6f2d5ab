"""ix_checkins_venue_in (venue_id, in_at) dropped: ix_checkins_venue_cover begins with the
same columns and serves every query it did; keeping both cost the check-in import a third
of its speed on SQLite

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 01:15:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_checkins_venue_in", table_name="checkins")


def downgrade() -> None:
    op.create_index("ix_checkins_venue_in", "checkins", ["venue_id", "in_at"], unique=False)
