"""check-ins by venue and time carrying the end and the person, so derivation's interval join
reads the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:55:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkins_venue_cover", "checkins", ["venue_id", "in_at", "out_at", "person_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_checkins_venue_cover", table_name="checkins")
