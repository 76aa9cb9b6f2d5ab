"""fever sentinels (预检分诊): reports of people with fever or respiratory symptoms, each asking for a test

Revision ID: 0800
Revises: 0795
Create Date: 2026-12-04 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0800"
down_revision = "0795"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table("sentinel_reports",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("person_id", BIG_ID, nullable=False),
    sa.Column("given_name", sa.String(length=100), nullable=True),
    sa.Column("reporter_kind", sa.String(length=16), nullable=False),
    sa.Column("area_code", sa.String(length=15), nullable=False),
    sa.Column("institution", sa.String(length=100), nullable=True),
    sa.Column("symptoms", JSON, nullable=False),
    sa.Column("temperature", sa.Float(), nullable=True),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("edition", sa.String(length=40), nullable=False),
    sa.Column("control_id", sa.Integer(), nullable=True),
    sa.Column("note", sa.String(length=300), nullable=True),
    sa.Column("reported_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_sentinel_reports_area_code_areas")),
    sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_sentinel_reports_person_id_persons")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_sentinel_reports"))
    )
    with op.batch_alter_table("sentinel_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sentinel_reports_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sentinel_reports_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sentinel_reports_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sentinel_reports_reported_at"), ["reported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sentinel_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sentinel_reports_reported_at"))
        batch_op.drop_index(batch_op.f("ix_sentinel_reports_person_id"))
        batch_op.drop_index(batch_op.f("ix_sentinel_reports_created_at"))
        batch_op.drop_index(batch_op.f("ix_sentinel_reports_area_code"))
    op.drop_table("sentinel_reports")
