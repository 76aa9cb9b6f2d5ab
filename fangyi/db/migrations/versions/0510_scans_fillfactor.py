"""scans fillfactor: withdrawn before release, kept as a step so that 0520 follows it

It left room on the pages of `scans` for each scan's answer, written moments after its claim.
Scans are now stored once, with their answer (fangyi/screening/scans.py), so there is nothing
to update in place, and the room would only waste a third of the table. A database that ran
the first version keeps fillfactor 70 on `scans`, which is harmless.

Revision ID: 0510
Revises: 0501
Create Date: 2026-11-26 03:40:00.000000
"""

from __future__ import annotations

revision = "0510"
down_revision = "0501"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
