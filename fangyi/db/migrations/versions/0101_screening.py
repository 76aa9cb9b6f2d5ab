"""screening: rounds, points, tubes, samples, scans, labs, results, controls, retests (own branch)

Revision ID: 0101
Revises: 0001
Create Date: 2026-11-25 23:59:42.838942
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0101"
down_revision = "0001"
branch_labels = ("screening",)
depends_on = "0002"


def upgrade() -> None:

    op.create_table(
        "labs",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_labs")),
    )
    op.create_table(
        "screening_rounds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "area_codes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_rounds")),
        sa.UniqueConstraint("code", name=op.f("uq_screening_rounds_code")),
    )
    op.create_table(
        "sampling_points",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("hours", sa.String(length=100), nullable=True),
        sa.Column("staff", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_sampling_points_area_code_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_points")),
        sa.UniqueConstraint("code", name=op.f("uq_sampling_points_code")),
    )
    with op.batch_alter_table("sampling_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_points_area_code"), ["area_code"], unique=False)

    op.create_table(
        "sample_boxes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lab_code", sa.String(length=40), nullable=True),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_by", sa.String(length=100), nullable=True),
        sa.Column("carried_by", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"], ["sampling_points.id"], name=op.f("fk_sample_boxes_point_id_sampling_points")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_boxes")),
        sa.UniqueConstraint("code", name=op.f("uq_sample_boxes_code")),
    )
    with op.batch_alter_table("sample_boxes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_boxes_point_id"), ["point_id"], unique=False)

    op.create_table(
        "scans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("barcode", sa.String(length=60), nullable=True),
        sa.Column("point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "outcome", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["point_id"], ["sampling_points.id"], name=op.f("fk_scans_point_id_sampling_points")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
        sa.UniqueConstraint("scan_id", name=op.f("uq_scans_scan_id")),
    )
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scans_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scans_point_id"), ["point_id"], unique=False)

    op.create_table(
        "tubes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("box_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lab_code", sa.String(length=40), nullable=True),
        sa.Column("ct_orf1ab", sa.Float(), nullable=True),
        sa.Column("ct_n", sa.Float(), nullable=True),
        sa.Column("flag", sa.String(length=300), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["box_id"], ["sample_boxes.id"], name=op.f("fk_tubes_box_id_sample_boxes")),
        sa.ForeignKeyConstraint(["point_id"], ["sampling_points.id"], name=op.f("fk_tubes_point_id_sampling_points")),
        sa.ForeignKeyConstraint(["round_id"], ["screening_rounds.id"], name=op.f("fk_tubes_round_id_screening_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tubes")),
        sa.UniqueConstraint("barcode", name=op.f("uq_tubes_barcode")),
    )
    with op.batch_alter_table("tubes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tubes_box_id"), ["box_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tubes_point_id"), ["point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tubes_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tubes_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_tubes_tested_at"), ["tested_at"], unique=False)

    op.create_table(
        "unverified_persons",
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("point_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_unverified_persons_person_id_persons")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_unverified_persons")),
    )
    op.create_table(
        "lab_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lab_code", sa.String(length=40), nullable=False),
        sa.Column("ct_orf1ab", sa.Float(), nullable=True),
        sa.Column("ct_n", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("flag", sa.String(length=300), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tube_id"], ["tubes.id"], name=op.f("fk_lab_results_tube_id_tubes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_results")),
    )
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lab_results_tube_id"), ["tube_id"], unique=False)

    op.create_table(
        "retest_tasks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("group_key", sa.String(length=220), nullable=False),
        sa.Column("area_code", sa.String(length=15), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_retest_tasks_person_id_persons")),
        sa.ForeignKeyConstraint(["result_tube_id"], ["tubes.id"], name=op.f("fk_retest_tasks_result_tube_id_tubes")),
        sa.ForeignKeyConstraint(["source_tube_id"], ["tubes.id"], name=op.f("fk_retest_tasks_source_tube_id_tubes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retest_tasks")),
    )
    with op.batch_alter_table("retest_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retest_tasks_group_key"), ["group_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_retest_tasks_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retest_tasks_source_tube_id"), ["source_tube_id"], unique=False)

    op.create_table(
        "samples",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("round_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scan_id", sa.String(length=64), nullable=True),
        sa.Column("point_code", sa.String(length=40), nullable=True),
        sa.Column("round_code", sa.String(length=40), nullable=True),
        sa.Column("flag", sa.String(length=300), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_samples_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["screening_rounds.id"], name=op.f("fk_samples_round_id_screening_rounds")
        ),
        sa.ForeignKeyConstraint(["tube_id"], ["tubes.id"], name=op.f("fk_samples_tube_id_tubes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("scan_id", name=op.f("uq_samples_scan_id")),
        sa.UniqueConstraint("tube_id", "person_id", name="uq_samples_tube_person"),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index("ix_samples_person_round", ["person_id", "round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_sampled_at"), ["sampled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_tube_id"), ["tube_id"], unique=False)

    op.create_table(
        "screening_controls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_screening_controls_person_id_persons")),
        sa.ForeignKeyConstraint(["tube_id"], ["tubes.id"], name=op.f("fk_screening_controls_tube_id_tubes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_controls")),
    )
    with op.batch_alter_table("screening_controls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_controls_person_id"), ["person_id"], unique=False)

    op.create_table(
        "suspected_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tube_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_suspected_cases_case_id_cases")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_suspected_cases_person_id_persons")),
        sa.ForeignKeyConstraint(["tube_id"], ["tubes.id"], name=op.f("fk_suspected_cases_tube_id_tubes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspected_cases")),
        sa.UniqueConstraint("tube_id", name=op.f("uq_suspected_cases_tube_id")),
    )
    with op.batch_alter_table("suspected_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suspected_cases_person_id"), ["person_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("suspected_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspected_cases_person_id"))

    op.drop_table("suspected_cases")
    with op.batch_alter_table("screening_controls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_controls_person_id"))

    op.drop_table("screening_controls")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_tube_id"))
        batch_op.drop_index(batch_op.f("ix_samples_sampled_at"))
        batch_op.drop_index(batch_op.f("ix_samples_round_id"))
        batch_op.drop_index("ix_samples_person_round")

    op.drop_table("samples")
    with op.batch_alter_table("retest_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retest_tasks_source_tube_id"))
        batch_op.drop_index(batch_op.f("ix_retest_tasks_person_id"))
        batch_op.drop_index(batch_op.f("ix_retest_tasks_group_key"))

    op.drop_table("retest_tasks")
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lab_results_tube_id"))

    op.drop_table("lab_results")
    op.drop_table("unverified_persons")
    with op.batch_alter_table("tubes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tubes_tested_at"))
        batch_op.drop_index(batch_op.f("ix_tubes_state"))
        batch_op.drop_index(batch_op.f("ix_tubes_round_id"))
        batch_op.drop_index(batch_op.f("ix_tubes_point_id"))
        batch_op.drop_index(batch_op.f("ix_tubes_box_id"))

    op.drop_table("tubes")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scans_point_id"))
        batch_op.drop_index(batch_op.f("ix_scans_at"))

    op.drop_table("scans")
    with op.batch_alter_table("sample_boxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_boxes_point_id"))

    op.drop_table("sample_boxes")
    with op.batch_alter_table("sampling_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_points_area_code"))

    op.drop_table("sampling_points")
    op.drop_table("screening_rounds")
    op.drop_table("labs")
