"""scans: one index (point_id, at) instead of ix_scans_point_id and ix_scans_at

The scans table grows by every scan of a round's morning, and each index is written for each
of them. Its only readers are the sampling-point page's "scans in the last hour" and "recent
scans" of one point: both are answered by (point_id, at), the second now in time order. Nothing
reads scans by time alone.

Revision ID: 0545
Revises: 0540
Create Date: 2026-11-26 07:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0545"
down_revision = "0540"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_scans_point_at", "scans", ["point_id", "at"])
    op.drop_index("ix_scans_point_id", table_name="scans")
    op.drop_index("ix_scans_at", table_name="scans")


def downgrade() -> None:
    op.create_index("ix_scans_at", "scans", ["at"])
    op.create_index("ix_scans_point_id", "scans", ["point_id"])
    op.drop_index("ix_scans_point_at", table_name="scans")
