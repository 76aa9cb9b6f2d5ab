"""daily jobs' runs (one row per job and local day); zones: the screening rounds started for a zone

Revision ID: 0705
Revises: 0700
Create Date: 2026-12-04 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0705"
down_revision = "0700"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("daily_runs",
    sa.Column("id", ID, nullable=False),
    sa.Column("job", sa.String(length=40), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("state", sa.String(length=8), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("worker", sa.String(length=100), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_runs")),
    sa.UniqueConstraint("job", "day", name="ux_daily_runs_job_day"),
    )
    op.create_table("zone_rounds",
    sa.Column("id", ID, nullable=False),
    sa.Column("zone_id", ID, nullable=False),
    sa.Column("round_id", ID, nullable=False),
    sa.Column("mode", sa.String(length=12), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_by", sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(["round_id"], ["screening_rounds.id"],
                            name=op.f("fk_zone_rounds_round_id_screening_rounds")),
    sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_zone_rounds_zone_id_zones")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_rounds")),
    sa.UniqueConstraint("round_id", name=op.f("uq_zone_rounds_round_id")),
    )
    op.create_index(op.f("ix_zone_rounds_zone_id"), "zone_rounds", ["zone_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_zone_rounds_zone_id"), table_name="zone_rounds")
    op.drop_table("zone_rounds")
    op.drop_table("daily_runs")
