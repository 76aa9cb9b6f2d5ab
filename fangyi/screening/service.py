"""What screening answers other parts: tubes still without a result (the command's dashboard), and
a person put under control for a fever (arrivals' sentinels), to be swabbed alone until a result."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.protocols.reader import current
from fangyi.screening.models import Control, Sample, Tube
from fangyi.screening.reach import tubes_in_reach


def overdue_tubes(session: Session, who: Principal, at: datetime) -> int:
    """Tubes within reach sampled more than the protocol's result limit before `at` that have no
    result yet (the lab's or the courier's delay to chase)."""
    require(who, "read_report")
    cutoff = at - timedelta(hours=current().screening.result_overdue_hours)
    sampled_before = select(Sample.tube_id).where(Sample.sampled_at < cutoff)
    return int(session.scalar(select(func.count()).select_from(Tube).where(
        Tube.tested_at.is_(None), Tube.id.in_(sampled_before), tubes_in_reach(who))) or 0)


def control_for_fever(session: Session, actor: Principal, *, person_id: int, started_at: datetime,
                      note: str) -> Control:
    """Put a person reported with fever or respiratory symptoms under control (reason `fever`): each
    swab of theirs from `started_at` on goes in a single tube, whose positive result is a suspected
    case and whose negative ends the control (results.consequences). One open fever control a
    person: a second report finds it. Called by Fangyi itself (SYSTEM) after the reporter's checks."""
    require(actor, "scan_samples")
    open_one = session.scalar(select(Control).where(Control.person_id == person_id, Control.reason == "fever",
                                                    Control.ended_at.is_(None)).order_by(Control.id).limit(1))
    if open_one is not None:
        return open_one
    control = Control(person_id=person_id, reason="fever", started_at=started_at, note=note[:300])
    session.add(control)
    session.flush()
    audit.record(session, actor, "create", "screening_control", control.id, after=audit.snapshot(control))
    return control
