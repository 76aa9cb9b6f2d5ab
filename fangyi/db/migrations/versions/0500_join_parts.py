"""Join the parts' migration branches into one line again.

Tracing, screening, quarantine and the assist lists were built side by side,
each on its own branch; from here on a new migration follows this one.

Revision ID: 0500
Revises: 0007, 0101, 0201, 0301, 0401
"""

from __future__ import annotations

revision = "0500"
down_revision = ("0007", "0101", "0201", "0301", "0401")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
