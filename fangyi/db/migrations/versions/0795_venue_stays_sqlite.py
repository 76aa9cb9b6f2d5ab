"""venue_stays on SQLite too: kept by row triggers that write only when a stay is the venue's
longest yet; ix_checkins_venue_stay dropped

Derivation bounds how early a stay that still reaches a moment can have begun by the longest
stay at its venue. SQLite read it from an index on (venue_id, out_at - in_at), a fourth B-tree
every check-in is written into: at 3 million stays 45 MB of the 190 MB of indexes an import
keeps in its page cache, touched at random by a file in random order. Row triggers made a
million-row import 30 % slower when each one wrote (migration 0535); these first compare the
stay with the venue's figure (a seek in a table of one row per venue, always in the cache) and
write only when it grows, which a few stays per venue ever do. Measured on a 3M-row import:
the writer's CPU 9 % lower, its reads from the file a fifth of what they were in the third
million. PostgreSQL keeps its statement-level triggers (0535).

Revision ID: 0795
Revises: 0793
Create Date: 2026-12-04 20:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0795"
down_revision = "0793"
branch_labels = None
depends_on = None

# The same upper bound as PostgreSQL's: raised by a longer stay, never lowered (a deleted or
# shortened stay leaves it; too high only makes the join read a little more of the index).
_KEEP = """
WHEN NEW.out_at - NEW.in_at > coalesce((SELECT longest FROM venue_stays WHERE venue_id = NEW.venue_id), -1)
BEGIN
    INSERT INTO venue_stays (venue_id, longest) VALUES (NEW.venue_id, NEW.out_at - NEW.in_at)
    ON CONFLICT (venue_id) DO UPDATE SET longest = excluded.longest WHERE excluded.longest > longest;
END
"""
TRIGGERS = (
    f"CREATE TRIGGER venue_stays_inserted AFTER INSERT ON checkins {_KEEP}",
    f"CREATE TRIGGER venue_stays_updated AFTER UPDATE OF venue_id, in_at, out_at ON checkins {_KEEP}",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DELETE FROM venue_stays")
    op.execute("INSERT INTO venue_stays (venue_id, longest) SELECT venue_id, MAX(out_at - in_at) FROM checkins "
               "WHERE out_at IS NOT NULL GROUP BY venue_id")
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.drop_index("ix_checkins_venue_stay", table_name="checkins")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index("ix_checkins_venue_stay", "checkins", ["venue_id", sa.text("(out_at - in_at)")], unique=False)
    op.execute("DROP TRIGGER IF EXISTS venue_stays_inserted")
    op.execute("DROP TRIGGER IF EXISTS venue_stays_updated")
    op.execute("DELETE FROM venue_stays")
