"""queue: contacts assigned to tracers and handed over for quarantine

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:57:31.365869
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assigned_to_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_contacts_assigned_to_id"), ["assigned_to_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_contacts_assigned_to_id_users"), "users", ["assigned_to_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_contacts_assigned_to_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_contacts_assigned_to_id"))
        batch_op.drop_column("handed_over_at")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to_id")
