"""Boxes of tubes from a point to a lab: packed, handed over (who, when), received; and reading them.

A box lies with its point and its tubes (reach.boxes_in_reach): a user sees it, and may work it,
only when all of them lie in their jurisdiction; any other box is answered as absent. Every check
runs before anything is written, so a refused box leaves no trace; every write is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, require
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.screening.common import Refusal, check_barcode, point_by_code
from fangyi.screening.models import Box, Lab, SamplingPoint, Tube
from fangyi.screening.reach import boxes_in_reach, tube_in_reach
from fangyi.timeutil import now

BOX_STATES = ("packed", "handed_over", "received")
BOX_MAX_TUBES = 500


def box_state(box: Box) -> str:
    if box.received_at is not None:
        return "received"
    return "handed_over" if box.handed_over_at is not None else "packed"


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


# --- reading ---------------------------------------------------------------------------


def _state_filter(state: str) -> ColumnElement[bool]:
    if state == "received":
        return Box.received_at.is_not(None)
    if state == "handed_over":
        return Box.received_at.is_(None) & Box.handed_over_at.is_not(None)
    return Box.received_at.is_(None) & Box.handed_over_at.is_(None)


def list_boxes(session: Session, who: Principal, *, state: str = "", lab: str = "", offset: int = 0,
               limit: int | None = 50) -> tuple[list[BoxRow], int]:
    """Boxes latest first, with their tube counts; the total before paging."""
    require(who, "read_screening")
    if state and state not in BOX_STATES:
        raise Invalid(f"state must be one of {', '.join(BOX_STATES)}", column="state")
    where = [boxes_in_reach(who)]
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


def labs(session: Session, who: Principal) -> list[Lab]:
    """The labs a box may go to: the county's, for everyone who reads screening."""
    require(who, "read_screening")
    return list(session.scalars(select(Lab).order_by(Lab.code)))


def _box(session: Session, who: Principal, code: str, *, lock: bool = False) -> Box:
    query = select(Box).where(Box.code == code, boxes_in_reach(who))
    box = session.scalar(query.with_for_update(of=Box) if lock else query)
    if box is None:
        raise NotFound(f"no box {code} in your jurisdiction")
    return box


@dataclass
class BoxDetail:
    row: BoxRow
    tubes: list[Tube]


def get_box(session: Session, who: Principal, code: str) -> BoxDetail:
    require(who, "read_screening")
    return detail(session, _box(session, who, code))


def detail(session: Session, box: Box) -> BoxDetail:
    """A box as the API shows it, with its tubes (all within reach of whoever got the box)."""
    point = session.scalar(select(SamplingPoint.code).where(SamplingPoint.id == box.point_id)) \
        if box.point_id is not None else None
    tubes = list(session.scalars(select(Tube).where(Tube.box_id == box.id).order_by(Tube.barcode)))
    return BoxDetail(BoxRow(box, point, len(tubes)), tubes)


# --- packing, handing over, receiving -----------------------------------------------------


def _signer(text: str | None, column: str) -> str:
    """Who handed over, carried or received: a name is required, as on the paper slip."""
    name = (text or "").strip()
    if not name:
        raise Invalid(f"{column} is required: who signs for the box", column=column)
    return name[:100]


