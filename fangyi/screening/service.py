"""What screening answers other parts (the command's dashboard): tubes still without a result."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.protocols.reader import current
from fangyi.screening.models import Sample, Tube
from fangyi.screening.reach import tubes_in_reach


def overdue_tubes(session: Session, who: Principal, at: datetime) -> int:
    """Tubes within reach sampled more than the protocol's result limit before `at` that have no
    result yet (the lab's or the courier's delay to chase)."""
    require(who, "read_report")
    cutoff = at - timedelta(hours=current().screening.result_overdue_hours)
    sampled_before = select(Sample.tube_id).where(Sample.sampled_at < cutoff)
    return int(session.scalar(select(func.count()).select_from(Tube).where(
        Tube.tested_at.is_(None), Tube.id.in_(sampled_before), tubes_in_reach(who))) or 0)
