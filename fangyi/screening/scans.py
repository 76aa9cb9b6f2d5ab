"""Registration by scan: open a tube, scan people into it, close it; every scan exactly once.

Each scan carries the handheld's own scan_id. The scan is claimed first with
INSERT … ON CONFLICT (scan_id) DO NOTHING: a resent scan finds its claim and
gets the answer the first one got, whatever happened since; two copies racing
on PostgreSQL meet at the unique index and the second waits for the first.
A tube's size is guarded by one conditional UPDATE (members < pool_size), so
two handhelds scanning into the same tube can never overfill it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.audit.service import Actor
from fangyi.auth.models import User
from fangyi.auth.service import require
from fangyi.db.base import Instant
from fangyi.registry.areas import AreaCodeError, within
from fangyi.registry.identity import mask_id_number
from fangyi.registry.models import Person
from fangyi.screening.common import (
    CONTROL_CHECKS,
    Refusal,
    check_barcode,
    check_id_number,
    control_reason,
    fallback_area,
    find_person,
    pool_sizes,
    register_unverified,
    round_by_code,
    round_for,
)
from fangyi.screening.models import Control, Sample, SamplingPoint, Scan, ScreeningRound, Tube
from fangyi.timeutil import now

ACTIONS = ("open", "person", "close")
MAX_BATCH = 20


@dataclass(frozen=True)
class TubeRow:
    id: int
    barcode: str
    state: str
    pool_size: int
    members: int
    round_id: int | None


@dataclass(frozen=True)
class PointRow:
    id: int
    code: str
    area_code: str


@dataclass
class ScanInput:
    scan_id: str
    action: str
    barcode: str | None = None
    point_code: str | None = None
    round_code: str | None = None
    id_number: str | None = None
    name: str | None = None
    pool_size: int | None = None
    scanned_at: datetime | None = None


def _insert(session: Session, model: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


# Statements built once: on a busy morning building SQL expressions costs more than running them.
SCANS = cast(Table, Scan.__table__)
_STORED = select(SCANS.c.scan_id, SCANS.c.outcome).where(SCANS.c.scan_id.in_(bindparam("ids", expanding=True)))
_ANSWER = update(SCANS).where(SCANS.c.scan_id == bindparam("sid")).values(outcome=bindparam("outcome"))
# Plain Core on the tables, not the ORM entities: the ORM's statement handling costs more per
# request than the statements themselves take in PostgreSQL.
_T = cast(Table, Tube.__table__).c
_P = cast(Table, Person.__table__).c
_C = cast(Table, Control.__table__).c
_S = cast(Table, Sample.__table__)
_TUBE = select(_T.id, _T.barcode, _T.state, _T.pool_size, _T.members, _T.round_id).where(
    _T.barcode == bindparam("barcode"))
_OTHER = cast(Table, Tube.__table__).alias("other")
_LOOKUP = select(
    _P.id, _P.name, _P.id_number, _P.merged_into_id,
    select(_C.reason).where(
        _C.person_id == _P.id, _C.started_at <= bindparam("at", type_=Instant()),
        or_(_C.ended_at.is_(None), _C.ended_at > bindparam("at", type_=Instant())),
    ).limit(1).scalar_subquery(),
    # This tube, or another open tube of the round (a NULL round matches nothing).
    select(_OTHER.c.barcode).join(_S, _S.c.tube_id == _OTHER.c.id).where(
        _S.c.person_id == _P.id,
        or_(_OTHER.c.id == bindparam("tube_id"),
            and_(_S.c.round_id == bindparam("round_id"), _OTHER.c.state == "open")),
    ).order_by(_OTHER.c.id).limit(1).scalar_subquery(),
).where(_P.id_number == bindparam("id_number"))
_FILLS = _T.members + 1 >= _T.pool_size
_GROW = (
    update(cast(Table, Tube.__table__))
    .where(_T.id == bindparam("tube_id"), _T.state == "open", _T.members < _T.pool_size)
    .values(members=_T.members + 1, state=case((_FILLS, "closed"), else_=_T.state),
            closed_at=case((_FILLS, bindparam("at", type_=Instant())), else_=_T.closed_at))
    .returning(_T.members, _T.state)
)
_SAMPLE = insert(_S)
_AUDIT = insert(cast(Table, AuditEntry.__table__))
_SP = cast(Table, SamplingPoint.__table__).c
_POINT = select(_SP.id, _SP.code, _SP.area_code).where(_SP.code == bindparam("code"))
# Core (not ORM) inserts on the table: the ORM's bulk path costs more than the statement. Keyed by
# "is PostgreSQL"; both dialects have ON CONFLICT … DO NOTHING … RETURNING.
_CLAIM = {
    pg: (postgresql.insert if pg else sqlite.insert)(SCANS).values({
        name: bindparam(name) for name in ("scan_id", "action", "barcode", "point_id", "at", "actor_id")
    }).on_conflict_do_nothing(index_elements=["scan_id"]).returning(SCANS.c.scan_id)
    for pg in (True, False)
}


def _claim(session: Session, actor: Actor | User, scans: list[ScanInput],
           points: dict[str, PointRow | None]) -> set[str]:
    """Claim every scan id of the request in one statement; returns the ids this request won.

    Rows go in scan_id order, so that two requests racing over the same ids on PostgreSQL
    wait on the unique index in the same order and never deadlock.
    """
    rows: dict[str, dict[str, Any]] = {}
    moment = now()
    for scan in scans:
        point = points[(scan.point_code or "").strip()]
        rows.setdefault(scan.scan_id, {
            "scan_id": scan.scan_id, "action": scan.action, "barcode": (scan.barcode or "")[:60] or None,
            "point_id": point.id if point else None, "at": moment, "actor_id": actor.id or None,
        })
    statement = _CLAIM[session.get_bind().dialect.name == "postgresql"]
    # One prepared statement, many parameter sets: SQLAlchemy sends them as one multi-row INSERT
    # (insertmanyvalues) without compiling a new VALUES list for every request.
    won = session.execute(statement, [rows[key] for key in sorted(rows)]).scalars()
    return set(won)


def record_scans(session: Session, actor: Actor | User, scans: list[ScanInput]) -> list[dict[str, Any]]:
    """Apply scans in order; each gets its outcome (ok or refused, with the reason). The caller commits."""
    if isinstance(actor, User):
        require(actor, "scan_samples")
    if not scans:
        return []
    points: dict[str, PointRow | None] = {}
    for code in {(scan.point_code or "").strip() for scan in scans}:
        found = session.execute(_POINT, {"code": code}).first() if code else None
        points[code] = PointRow(*found) if found else None
    won = _claim(session, actor, scans, points)
    lost = sorted({scan.scan_id for scan in scans} - won)
    stored: dict[str, Any] = {}
    if lost:
        stored = {scan_id: outcome for scan_id, outcome in session.execute(_STORED, {"ids": lost})}
    answers: dict[str, dict[str, Any]] = {}
    tubes: dict[str, TubeRow] = {}
    outcomes: list[dict[str, Any]] = []
    for scan in scans:
        if scan.scan_id not in won or scan.scan_id in answers:
            first = answers.get(scan.scan_id) or stored.get(scan.scan_id)
            outcomes.append({**(first or {"scan_id": scan.scan_id, "status": "pending"}), "repeated": True})
            continue
        try:
            outcome = _apply(session, actor, scan, points[(scan.point_code or "").strip()], tubes)
        except Refusal as refusal:
            outcome = {"status": "refused", "code": refusal.code, "message": refusal.message,
                       "params": {k: str(v) for k, v in refusal.params.items()}}
        answers[scan.scan_id] = {"scan_id": scan.scan_id, "action": scan.action, **outcome}
        outcomes.append({**answers[scan.scan_id], "repeated": False})
    if answers:
        session.execute(_ANSWER, [{"sid": sid, "outcome": outcome} for sid, outcome in answers.items()])
        fresh = list(answers.values())
        # The same row audit.record() would add, written by a prepared Core insert: through the ORM's
        # unit of work this one row cost more than the scan it records.
        session.execute(_AUDIT, {"at": now(), "actor_id": actor.id or None, "actor": actor.username,
                                 "action": "scan", "entity": "scans", "entity_id": None, "before": None,
                                 "note": None, "after": {
            "scan_ids": [o["scan_id"] for o in fresh][:MAX_BATCH],
            "ok": sum(o["status"] == "ok" for o in fresh), "refused": sum(o["status"] != "ok" for o in fresh),
        }})
    return outcomes


def _inside(area_code: str, jurisdiction: str) -> bool:
    try:
        return within(area_code, jurisdiction)
    except AreaCodeError:
        return area_code == jurisdiction


def _tube_view(tube: Tube, members: int | None = None, state: str | None = None) -> dict[str, Any]:
    return {"barcode": tube.barcode, "members": tube.members if members is None else members,
            "pool_size": tube.pool_size, "state": state or tube.state}


def _apply(session: Session, actor: Actor | User, scan: ScanInput, point: PointRow | None,
           tubes: dict[str, TubeRow]) -> dict[str, Any]:
    """One scan; `tubes` keeps the tubes this request has seen, as they stand after its own scans."""
    if scan.action not in ACTIONS:
        raise Refusal("bad_action", f"action must be one of {', '.join(ACTIONS)}")
    if isinstance(actor, User) and point is not None and not _inside(point.area_code, actor.area_code):
        raise Refusal("outside", f"sampling point {point.code} is outside your jurisdiction", point=point.code)
    if scan.action != "open" and not (scan.barcode or "").strip():
        raise Refusal("unknown_tube", "scan a tube first", barcode="")
    barcode = check_barcode(scan.barcode)
    at = scan.scanned_at or now()
    if scan.action == "open":
        tubes.pop(barcode, None)
        return _open(session, actor, scan, barcode, point, at)
    tube = tubes.get(barcode)
    if tube is None:
        found = session.execute(_TUBE, {"barcode": barcode}).first()
        if found is None:
            raise Refusal("unknown_tube", f"tube {barcode} has not been opened: scan the tube first",
                          barcode=barcode)
        tube = tubes[barcode] = TubeRow(*found)
    if scan.action == "close":
        outcome = _close(session, tube, at)
        tubes[barcode] = replace(tube, state="closed")
        return outcome
    outcome = _person(session, actor, scan, tube, point, at)
    tubes[barcode] = replace(tube, members=outcome["tube"]["members"], state=outcome["tube"]["state"])
    return outcome


def _open(session: Session, actor: Actor | User, scan: ScanInput, barcode: str, point: PointRow | None,
          at: datetime) -> dict[str, Any]:
    flags = []
    if point is None:
        flags.append(f"sampling point {scan.point_code or '(none)'} unknown")
    chosen: ScreeningRound | None = round_by_code(session, scan.round_code)
    if scan.round_code and chosen is None:
        flags.append(f"round {scan.round_code} unknown")
    if chosen is None and not scan.round_code and point is not None:
        chosen = round_for(session, point.area_code, at)
    size = scan.pool_size or (chosen.pool_size if chosen else max(pool_sizes()))
    if size not in pool_sizes():
        allowed = ", ".join(map(str, pool_sizes()))
        raise Refusal("bad_pool_size", f"pool size {size} is not allowed ({allowed})", size=size, allowed=allowed)
    statement = _insert(session, Tube).values(
        barcode=barcode, round_id=chosen.id if chosen else None, point_id=point.id if point else None,
        pool_size=size, members=0, state="open", opened_at=at, flag="; ".join(flags) or None,
        actor_id=actor.id or None,
    ).on_conflict_do_nothing(index_elements=["barcode"]).returning(Tube.id)
    if session.scalar(statement) is None:
        tube = session.scalar(select(Tube).where(Tube.barcode == barcode))
        assert tube is not None
        if tube.state == "open" and tube.point_id == (point.id if point else None):
            return {"status": "ok", "code": "tube_resumed", "message": f"tube {barcode} is open: go on scanning",
                    "params": {"barcode": barcode}, "tube": _tube_view(tube)}
        raise Refusal("barcode_used", f"barcode {barcode} was used already ({tube.state}); take a new tube",
                      barcode=barcode, state=tube.state)
    return {"status": "ok", "code": "tube_opened", "message": f"tube {barcode} opened for {size}",
            "params": {"barcode": barcode, "size": size}, "flags": flags,
            "tube": {"barcode": barcode, "members": 0, "pool_size": size, "state": "open"}}


def _close(session: Session, tube: TubeRow, at: datetime) -> dict[str, Any]:
    if tube.state != "open":
        raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state} already", barcode=tube.barcode,
                      state=tube.state)
    if tube.members == 0:
        raise Refusal("tube_empty", f"tube {tube.barcode} holds nobody; scan people first", barcode=tube.barcode)
    session.execute(update(Tube).where(Tube.id == tube.id, Tube.state == "open").values(state="closed", closed_at=at))
    return {"status": "ok", "code": "tube_closed", "message": f"tube {tube.barcode} closed with {tube.members}",
            "params": {"barcode": tube.barcode, "members": tube.members},
            "tube": {"barcode": tube.barcode, "members": tube.members, "pool_size": tube.pool_size,
                     "state": "closed"}}


def _lookup(session: Session, id_number: str, tube: TubeRow, at: datetime) -> Any:
    """The person, why they are under control, and a tube they are in already — in one round trip."""
    return session.execute(_LOOKUP, {"id_number": id_number, "at": at, "tube_id": tube.id,
                                     "round_id": tube.round_id}).first()


def _person(session: Session, actor: Actor | User, scan: ScanInput, tube: TubeRow, point: PointRow | None,
            at: datetime) -> dict[str, Any]:
    if tube.state != "open":
        raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state}: open a new tube", barcode=tube.barcode,
                      state=tube.state)
    id_number = check_id_number(scan.id_number)
    row = _lookup(session, id_number, tube, at)
    temporary = False
    if row is not None and row.merged_into_id is not None:
        survivor = find_person(session, id_number)
        row = _lookup(session, survivor.id_number, tube, at) if survivor is not None else None
    if row is None:
        name = (scan.name or "").strip()
        if not name:
            raise Refusal("unknown_person", f"{mask_id_number(id_number)} is not in the registry: type the name "
                          "to register on the spot", id=mask_id_number(id_number))
        area = point.area_code if point else fallback_area(session, actor)
        register_unverified(session, actor, id_number, name, area, point.code if point else None,
                            "not in the registry when sampled")
        session.flush()
        row = _lookup(session, id_number, tube, at)
        temporary = True
    person_id, name, number, _, reason, elsewhere = row
    if reason is None and CONTROL_CHECKS:
        reason = control_reason(session, person_id, at)
    if reason is not None and tube.pool_size > 1:
        raise Refusal("under_control", f"{name} is under control ({reason}): swab alone in a single tube",
                      name=name, reason=reason)
    if elsewhere == tube.barcode:
        raise Refusal("already_in_tube", f"{name} is in tube {tube.barcode} already", name=name,
                      barcode=tube.barcode)
    if elsewhere is not None:
        raise Refusal("in_other_tube", f"{name} is in open tube {elsewhere} of this round already",
                      name=name, barcode=elsewhere)
    grown = session.execute(_GROW, {"tube_id": tube.id, "at": at}).first()
    if grown is None:
        raise Refusal("tube_full", f"tube {tube.barcode} is full ({tube.pool_size}): open a new tube",
                      barcode=tube.barcode, size=tube.pool_size)
    members, state = grown
    session.execute(_SAMPLE, {
        "tube_id": tube.id, "person_id": person_id, "round_id": tube.round_id, "sampled_at": at,
        "scan_id": scan.scan_id, "point_code": scan.point_code, "actor_id": actor.id or None})
    return {"status": "ok", "code": "tube_closed_full" if state == "closed" else "added",
            "message": f"{name} in tube {tube.barcode} ({members}/{tube.pool_size})",
            "params": {"name": name, "barcode": tube.barcode, "members": members, "size": tube.pool_size},
            "person": {"name": name, "id_number": mask_id_number(number), "temporary": temporary},
            "tube": {"barcode": tube.barcode, "members": members, "pool_size": tube.pool_size, "state": state}}
