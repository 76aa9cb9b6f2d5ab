"""ix_contacts_assigned_to_id and ix_contacts_assigned_at made one index, (assigned_to_id,
assigned_at): a tracer's queue reads its first column, the day's load per tracer both (from
the index alone), and a derivation's thousands of new contacts update one index fewer

Revision ID: 0501
Revises: 0500
Create Date: 2026-11-26 03:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0501"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_tracer_day", ["assigned_to_id", "assigned_at"], unique=False)
        batch_op.drop_index("ix_contacts_assigned_to_id")
        batch_op.drop_index("ix_contacts_assigned_at")


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_assigned_at", ["assigned_at"], unique=False)
        batch_op.create_index("ix_contacts_assigned_to_id", ["assigned_to_id"], unique=False)
        batch_op.drop_index("ix_contacts_tracer_day")
