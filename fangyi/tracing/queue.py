"""The tracers' queue: contacts assigned by where they live, balanced by the day's load;
reassignment by a coordinator, hand-over for quarantine, and the counts that show progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from fangyi.access import Principal, Role, in_jurisdiction, require
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.errors import Conflict, Invalid
from fangyi.quarantine import service as quarantine
from fangyi.quarantine.models import Placement
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds, now
from fangyi.tracing.assignment import reach_of
from fangyi.tracing.contacts import get_contact
from fangyi.tracing.models import Case, Contact, ReachAttempt

OPEN = and_(
    Contact.status != "rejected",
    or_(Contact.stale.is_(False), Contact.status == "confirmed"),
    Contact.handed_over_at.is_(None),
    # Confirmed with the start of a quarantine that is running (a placement, for an earlier case):
    # nothing is left to reach or hand over. A start recorded without one (a self-reported start
    # at home, not handed over yet) leaves the contact in the queue.
    or_(Contact.status != "confirmed", Contact.quarantined_at.is_(None),
        ~exists().where(Placement.person_id == Contact.person_id, Placement.status == "active")),
)


def reassign(session: Session, actor: Principal, contact_id: int, tracer_id: int) -> Contact:
    """A coordinator moves a contact to another tracer who covers the person's area."""
    require(actor, "assign_contacts")
    contact = get_contact(session, actor, contact_id)
    tracer = session.get(User, tracer_id)
    if tracer is None or tracer.role != Role.tracer.value or not tracer.active:
        raise Invalid(f"user {tracer_id} is not an active tracer", column="tracer_id")
    person = session.get(Person, contact.person_id)
    assert person is not None
    if not person.area_code.startswith(reach_of(tracer.area_code)):
        raise Invalid(f"{tracer.username}'s jurisdiction does not hold area {person.area_code}", column="tracer_id")
    before = contact.assigned_to_id
    contact.assigned_to_id, contact.assigned_at = tracer.id, now()
    session.flush()
    audit.record(session, actor, "assign", "contact", contact.id, before={"assigned_to_id": before},
                 after={"assigned_to_id": tracer.id})
    return contact


def hand_over(session: Session, actor: Principal, contact_id: int) -> Contact:
    """Hand a confirmed contact over for quarantine: the placement request the quarantine part takes."""
    require(actor, "edit_cases")
    contact = get_contact(session, actor, contact_id)
    if contact.status != "confirmed":
        raise Invalid("only a confirmed contact is handed over for quarantine", column="status")
    if contact.handed_over_at is not None:
        raise Conflict(f"contact {contact.id} was handed over already")
    # A conditional write claims the hand-over: of two clicks at once, the database lets one through.
    moment = now()
    claimed = session.execute(update(Contact).where(Contact.id == contact.id, Contact.handed_over_at.is_(None))
                              .values(handed_over_at=moment), execution_options={"synchronize_session": False})
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"contact {contact.id} was handed over already")
    set_committed_value(contact, "handed_over_at", moment)
    audit.record(session, actor, "hand_over", "contact", contact.id,
                 after={"handed_over_at": moment.isoformat()})
    # The hand-over is the quarantine part's placement request, made in the same transaction.
    quarantine.request_placements(session, actor, [wanted(contact)])
    return contact


def wanted(contact: Contact) -> quarantine.Wanted:
    """What quarantine needs of a contact to place it and run its clock."""
    return quarantine.Wanted(
        person_id=contact.person_id, category="close_contact" if contact.degree == "close" else "secondary_contact",
        last_exposure=contact.last_exposure, reason=f"contact {contact.id} of case {contact.case_id}",
        source="tracing", contact_id=contact.id, linked_person_ids=tuple(contact.via or ()))


