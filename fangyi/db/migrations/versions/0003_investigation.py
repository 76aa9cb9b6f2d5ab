"""investigation: places and named contacts from the case interview

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:53:52.967288
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "investigation_places",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("venue_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_investigation_places_case_id_cases")),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_investigation_places_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_places")),
    )
    with op.batch_alter_table("investigation_places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigation_places_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_investigation_places_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "named_contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("relationship", sa.String(length=50), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_named_contacts_case_id_cases")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_named_contacts_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_named_contacts")),
    )
    with op.batch_alter_table("named_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_named_contacts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_named_contacts_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("named_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_named_contacts_person_id"))
        batch_op.drop_index(batch_op.f("ix_named_contacts_case_id"))

    op.drop_table("named_contacts")
    with op.batch_alter_table("investigation_places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_places_venue_id"))
        batch_op.drop_index(batch_op.f("ix_investigation_places_case_id"))

    op.drop_table("investigation_places")
