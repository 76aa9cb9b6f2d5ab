"""tubes keep room for their own updates (PostgreSQL fillfactor 70); samples lose an index that
another one already serves

Every scan into a tube updates its row (members, then state and closed_at when it fills). With
pages filled to the brim, PostgreSQL puts the new version on another page and adds it to all
seven of the tube's indexes: measured under load, 79 % of tube updates went that way. With room
left on each page, an update that changes no indexed column (members) stays on its page (a HOT
update) and touches no index; only the closing scan, which changes `state`, still does.

`ix_samples_tube_id` (tube_id) is served by `uq_samples_tube_person` (tube_id, person_id), whose
first column it is: the tube's members, the foreign key's checks. One index fewer for every
sample written.

Revision ID: 0540
Revises: 0535
Create Date: 2026-11-26 06:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0540"
down_revision = "0535"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tubes SET (fillfactor = 70)")
    op.drop_index("ix_samples_tube_id", table_name="samples")


def downgrade() -> None:
    op.create_index("ix_samples_tube_id", "samples", ["tube_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tubes RESET (fillfactor)")
