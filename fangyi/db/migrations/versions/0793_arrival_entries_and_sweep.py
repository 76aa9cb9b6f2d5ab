"""arrivals offline and the household sweep: entries made on phones under their own ids, household visits,
a placement request's pick-up place (a checkpoint)

Revision ID: 0793
Revises: 0780
Create Date: 2026-12-04 20:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0793"
down_revision = "0780"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("placement_requests", sa.Column("pickup", sa.String(length=300), nullable=True))

    op.create_table("arrival_entries",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("client_id", sa.String(length=64), nullable=False),
    sa.Column("kind", sa.String(length=10), nullable=False),
    sa.Column("record_id", sa.Integer(), nullable=False),
    sa.Column("merged", sa.Boolean(), nullable=False),
    sa.Column("area_code", sa.String(length=15), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_arrival_entries")),
    sa.UniqueConstraint("client_id", name=op.f("uq_arrival_entries_client_id"))
    )

    op.create_table("household_visits",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("household_id", BIG_ID, nullable=False),
    sa.Column("area_code", sa.String(length=15), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("returned", sa.Integer(), nullable=False),
    sa.Column("note", sa.String(length=300), nullable=True),
    sa.Column("by_id", sa.Integer(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                            name=op.f("fk_household_visits_household_id_households")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_household_visits")),
    sa.UniqueConstraint("household_id", "day", name="uq_household_visits_household_day")
    )
    with op.batch_alter_table("household_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_visits_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_visits_household_id"), ["household_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("household_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_visits_household_id"))
        batch_op.drop_index(batch_op.f("ix_household_visits_area_code"))
    op.drop_table("household_visits")
    op.drop_table("arrival_entries")
    # Not a batch copy of the table (other tables' keys point at it): SQLite 3.35+ drops a column itself.
    op.execute("ALTER TABLE placement_requests DROP COLUMN pickup")
