"""zones: zones and risk areas, their areas (one in force per area and regime), decisions and notices

Revision ID: 0700
Revises: 0640
Create Date: 2026-12-04 12:32:31.874689
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0700"
down_revision = "0640"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
IN_FORCE = {"sqlite_where": sa.text("in_force = 1"), "postgresql_where": sa.text("in_force = true")}


def upgrade() -> None:
    op.create_table("zones",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("kind", sa.String(length=12), nullable=False),
    sa.Column("state", sa.String(length=10), nullable=False),
    sa.Column("area_codes", JSON, nullable=False),
    sa.Column("venue_ids", JSON, nullable=False),
    sa.Column("scope_code", sa.String(length=15), nullable=False),
    sa.Column("reason", sa.String(length=500), nullable=False),
    sa.Column("edition", sa.String(length=40), nullable=False),
    sa.Column("measures", JSON, nullable=False),
    sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("proposed_by", sa.String(length=100), nullable=False),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("approved_by", sa.String(length=100), nullable=True),
    sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("lifted_by", sa.String(length=100), nullable=True),
    sa.Column("kind_since", sa.DateTime(timezone=True), nullable=True),
    sa.Column("downgraded", sa.Boolean(), nullable=False),
    sa.Column("pending", sa.String(length=10), nullable=True),
    sa.Column("pending_on", sa.Date(), nullable=True),
    sa.Column("pending_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("pending_reason", sa.String(length=500), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_zones_case_id_cases")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_zones"))
    )
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zones_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_zones_scope_code"), ["scope_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_zones_state"), ["state"], unique=False)

    op.create_table("zone_areas",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("zone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("area_code", sa.String(length=15), nullable=False),
    sa.Column("regime", sa.String(length=5), nullable=False),
    sa.Column("in_force", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_zone_areas_area_code_areas")),
    sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_zone_areas_zone_id_zones")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_areas"))
    )
    with op.batch_alter_table("zone_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zone_areas_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_areas_zone_id"), ["zone_id"], unique=False)
        batch_op.create_index("ux_zone_areas_in_force", ["regime", "area_code"], unique=True, **IN_FORCE)

    op.create_table("zone_decisions",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("zone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    sa.Column("action", sa.String(length=20), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("actor", sa.String(length=100), nullable=False),
    sa.Column("kind_before", sa.String(length=12), nullable=True),
    sa.Column("kind_after", sa.String(length=12), nullable=True),
    sa.Column("area_codes", JSON, nullable=False),
    sa.Column("reason", sa.String(length=1000), nullable=True),
    sa.Column("evidence", JSON, nullable=False),
    sa.Column("county_code", sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_zone_decisions_zone_id_zones")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_decisions"))
    )
    with op.batch_alter_table("zone_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zone_decisions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_decisions_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_decisions_zone_id"), ["zone_id"], unique=False)

    op.create_table("zone_notices",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("zone_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("written_by", sa.String(length=100), nullable=False),
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["decision_id"], ["zone_decisions.id"],
                            name=op.f("fk_zone_notices_decision_id_zone_decisions")),
    sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_zone_notices_zone_id_zones")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_notices"))
    )
    with op.batch_alter_table("zone_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zone_notices_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_notices_zone_id"), ["zone_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("zone_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zone_notices_zone_id"))
        batch_op.drop_index(batch_op.f("ix_zone_notices_decision_id"))

    op.drop_table("zone_notices")
    with op.batch_alter_table("zone_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zone_decisions_zone_id"))
        batch_op.drop_index(batch_op.f("ix_zone_decisions_county_code"))
        batch_op.drop_index(batch_op.f("ix_zone_decisions_at"))

    op.drop_table("zone_decisions")
    with op.batch_alter_table("zone_areas", schema=None) as batch_op:
        batch_op.drop_index("ux_zone_areas_in_force", **IN_FORCE)
        batch_op.drop_index(batch_op.f("ix_zone_areas_zone_id"))
        batch_op.drop_index(batch_op.f("ix_zone_areas_area_code"))

    op.drop_table("zone_areas")
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zones_state"))
        batch_op.drop_index(batch_op.f("ix_zones_scope_code"))
        batch_op.drop_index(batch_op.f("ix_zones_case_id"))

    op.drop_table("zones")
