"""closed days: the night's figures as the command office reported them

Revision ID: 0740
Revises: 0730
Create Date: 2026-12-04 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0740"
down_revision = "0730"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table("closed_days",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("scope", sa.String(length=15), nullable=False),
    sa.Column("figures", JSON, nullable=False),
    sa.Column("closed_by", sa.String(length=100), nullable=False),
    sa.Column("closed_by_id", sa.Integer(), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_days")),
    sa.UniqueConstraint("day", "scope", name="uq_closed_days_day_scope"),
    )


def downgrade() -> None:
    op.drop_table("closed_days")
