"""What other parts may ask of quarantine: placement requests, review flags, and the index-turned
alerts the tracers work from. Everything here checks its caller's permission, and the jurisdiction
of each record it reads or writes (scope.py: a request lies where its person lives; a placement
there, and at its site)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction, require, sees
from fangyi.audit import service as audit
from fangyi.errors import Conflict, NotFound
from fangyi.protocols.reader import current
from fangyi.quarantine.care import HOSPITAL
from fangyi.quarantine.clock import rule_for
from fangyi.quarantine.figures import forecast
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, QuarantineSite, Room, TransportRequest
from fangyi.quarantine.scope import hidden, placements_seen, sees_placement

__all__ = ["Affected", "IndexTurned", "PlacementRequest", "Wanted", "fever_at_home", "flag_for_review",
           "handle_index_turned", "index_turned", "request_placements", "traced_at"]
from fangyi.registry.models import Person
from fangyi.timeutil import now, parse_instant


@dataclass(frozen=True)
class Wanted:
    """A person another part sends to quarantine, with what their clock needs."""

    person_id: int
    category: str  # close_contact | secondary_contact | … (the edition's categories)
    last_exposure: datetime
    reason: str
    source: str  # tracing | arrivals | manual | …
    contact_id: int | None = None  # tracing's contact, when tracing sent them
    linked_person_ids: tuple[int, ...] = ()  # whose results release a secondary contact
    pickup: str | None = None  # where to collect them when not at home (a checkpoint)


def request_placements(session: Session, actor: Principal, wanted: Sequence[Wanted]) -> list[PlacementRequest]:
    """One placement request per person sent, made once: a contact sent again gets the request it has."""
    require(actor, "request_placement")
    if not wanted:
        return []
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({w.person_id for w in wanted})))}
    for item in wanted:
        rule_for(current(), item.category)
        person = persons.get(item.person_id)
        if person is None or not sees(actor, person.area_code):
            raise hidden(f"person {item.person_id}")
    contact_ids = [w.contact_id for w in wanted if w.contact_id is not None]
    existing = {r.contact_id: r for r in session.scalars(
        select(PlacementRequest).where(PlacementRequest.contact_id.in_(contact_ids)))} if contact_ids else {}
    made: list[PlacementRequest] = []
    result: list[PlacementRequest] = []
    for item in wanted:
        found = existing.get(item.contact_id) if item.contact_id is not None else None
        if found is not None:
            result.append(found)
            continue
        request = PlacementRequest(
            person_id=item.person_id, category=item.category, reason=item.reason, source=item.source,
            contact_id=item.contact_id, last_exposure=item.last_exposure,
            linked_person_ids=list(item.linked_person_ids), actor_id=actor.id or None,
            pickup=(item.pickup or "").strip()[:300] or None)
        if item.contact_id is not None:
            existing[item.contact_id] = request
        made.append(request)
        result.append(request)
    session.add_all(made)
    session.flush()
    if len(made) == 1:
        audit.record(session, actor, "create", "placement_request", made[0].id, after=audit.snapshot(made[0]))
    elif made:
        audit.record(session, actor, "create", "placement_request", None,
                     after={"requests": [r.id for r in made], "persons": [r.person_id for r in made]})
    return result


def flag_for_review(session: Session, actor: Principal, *, person_ids: Sequence[int], case_id: int,
                    reason: str) -> list[int]:
    """A case ruled out: everyone of these in quarantine for it is flagged for review (not released:
    the command decides). Only the placements in the actor's jurisdiction are flagged: another
    township's are its own to review. Returns the placements flagged."""
    require(actor, "request_placement")
    flagged = list(session.scalars(placements_seen(select(Placement), actor).where(
        Placement.status == "active", Placement.person_id.in_(set(person_ids)))))
    for placement in flagged:
        session.add(Alert(placement_id=placement.id, person_id=placement.person_id, kind="review",
                          detail={"case_id": case_id, "reason": reason[:200]}, at=now()))
    session.flush()
    audit.record(session, actor, "flag_review", "case", case_id, after={"placements": [p.id for p in flagged]},
                 note=reason[:500])
    return [p.id for p in flagged]


def fever_at_home(session: Session, actor: Principal, *, person_id: int, temperature: float, where: str,
                  source: str) -> Alert:
    """A fever found outside a site (home quarantine or monitoring, by the village doctor): the same
    alert and hospital transport as a fever at a site; the caller has checked the reading."""
    require(actor, "record_checks")
    person = session.get(Person, person_id)
    if person is None or not sees(actor, person.area_code):
        raise hidden(f"person {person_id}")
    alert = Alert(placement_id=None, person_id=person_id, kind="fever",
                  detail={"temperature": temperature, "source": source}, at=now())
    session.add(alert)
    session.add(TransportRequest(person_id=person_id, placement_id=None, from_place=where[:300],
                                 to_place=HOSPITAL, reason="hospital", status="open", created_at=now()))
    session.flush()
    audit.record(session, actor, "alert", "person", person_id, after={"kind": "fever", "temperature": temperature,
                                                                       "source": source})
    return alert


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


def index_turned(session: Session, user: Principal, *, include_handled: bool = False) -> list[IndexTurned]:
    """The index-turned events whose affected contacts live in the user's jurisdiction, newest
    first; those the tracers have not yet marked handled, unless asked for all. The index (the close
    contact who turned) is named, as the reason of the alerts; where they stay, only when their
    placement lies in the user's jurisdiction too."""
    require(user, "read_quarantine")
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
            if placement is not None and not sees_placement(session, user, placement):
                placement = None
            groups[index_id] = IndexTurned(index, placement, _where(session, placement), alert.at)
        placement = session.get(Placement, alert.placement_id) if alert.placement_id else None
        groups[index_id].affected.append(Affected(alert, person, placement))
    return list(groups.values())


def handle_index_turned(session: Session, actor: Principal, index_person_id: int) -> list[Alert]:
    """The tracer has dealt with a turned index (the new close contacts traced and called):
    its alerts in the tracer's jurisdiction leave the queue. Audited per alert."""
    require(actor, "trace_alerts")
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


def transport_carried(session: Session, actor: Principal, transport_id: int) -> None:
    """The transport part closed the loop on one of quarantine's transport requests (its person
    arrived, as the receiving side confirmed): the request is done. Transport checked the actor's
    permission and jurisdiction over its own task before asking."""
    transport = session.get(TransportRequest, transport_id)
    if transport is None or transport.status == "done":
        return
    transport.status, transport.done_at = "done", now()
    session.flush()
    audit.record(session, actor, "done", "transport_request", transport.id, note="transport: arrival confirmed")


def bed_forecast(session: Session, actor: Principal, day: date) -> dict[str, Any]:
    """Beds free in the actor's jurisdiction on each of the next 14 days from `day`, against the
    people waiting for a place (figures.forecast's totals): the command's evening question."""
    return forecast(session, actor, day)[1]
