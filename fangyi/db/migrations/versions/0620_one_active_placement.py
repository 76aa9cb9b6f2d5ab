"""placements: at most one active placement per person, as a partial unique index

Two allocations at once used to place one person twice; the requests and rooms are now claimed
by conditional writes, and the database itself refuses a second active placement of a person.

Revision ID: 0620
Revises: 0610
Create Date: 2026-12-04 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0620"
down_revision = "0610"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_index("ux_placements_active_person", "placements", ["person_id"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_index("ux_placements_active_person", table_name="placements")
