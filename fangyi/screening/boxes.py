"""Reading boxes for the API and the pages: a box by its code, the list by state and lab, its tubes.

Only boxes the user may see: from a point in their jurisdiction, or from no single point.
The writes (pack, hand over, receive) are in results.py, next to the lab results they lead to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import in_jurisdiction
from fangyi.auth.models import User
from fangyi.errors import Invalid, NotFound
from fangyi.screening.models import Box, SamplingPoint, Tube
from fangyi.screening.results import BOX_STATES, box_state, check_box_area


@dataclass
class BoxRow:
    box: Box
    point_code: str | None
    tubes: int

    @property
    def state(self) -> str:
        return box_state(self.box)

    def as_dict(self) -> dict[str, Any]:
        b = self.box
        return {"code": b.code, "state": self.state, "lab_code": b.lab_code, "point_code": self.point_code,
                "tubes": self.tubes, "packed_at": b.packed_at, "handed_over_at": b.handed_over_at,
                "handed_over_by": b.handed_over_by, "carried_by": b.carried_by, "received_at": b.received_at,
                "received_by": b.received_by}


def _state_filter(state: str) -> ColumnElement[bool]:
    if state == "received":
        return Box.received_at.is_not(None)
    if state == "handed_over":
        return Box.received_at.is_(None) & Box.handed_over_at.is_not(None)
    return Box.received_at.is_(None) & Box.handed_over_at.is_(None)


def list_boxes(session: Session, user: User, *, state: str = "", lab: str = "", offset: int = 0,
               limit: int | None = 50) -> tuple[list[BoxRow], int]:
    """Boxes latest first, with their tube counts; the total before paging."""
    if state and state not in BOX_STATES:
        raise Invalid(f"state must be one of {', '.join(BOX_STATES)}", column="state")
    where = [or_(Box.point_id.is_(None), in_jurisdiction(user, SamplingPoint.area_code))]
    if state:
        where.append(_state_filter(state))
    if lab:
        where.append(Box.lab_code == lab)
    base = select(Box, SamplingPoint.code).outerjoin(SamplingPoint, SamplingPoint.id == Box.point_id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    query = base.order_by(Box.packed_at.desc(), Box.id.desc()).offset(offset)
    found = session.execute(query.limit(limit) if limit is not None else query).all()
    counts = dict(session.execute(  # type: ignore[arg-type]
        select(Tube.box_id, func.count()).where(Tube.box_id.in_([b.id for b, _ in found] or [0]))
        .group_by(Tube.box_id)
    ).all())
    return [BoxRow(box, point, int(counts.get(box.id, 0))) for box, point in found], int(total)


def get_box(session: Session, user: User, code: str, *, lock: bool = False) -> Box:
    query = select(Box).where(Box.code == code)
    box = session.scalar(query.with_for_update() if lock else query)
    if box is None:
        raise NotFound(f"no box {code}")
    check_box_area(session, user, box.point_id)
    return box


def box_row(session: Session, box: Box) -> BoxRow:
    point = session.scalar(select(SamplingPoint.code).where(SamplingPoint.id == box.point_id)) \
        if box.point_id is not None else None
    count = session.scalar(select(func.count()).select_from(Tube).where(Tube.box_id == box.id)) or 0
    return BoxRow(box, point, int(count))


def box_tubes(session: Session, box: Box) -> list[Tube]:
    return list(session.scalars(select(Tube).where(Tube.box_id == box.id).order_by(Tube.barcode)))