def _box_barcodes(barcodes: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in barcodes:
        if not (raw or "").strip():
            continue
        try:
            seen.setdefault(check_barcode(raw))
        except Refusal as refusal:
            raise Invalid(refusal.message, column="barcodes") from None
    if not seen:
        raise Invalid("a box holds at least one tube", column="barcodes")
    if len(seen) > BOX_MAX_TUBES:
        raise Invalid(f"a box holds at most {BOX_MAX_TUBES} tubes, not {len(seen)}", column="barcodes")
    return list(seen)


def _point_id(session: Session, who: Principal, point_code: str | None) -> int | None:
    if not point_code:
        return None
    point = point_by_code(session, point_code)
    if point is None:
        raise Invalid(f"no sampling point {point_code}", column="point_code")
    check_area(who, point.area_code)
    return point.id


def pack_box(session: Session, actor: Principal, code: str, barcodes: list[str], lab_code: str | None,
             point_code: str | None = None) -> Box:
    """Closed tubes into a new box for a lab, from the point named, else the tubes' own point when
    they share one. Each tube is checked at its own point: another township's is not found, its
    state untold."""
    require(actor, "scan_samples")
    code = (code or "").strip()
    if not code:
        raise Invalid("the box needs a code", column="code")
    wanted = _box_barcodes(barcodes)
    point_id = _point_id(session, actor, point_code)
    if lab_code and session.get(Lab, lab_code) is None:
        raise Invalid(f"lab {lab_code} is not registered", column="lab_code")
    if session.scalar(select(Box.id).where(Box.code == code)) is not None:
        raise Conflict(f"box {code} exists already", column="code")
    # Locked: two samplers packing the same tube at once cannot both succeed.
    area = select(SamplingPoint.area_code).where(SamplingPoint.id == Tube.point_id).scalar_subquery()
    found = session.execute(select(Tube, area).where(Tube.barcode.in_(wanted)).with_for_update(of=Tube)).all()
    away = sorted(t.barcode for t, where in found if not tube_in_reach(actor, where, t.actor_id))
    if away:
        raise NotFound(f"tube {', '.join(away[:5])} not found in your jurisdiction", column="barcodes")
    tubes = [tube for tube, _ in found]
    missing = [b for b in wanted if b not in {t.barcode for t in tubes}]
    if missing:
        raise Invalid(f"unknown barcode {', '.join(missing[:5])}: not scanned or not uploaded yet",
                      column="barcodes")
    not_closed = [f"{t.barcode} ({t.state})" for t in tubes if t.state != "closed"]
    if not_closed:
        raise Invalid(f"only closed tubes are packed: {', '.join(not_closed[:5])}", column="barcodes")
    if point_id is None:
        points = {t.point_id for t in tubes}
        point_id = points.pop() if len(points) == 1 else None
    box = Box(code=code, lab_code=lab_code or None, point_id=point_id, packed_at=now())
    session.add(box)
    session.flush()
    for tube in tubes:
        tube.box_id, tube.state = box.id, "packed"
    audit.record(session, actor, "pack", "box", box.id,
                 after={"code": code, "tubes": len(tubes), "lab": lab_code, "barcodes": wanted[:50]})
    session.flush()
    return box


def hand_over(session: Session, actor: Principal, code: str, handed_by: str, carried_by: str,
              at: datetime | None = None) -> Box:
    require(actor, "scan_samples")
    box = _box(session, actor, code, lock=True)
    handed, carrier = _signer(handed_by, "handed_over_by"), _signer(carried_by, "carried_by")
    if box.received_at is not None:
        raise Conflict(f"box {box.code} was received by the lab already: nothing left to hand over")
    if box.handed_over_at is not None:
        raise Conflict(f"box {box.code} was handed over already, by {box.handed_over_by} to {box.carried_by}")
    box.handed_over_at, box.handed_over_by, box.carried_by = at or now(), handed, carrier
    session.flush()
    audit.record(session, actor, "hand_over", "box", box.id,
                 after={"by": handed, "carrier": carrier, "at": box.handed_over_at.isoformat()})
    return box


def receive_box(session: Session, actor: Principal, code: str, received_by: str,
                at: datetime | None = None) -> Box:
    """The lab signs for the box; its packed tubes become received. A box whose hand-over was never
    recorded is still received: the lab must not be held up by the point's missing slip."""
    require(actor, "record_results")
    box = _box(session, actor, code, lock=True)
    receiver = _signer(received_by, "received_by")
    if box.received_at is not None:
        raise Conflict(f"box {box.code} was received already, by {box.received_by}")
    moment = at or now()
    if box.handed_over_at is not None and moment < box.handed_over_at:
        raise Invalid(f"received before it was handed over ({box.handed_over_at.isoformat()})", column="at")
    box.received_at, box.received_by = moment, receiver
    session.execute(update(Tube).where(Tube.box_id == box.id, Tube.state == "packed")
                    .values(state="received", received_at=moment))
    session.flush()
    audit.record(session, actor, "receive", "box", box.id, after={"by": receiver, "at": moment.isoformat()})
    return box
