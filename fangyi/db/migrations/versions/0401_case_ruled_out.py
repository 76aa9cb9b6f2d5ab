"""a case can be ruled out: when and why, kept on the case (its contacts stay, flagged for review)

Revision ID: 0401
Revises: 0006
Create Date: 2026-11-26 01:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("ruled_out_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ruled_out_reason", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("ruled_out_by_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("ruled_out_by_id")
        batch.drop_column("ruled_out_reason")
        batch.drop_column("ruled_out_at")
