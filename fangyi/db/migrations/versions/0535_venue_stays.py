"""venue_stays: on PostgreSQL, each venue's longest recorded stay, kept by triggers on check-ins,
instead of probed per derivation from ix_checkins_venue_stay (dropped there)

Derivation bounds how early a stay that still reaches a moment can have begun by the longest
stay at its venue. Read per case on PostgreSQL, that was one seek into a 190 MB index and then a
table page (the index is on an expression, so no index-only scan) for each of some 900 venues:
5-9 ms, and 10-80 ms when those pages were not in memory, as a new case's venues often are not.
Kept in a table of one row per venue (22,000 in the county, under 1 MB) it is read with the
venues. One statement-level trigger per INSERT and per UPDATE (transition tables: a COPY of a
million check-ins is aggregated once) raises a venue's figure when a stay written, or one whose
times or venue change (a re-import filling in a check-out), lasts longer; it locks only the
venues whose figure grows, in venue order. A deleted or shortened stay leaves the figure as it
was: it is an upper bound, and one too high only makes the join read a little more of the
index, never miss a stay. Stays without a check-out are bounded by the venue's default stay.

SQLite keeps the index and seeks it (about 4 ms for 900 venues, from its own cache): it has only
row triggers, and one per check-in made a million-row import 30 % slower. Its venue_stays stays
empty.

Revision ID: 0535
Revises: 0530
Create Date: 2026-11-26 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0535"
down_revision = "0530"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE FUNCTION venue_stays_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO venue_stays AS s (venue_id, longest)
    SELECT c.venue_id, c.longest
    FROM (SELECT venue_id, MAX(out_at - in_at) AS longest FROM changed
          WHERE out_at IS NOT NULL GROUP BY venue_id) c
    LEFT JOIN venue_stays k ON k.venue_id = c.venue_id
    WHERE k.venue_id IS NULL OR c.longest > k.longest
    ORDER BY c.venue_id
    ON CONFLICT (venue_id) DO UPDATE SET longest = GREATEST(s.longest, EXCLUDED.longest);
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "venue_stays",
        sa.Column("venue_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("longest", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue_id", name=op.f("pk_venue_stays")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("INSERT INTO venue_stays (venue_id, longest) SELECT venue_id, MAX(out_at - in_at) FROM checkins "
               "WHERE out_at IS NOT NULL GROUP BY venue_id")
    op.execute(FUNCTION)
    for event, name in (("INSERT", "inserted"), ("UPDATE", "updated")):
        op.execute(f"CREATE TRIGGER venue_stays_{name} AFTER {event} ON checkins "
                   "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION venue_stays_keep()")
    op.drop_index("ix_checkins_venue_stay", table_name="checkins")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_checkins_venue_stay", "checkins", ["venue_id", sa.text("(out_at - in_at)")],
                        unique=False)
        op.execute("DROP TRIGGER IF EXISTS venue_stays_inserted ON checkins")
        op.execute("DROP TRIGGER IF EXISTS venue_stays_updated ON checkins")
        op.execute("DROP FUNCTION IF EXISTS venue_stays_keep()")
    op.drop_table("venue_stays")
