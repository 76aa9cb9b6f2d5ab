"""arrivals: people coming into the county, the work done for them, the origin-risk list

Revision ID: 0780
Revises: 0740
Create Date: 2026-12-04 17:53:29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0780"
down_revision = "0740"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table("origin_risks",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("area_code", sa.String(length=6), nullable=False),
    sa.Column("level", sa.String(length=12), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date(), nullable=True),
    sa.Column("import_id", sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_risks")),
    sa.UniqueConstraint("area_code", "valid_from", name="uq_origin_risks_area_from")
    )
    with op.batch_alter_table("origin_risks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_risks_area_code"), ["area_code"], unique=False)

    op.create_table("arrivals",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("origin_code", sa.String(length=15), nullable=False),
    sa.Column("origin_known", sa.Boolean(), nullable=False),
    sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("means", sa.String(length=8), nullable=True),
    sa.Column("plate", sa.String(length=12), nullable=True),
    sa.Column("phone", sa.String(length=20), nullable=True),
    sa.Column("staying_area_code", sa.String(length=15), nullable=False),
    sa.Column("registered_at_code", sa.String(length=40), nullable=True),
    sa.Column("seen_at", JSON, nullable=False),
    sa.Column("risk_level", sa.String(length=12), nullable=True),
    sa.Column("category", sa.String(length=40), nullable=True),
    sa.Column("edition", sa.String(length=40), nullable=False),
    sa.Column("placement_request_id", sa.Integer(), nullable=True),
    sa.Column("registered_by_id", sa.Integer(), nullable=True),
    sa.Column("import_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_arrivals_person_id_persons")),
    sa.ForeignKeyConstraint(["staying_area_code"], ["areas.code"], name=op.f("fk_arrivals_staying_area_code_areas")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_arrivals")),
    sa.UniqueConstraint("person_id", "arrived_at", name="uq_arrivals_person_arrived")
    )
    with op.batch_alter_table("arrivals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arrivals_arrived_at"), ["arrived_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrivals_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrivals_origin_code"), ["origin_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrivals_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrivals_staying_area_code"), ["staying_area_code"], unique=False)

    op.create_table("arrival_work",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("arrival_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("kind", sa.String(length=12), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("temperature", sa.Float(), nullable=True),
    sa.Column("detail", JSON, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["arrival_id"], ["arrivals.id"], name=op.f("fk_arrival_work_arrival_id_arrivals")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_arrival_work"))
    )
    with op.batch_alter_table("arrival_work", schema=None) as batch_op:
        batch_op.create_index("ix_arrival_work_arrival_day", ["arrival_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrival_work_arrival_id"), ["arrival_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("arrival_work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrival_work_arrival_id"))
        batch_op.drop_index("ix_arrival_work_arrival_day")

    op.drop_table("arrival_work")
    with op.batch_alter_table("arrivals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrivals_staying_area_code"))
        batch_op.drop_index(batch_op.f("ix_arrivals_person_id"))
        batch_op.drop_index(batch_op.f("ix_arrivals_origin_code"))
        batch_op.drop_index(batch_op.f("ix_arrivals_created_at"))
        batch_op.drop_index(batch_op.f("ix_arrivals_arrived_at"))

    op.drop_table("arrivals")
    with op.batch_alter_table("origin_risks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_risks_area_code"))

    op.drop_table("origin_risks")
