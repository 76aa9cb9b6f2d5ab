"""assist: lists of people to find and control sent from outside (协查), own branch

Revision ID: 0301
Revises: 0005
Create Date: 2026-11-26 00:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0005"
branch_labels = ("assist",)
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assist_lists",
        sa.Column("id", ID, nullable=False),
        sa.Column("import_id", ID, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["import_runs.id"], name=op.f("fk_assist_lists_import_id_import_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_lists")),
        sa.UniqueConstraint("import_id", name=op.f("uq_assist_lists_import_id")),
    )
    op.create_table(
        "assist_persons",
        sa.Column("id", ID, nullable=False),
        sa.Column("list_id", ID, nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("matched_by", sa.String(length=12), nullable=True),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_to_id", ID, nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_outcome", sa.String(length=12), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("controlled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["users.id"], name=op.f("fk_assist_persons_assigned_to_id_users")),
        sa.ForeignKeyConstraint(["list_id"], ["assist_lists.id"], name=op.f("fk_assist_persons_list_id_assist_lists")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_assist_persons_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_persons")),
    )
    op.create_index(op.f("ix_assist_persons_list_id"), "assist_persons", ["list_id"], unique=False)
    op.create_index(op.f("ix_assist_persons_person_id"), "assist_persons", ["person_id"], unique=False)
    op.create_index(op.f("ix_assist_persons_assigned_to_id"), "assist_persons", ["assigned_to_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_assist_persons_assigned_to_id"), table_name="assist_persons")
    op.drop_index(op.f("ix_assist_persons_person_id"), table_name="assist_persons")
    op.drop_index(op.f("ix_assist_persons_list_id"), table_name="assist_persons")
    op.drop_table("assist_persons")
    op.drop_table("assist_lists")
