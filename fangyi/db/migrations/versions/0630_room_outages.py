"""room_outages: the times a room was out of service

A past day's free beds were counted with the rooms' current state, so a room taken out of service
today changed last week's figure. Each outage is now kept with its start and end; the rooms out of
service now get one from the time their state changed.

Revision ID: 0630
Revises: 0620
Create Date: 2026-12-04 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fangyi.db.base import BigId, Instant

revision = "0630"
down_revision = "0620"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "room_outages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("start_at", Instant, nullable=False),
        sa.Column("end_at", Instant, nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["quarantine_rooms.id"],
                                name=op.f("fk_room_outages_room_id_quarantine_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_outages")),
    )
    op.create_index("ix_room_outages_room_id", "room_outages", ["room_id"])
    op.execute("INSERT INTO room_outages (room_id, start_at) "
               "SELECT id, state_since FROM quarantine_rooms WHERE state = 'out_of_service'")


def downgrade() -> None:
    op.drop_table("room_outages")
