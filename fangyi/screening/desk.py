"""The sampling point's scanning desk (its page): the point, which must lie in the jurisdiction, its
round now, its last hour, its last scans (those whose records the viewer may read: the rule a
resent scan's answer follows) and its open tubes; and a scan made there."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, require
from fangyi.errors import NotFound
from fangyi.screening.common import round_for
from fangyi.screening.models import SamplingPoint, Scan, ScreeningRound, Tube
from fangyi.screening.scans import Outcome, ScanInput, may_see, record_scans
from fangyi.timeutil import now

ID_LIKE = re.compile(r"^(\d{17}[\dXx]|[PpOo]:.+)$")
RECENT = 8
LOOKED_AT = 50  # the point's last scans read to find the RECENT the viewer may see


@dataclass
class Desk:
    point: SamplingPoint
    round: ScreeningRound | None
    per_hour: int
    recent: list[Scan]
    open_tubes: list[Any]  # (barcode, members, pool_size) rows


def _point(session: Session, who: Principal, code: str) -> SamplingPoint:
    require(who, "scan_samples")
    point = session.scalar(select(SamplingPoint).where(SamplingPoint.code == code))
    if point is None:
        raise NotFound(f"no sampling point {code}")
    check_area(who, point.area_code)
    return point


def desk(session: Session, who: Principal, code: str) -> Desk:
    point = _point(session, who, code)
    hour_ago = now() - timedelta(hours=1)
    per_hour = session.scalar(select(func.count()).select_from(Scan).where(
        Scan.point_id == point.id, Scan.at >= hour_ago)) or 0
    last = session.scalars(select(Scan).where(Scan.point_id == point.id).order_by(Scan.at.desc(), Scan.id.desc())
                           .limit(LOOKED_AT)).all()
    recent = [scan for scan in last if may_see(who, scan.actor_id, (scan.outcome or {}).get("reach"))][:RECENT]
    # The point's queue: tubes still open here, which a sampler may go back to.
    open_tubes = list(session.execute(
        select(Tube.barcode, Tube.members, Tube.pool_size).where(Tube.point_id == point.id, Tube.state == "open")
        .order_by(Tube.opened_at.desc()).limit(RECENT)).all())
    return Desk(point, round_for(session, point.area_code, now()), per_hour, recent, open_tubes)


@dataclass
class DeskScan:
    """What the page's form sent: one input for a tube's barcode or a person's number."""

    text: str
    tube: str = ""
    pool_size: int | None = None
    scan_id: str = ""
    name: str | None = None
    close: bool = False


def scan_at(session: Session, who: Principal, code: str, form: DeskScan) -> Outcome:
    """A scan made on the point's page: closing the tube, a person into it, or opening a new one.
    The caller commits."""
    point = _point(session, who, code)
    scan_id = form.scan_id[:64] or uuid.uuid4().hex
    if form.close:
        item = ScanInput(scan_id, "close", barcode=form.tube, point_code=point.code)
    elif ID_LIKE.match(form.text):
        item = ScanInput(scan_id, "person", barcode=form.tube, point_code=point.code, id_number=form.text,
                         name=form.name)
    else:
        item = ScanInput(scan_id, "open", barcode=form.text, point_code=point.code, pool_size=form.pool_size)
    # End the read that signing in and the point began: the scan's own transaction then starts
    # with the write lock on SQLite (fangyi.db.session.write_first) and cannot fail at its first write.
    session.commit()
    return record_scans(session, who, [item])[0]
