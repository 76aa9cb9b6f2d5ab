"""ix_persons_id_area: persons (id) INCLUDE (area_code) on PostgreSQL, so that a derivation reads
where each of its thousands of contacts lives from the index alone (an index-only scan) instead of
the primary key and then a table page per person; the assignment to tracers groups by it.

SQLite keeps the index empty (WHERE 0): a lookup by its INTEGER PRIMARY KEY reads the row in
the table's own b-tree, and its planner takes that path whatever index there is.

Revision ID: 0530
Revises: 0520
Create Date: 2026-11-26 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0530"
down_revision = "0520"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_id_area", "persons", ["id"], unique=False,
                    postgresql_include=["area_code"], sqlite_where=sa.text("0"))


def downgrade() -> None:
    op.drop_index("ix_persons_id_area", table_name="persons")
