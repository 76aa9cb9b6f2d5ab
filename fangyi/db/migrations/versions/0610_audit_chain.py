"""audit_seals and audit_heads: the trail as hash chains, one per local day and shard

Revision ID: 0610
Revises: 0600
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fangyi.db.base import BigId

revision = "0610"
down_revision = "0600"
branch_labels = None
depends_on = None

APPEND_ONLY_PG = """
CREATE FUNCTION audit_seals_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_seals is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_seals_no_change BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only();
"""

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals "
    "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END",
    "CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals "
    "BEGIN SELECT RAISE(ABORT, 'audit_seals is append-only'); END",
]


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column("id", BigId, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_audit_seals_entry_id")),
        sa.UniqueConstraint("stream", "seq", name="uq_audit_seals_stream_seq"),
    )
    op.create_table(
        "audit_heads",
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_audit_heads")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG)
    else:
        for statement in APPEND_ONLY_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_seals_no_change ON audit_seals")
        op.execute("DROP FUNCTION IF EXISTS audit_seals_append_only()")
    op.drop_table("audit_heads")
    op.drop_table("audit_seals")
