"""row_counts: how many check-ins and persons there are, kept, so that the first report or dashboard
after a process starts need not count millions of rows

PostgreSQL: statement-level triggers (transition tables) on INSERT and DELETE write each
statement's difference as a row of its own, in the writing transaction: every snapshot sees the
rows and their count together, exact whatever commits in whatever order, and concurrent writers
never wait for one another (each adds a row; readers sum them and fold them together now and
then). The INSERT trigger shares the transition table venue_stays' trigger already captures
(migration 0535): a COPY of a million check-ins is counted once, from memory. TRUNCATE empties
the count.

SQLite hands out ids in commit order (one writer at a time): its row holds the count up to an
anchor id (and the anchor row's key, telling it from another that took its id), kept by the
readers (tally.py); no trigger, since a row trigger that writes cost the check-in import a third
of its speed. Anchored here at the newest row of each table. On PostgreSQL the tables are locked
against writers (SHARE ROW EXCLUSIVE) from before the counts until the triggers are in place.

Revision ID: 0810
Revises: 0800
Create Date: 2026-12-04 23:20:00.000000
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0810"
down_revision = "0800"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# Each counted table and the columns its mark is made of (tally.MARKS).
TABLES = {"checkins": ("person_id", "venue_id", "in_at"), "persons": ("id_number",)}

FUNCTION = """
CREATE FUNCTION row_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO row_counts (name, n) SELECT TG_TABLE_NAME, count(*) FROM added HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO row_counts (name, n) SELECT TG_TABLE_NAME, -count(*) FROM removed HAVING count(*) > 0;
    ELSE
        DELETE FROM row_counts WHERE name = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "row_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("anchor", sa.BigInteger(), nullable=True),
        sa.Column("mark", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_counts")),
    )
    op.create_index(op.f("ix_row_counts_name"), "row_counts", ["name"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(FUNCTION)
        # No row may commit between a table's count and its triggers (it would never be counted):
        # writers wait until the migration commits; readers do not.
        op.execute(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE")
        for table in TABLES:
            op.execute(f"INSERT INTO row_counts (name, n) SELECT '{table}', count(*) FROM {table}")
            op.execute(f"CREATE TRIGGER row_counts_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS added "
                       "FOR EACH STATEMENT EXECUTE FUNCTION row_counts_keep()")
            op.execute(f"CREATE TRIGGER row_counts_deleted AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed "
                       "FOR EACH STATEMENT EXECUTE FUNCTION row_counts_keep()")
            op.execute(f"CREATE TRIGGER row_counts_truncated AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION row_counts_keep()")
        return
    for table, marks in TABLES.items():
        top = bind.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar()
        if top is None:
            continue
        mark = bind.execute(sa.text(f"SELECT {', '.join(marks)} FROM {table} WHERE id = :id"), {"id": top}).one()
        n = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE id <= :id"), {"id": top}).scalar()
        bind.execute(sa.text("INSERT INTO row_counts (name, n, anchor, mark) VALUES (:name, :n, :anchor, :mark)"),
                     {"name": table, "n": n, "anchor": top, "mark": json.dumps(list(mark))})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for name in ("inserted", "deleted", "truncated"):
                op.execute(f"DROP TRIGGER IF EXISTS row_counts_{name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS row_counts_keep()")
    op.drop_index(op.f("ix_row_counts_name"), table_name="row_counts")
    op.drop_table("row_counts")
