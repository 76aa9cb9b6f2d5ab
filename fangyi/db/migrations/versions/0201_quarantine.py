"""quarantine: sites, rooms, requests, placements, checks, tests, alerts, transport requests (own branch)

Revision ID: 0201
Revises: 0001
Create Date: 2026-11-26 00:24:14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0201"
down_revision = "0001"
branch_labels = ("quarantine",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine_sites",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("staff", sa.String(length=500), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_quarantine_sites_area_code_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_sites")),
        sa.UniqueConstraint("code", name=op.f("uq_quarantine_sites_code")),
    )
    with op.batch_alter_table("quarantine_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_sites_area_code"), ["area_code"], unique=False)

    op.create_table(
        "quarantine_rooms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("room", sa.String(length=40), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["quarantine_sites.id"], name=op.f("fk_quarantine_rooms_site_id_quarantine_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_rooms")),
        sa.UniqueConstraint("site_id", "room", name="uq_quarantine_rooms_site_room"),
    )
    with op.batch_alter_table("quarantine_rooms", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_rooms_site_state", ["site_id", "state"], unique=False)

    op.create_table(
        "placement_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("last_exposure", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "linked_person_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_placement_requests_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_requests")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_placement_requests_contact_id")),
    )
    with op.batch_alter_table("placement_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_requests_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_requests_status"), ["status"], unique=False)

    op.create_table(
        "placements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("setting", sa.String(length=12), nullable=False),
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("room_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("last_exposure", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "linked_person_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("edition", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_kind", sa.String(length=12), nullable=True),
        sa.Column("release_note", sa.String(length=500), nullable=True),
        sa.Column("room_freed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_placements_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["placement_requests.id"], name=op.f("fk_placements_request_id_placement_requests")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["quarantine_rooms.id"], name=op.f("fk_placements_room_id_quarantine_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["quarantine_sites.id"], name=op.f("fk_placements_site_id_quarantine_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_placed_at"), ["placed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_room_id"), ["room_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_status"), ["status"], unique=False)

    op.create_table(
        "health_checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("symptoms", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_health_checks_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_health_checks_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_checks")),
    )
    with op.batch_alter_table("health_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_checks_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_health_checks_placement_id"), ["placement_id"], unique=False)

    op.create_table(
        "quarantine_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_quarantine_alerts_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_quarantine_alerts_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_alerts")),
    )
    with op.batch_alter_table("quarantine_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_alerts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_alerts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_alerts_placement_id"), ["placement_id"], unique=False)

    op.create_table(
        "quarantine_tests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("reagent", sa.String(length=100), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_quarantine_tests_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_quarantine_tests_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_tests")),
    )
    with op.batch_alter_table("quarantine_tests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_tests_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_tests_placement_id"), ["placement_id"], unique=False)

    op.create_table(
        "transport_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("from_place", sa.String(length=300), nullable=False),
        sa.Column("to_place", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_transport_requests_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_transport_requests_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transport_requests")),
    )
    with op.batch_alter_table("transport_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transport_requests_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_requests_placement_id"), ["placement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transport_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_requests_status"))
        batch_op.drop_index(batch_op.f("ix_transport_requests_placement_id"))
        batch_op.drop_index(batch_op.f("ix_transport_requests_person_id"))

    op.drop_table("transport_requests")
    with op.batch_alter_table("quarantine_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_tests_placement_id"))
        batch_op.drop_index(batch_op.f("ix_quarantine_tests_person_id"))

    op.drop_table("quarantine_tests")
    with op.batch_alter_table("quarantine_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_alerts_placement_id"))
        batch_op.drop_index(batch_op.f("ix_quarantine_alerts_person_id"))
        batch_op.drop_index(batch_op.f("ix_quarantine_alerts_at"))

    op.drop_table("quarantine_alerts")
    with op.batch_alter_table("health_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_checks_placement_id"))
        batch_op.drop_index(batch_op.f("ix_health_checks_person_id"))

    op.drop_table("health_checks")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placements_status"))
        batch_op.drop_index(batch_op.f("ix_placements_site_id"))
        batch_op.drop_index(batch_op.f("ix_placements_room_id"))
        batch_op.drop_index(batch_op.f("ix_placements_request_id"))
        batch_op.drop_index(batch_op.f("ix_placements_placed_at"))
        batch_op.drop_index(batch_op.f("ix_placements_person_id"))
        batch_op.drop_index(batch_op.f("ix_placements_ended_at"))

    op.drop_table("placements")
    with op.batch_alter_table("placement_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_requests_status"))
        batch_op.drop_index(batch_op.f("ix_placement_requests_person_id"))

    op.drop_table("placement_requests")
    with op.batch_alter_table("quarantine_rooms", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_rooms_site_state")

    op.drop_table("quarantine_rooms")
    with op.batch_alter_table("quarantine_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_sites_area_code"))

    op.drop_table("quarantine_sites")
