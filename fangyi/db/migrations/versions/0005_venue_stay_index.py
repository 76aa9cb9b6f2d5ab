"""the longest stay per venue in one index seek, for derivation's bound on check-in times;
contacts by the time they were given to a tracer, for the day's load

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 00:06:14.761540
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkins_venue_stay", "checkins", ["venue_id", sa.text("(out_at - in_at)")], unique=False)
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_assigned_at"), ["assigned_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_assigned_at"))
    op.drop_index("ix_checkins_venue_stay", table_name="checkins")