def send_handed_over(session: Session, actor: Principal) -> list[quarantine.PlacementRequest]:
    """Every contact in the actor's jurisdiction handed over for quarantine, sent again: quarantine
    makes the requests it does not have yet (a hand-over from before it took them itself)."""
    require(actor, "edit_cases")
    contacts = session.scalars(
        select(Contact).join(Person, Person.id == Contact.person_id)
        .where(Contact.status == "confirmed", Contact.handed_over_at.is_not(None),
               in_jurisdiction(actor, Person.area_code)).order_by(Contact.id)).all()
    return quarantine.request_placements(session, actor, [wanted(contact) for contact in contacts])


def may_read_queue(who: Principal) -> None:
    require(who, "read_cases")


def queue(
    session: Session,
    user: User,
    *,
    tracer_id: int | None = None,
    area_code: str | None = None,
    case_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[tuple[Contact, Person, str]], int]:
    """Open contacts (to decide, reach or hand over) in the user's jurisdiction; a tracer's own by default."""
    require(user, "read_cases")
    if tracer_id is None and user.role == Role.tracer.value:
        tracer_id = user.id
    query = (
        select(Contact, Person, Case.case_no).join(Person, Person.id == Contact.person_id)
        .join(Case, Case.id == Contact.case_id).where(OPEN, in_jurisdiction(user, Person.area_code))
    )
    if tracer_id is not None:
        query = query.where(Contact.assigned_to_id == tracer_id)
    if case_id is not None:
        query = query.where(Contact.case_id == case_id)
    if status:
        query = query.where(Contact.status == status)
    if area_code:
        try:
            query = query.where(Person.area_code.startswith(prefix(area_code), autoescape=True))
        except AreaCodeError as exc:
            raise Invalid(str(exc), column="area") from None
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Close contacts first, then who was exposed earliest: the most urgent calls.
    rows = session.execute(
        query.order_by(Contact.degree, Contact.first_exposure, Contact.id).offset(offset).limit(limit)
    ).all()
    return [(contact, person, case_no) for contact, person, case_no in rows], total


def progress(session: Session, who: Principal, *, case_id: int | None = None,
             day: date | None = None) -> dict[str, int]:
    """Counts of derived, confirmed, reached, unreached and handed-over contacts living in the
    reader's jurisdiction: for a case (as they stand), or for a day (what happened that day)."""
    require(who, "read_cases")
    seen = Contact.person_id.in_(select(Person.id).where(in_jurisdiction(who, Person.area_code)))
    reached = exists().where(ReachAttempt.contact_id == Contact.id, ReachAttempt.outcome == "reached")
    listed = and_(Contact.status != "rejected", or_(Contact.stale.is_(False), Contact.status == "confirmed"))

    def count(*where: ColumnElement[bool]) -> int:
        scope = [Contact.case_id == case_id] if case_id is not None else [seen]
        return int(session.scalar(select(func.count()).select_from(Contact).where(*scope, *where)) or 0)

    if day is None:
        return {
            "derived": count(listed), "confirmed": count(Contact.status == "confirmed"),
            "reached": count(Contact.status == "confirmed", reached),
            "unreached": count(Contact.status == "confirmed", ~reached),
            "handed_over": count(Contact.handed_over_at.is_not(None)),
        }
    start, end = day_bounds(day)
    reached_that_day = exists().where(
        ReachAttempt.contact_id == Contact.id, ReachAttempt.outcome == "reached", ReachAttempt.at >= start,
        ReachAttempt.at < end,
    )
    confirmed_by_end = and_(Contact.status == "confirmed", Contact.decided_at < end)
    reached_by_end = exists().where(
        ReachAttempt.contact_id == Contact.id, ReachAttempt.outcome == "reached", ReachAttempt.at < end
    )
    return {
        "derived": count(Contact.created_at >= start, Contact.created_at < end),
        "confirmed": count(Contact.status == "confirmed", Contact.decided_at >= start, Contact.decided_at < end),
        "reached": count(reached_that_day),
        "unreached": count(confirmed_by_end, ~reached_by_end),
        "handed_over": count(Contact.handed_over_at >= start, Contact.handed_over_at < end),
    }


def tracer_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows: Any = session.execute(select(User.id, User.username).where(User.id.in_(sorted(ids))))
    return {int(user_id): str(name) for user_id, name in rows}
