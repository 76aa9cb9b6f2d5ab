"""What sends tracers back to work already done: a case ruled out, and a close contact in
quarantine turning positive (the index turns).

A ruled-out case keeps its contacts: they are flagged for review in the tracers' queue, and
everyone in quarantine for it is flagged by the quarantine part. When the index turns,
quarantine re-categorises the placements and raises `index_turned` alerts, one per secondary
contact; the tracers see them grouped by the person who turned, and mark the group handled.
Their handling is kept in the alert's detail, apart from the site's own `handled_at`: the site
staff and the tracers each deal with the same event in their own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.quarantine.care import flag_downstream
from fangyi.quarantine.models import Alert, Placement, QuarantineSite, Room
from fangyi.registry.models import Person
from fangyi.timeutil import now, parse_instant
from fangyi.tracing.cases import get_case
from fangyi.tracing.contacts import permitted
from fangyi.tracing.models import Case

REASON_LENGTH = 500


def rule_out_case(session: Session, actor: Principal, case_no: str, reason: str) -> Case:
    """Rule a case out: it leaves the counts from now on; whoever is in quarantine for it is
    flagged for review, and its contacts stay listed, flagged for review in the queue."""
    permitted(actor, "edit_cases")
    case = get_case(session, actor, case_no)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a case is ruled out with a reason", column="reason")
    if len(reason) > REASON_LENGTH:
        raise Invalid(f"the reason is longer than {REASON_LENGTH} characters", column="reason")
    if case.ruled_out_at is not None:
        raise Conflict(f"case {case.case_no} was ruled out already")
    before = {"ruled_out_at": None, "ruled_out_reason": None}
    case.ruled_out_at, case.ruled_out_reason = now(), reason
    case.ruled_out_by_id = actor.id or None
    session.flush()
    audit.record(session, actor, "rule_out", "case", case.id, before=before,
                 after={"ruled_out_at": case.ruled_out_at.isoformat(), "ruled_out_reason": reason})
    flag_downstream(session, actor, case.id, reason)
    return case


@dataclass
class Affected:
    """A secondary contact made a close contact because the index turned."""

    alert: Alert
    person: Person
    placement: Placement | None


@dataclass
class IndexTurned:
    """A close contact in quarantine who tested positive, and whom it changed."""

    index: Person
    placement: Placement | None
    where: str
    at: datetime
    affected: list[Affected] = field(default_factory=list)

    @property
    def alert_ids(self) -> list[int]:
        return [a.alert.id for a in self.affected]


def _traced(alert: Alert) -> bool:
    return bool((alert.detail or {}).get("traced_at"))


def _where(session: Session, placement: Placement | None) -> str:
    if placement is None:
        return ""
    if placement.room_id is None:
        return placement.address or ""
    site = session.get(QuarantineSite, placement.site_id)
    room = session.get(Room, placement.room_id)
    return f"{site.name if site else ''} {room.room if room else ''}".strip()


def _index_placement(session: Session, person_id: int) -> Placement | None:
    # Their stay as a close contact: still active, or ended by the move to hospital.
    return session.scalar(select(Placement).where(Placement.person_id == person_id)
                          .order_by(Placement.placed_at.desc(), Placement.id.desc()).limit(1))


def index_turned(session: Session, user: User, *, include_handled: bool = False) -> list[IndexTurned]:
    """The index-turned events whose affected contacts live in the user's jurisdiction, newest
    first; those the tracers have not yet marked handled, unless asked for all."""
    permitted(user, "read_cases")
    rows = session.execute(
        select(Alert, Person).join(Person, Person.id == Alert.person_id)
        .where(Alert.kind == "index_turned", in_jurisdiction(user, Person.area_code))
        .order_by(Alert.at.desc(), Alert.id.desc())
    ).all()
    groups: dict[int, IndexTurned] = {}
    for alert, person in rows:
        if _traced(alert) and not include_handled:
            continue
        index_id = int((alert.detail or {}).get("index_person_id") or 0)
        if index_id not in groups:
            index = session.get(Person, index_id)
            if index is None:
                continue
            placement = _index_placement(session, index_id)
            groups[index_id] = IndexTurned(index, placement, _where(session, placement), alert.at)
        placement = session.get(Placement, alert.placement_id) if alert.placement_id else None
        groups[index_id].affected.append(Affected(alert, person, placement))
    return list(groups.values())


def handle_index_turned(session: Session, actor: User, index_person_id: int) -> list[Alert]:
    """The tracer has dealt with a turned index (the new close contacts traced and called):
    its alerts in the tracer's jurisdiction leave the queue. Audited per alert."""
    permitted(actor, "edit_cases")
    open_alerts = [a for a in session.scalars(
        select(Alert).join(Person, Person.id == Alert.person_id)
        .where(Alert.kind == "index_turned", in_jurisdiction(actor, Person.area_code))
    ) if int((a.detail or {}).get("index_person_id") or 0) == index_person_id]
    if not open_alerts:
        raise NotFound(f"no index-turned alert for person {index_person_id} in your jurisdiction")
    pending = [a for a in open_alerts if not _traced(a)]
    if not pending:
        raise Conflict(f"the index turning of person {index_person_id} was handled already")
    moment = now().isoformat()
    for alert in pending:
        # A new dict, so the JSON column sees the change.
        alert.detail = {**(alert.detail or {}), "traced_at": moment, "traced_by_id": actor.id}
        audit.record(session, actor, "trace_handled", "quarantine_alert", alert.id,
                     before={"traced_at": None}, after={"traced_at": moment})
    session.flush()
    return pending


def traced_at(alert: Alert) -> datetime | None:
    raw: Any = (alert.detail or {}).get("traced_at")
    return parse_instant(raw) if raw else None
