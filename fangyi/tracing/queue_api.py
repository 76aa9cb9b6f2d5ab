"""The tracers' queue over the API: what to do next (contacts, and index-turned events),
reassignment, hand-over, progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import can
from fangyi.auth.models import User
from fangyi.deps import ApiUser, SessionDep
from fangyi.identity import mask_id_number, mask_phone
from fangyi.quarantine.schemas import RequestOut
from fangyi.quarantine.service import IndexTurned, traced_at
from fangyi.registry.models import Person
from fangyi.tracing import cases as case_service
from fangyi.tracing import queue as service
from fangyi.tracing import review
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.schemas import AffectedContact, AssignBody, IndexTurnedItem, Progress, QueueItem, QueuePage
from fangyi.web.http import needs, problems

router = APIRouter(prefix="/api/v1", tags=["tracing"], responses=problems(401, 403, 404, 422))

ContactId = Annotated[int, Path(ge=1, le=2**62)]
CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")]


def _item(user: User, contact: Contact, person: Person, case_no: str, names: dict[int, str],
          flagged: bool = False) -> QueueItem:
    unmasked = can(user.role, "see_identity")
    return QueueItem(
        contact_id=contact.id, case_no=case_no, person_id=person.id,
        id_number=person.id_number if unmasked else mask_id_number(person.id_number), name=person.name,
        phone=person.phone if unmasked or person.phone is None else mask_phone(person.phone),
        area_code=person.area_code, degree=contact.degree, status=contact.status,
        first_exposure=contact.first_exposure, last_exposure=contact.last_exposure,
        assigned_to=names.get(contact.assigned_to_id) if contact.assigned_to_id else None,
        quarantined_at=contact.quarantined_at, review=flagged,
    )


@router.get("/queue", openapi_extra=needs("read_cases"), response_model=QueuePage,
            summary="Open contacts to confirm, reach or hand over (a tracer's own by default), and the "
                    "index-turned events to act on")
def get_queue(
    session: SessionDep, user: ApiUser,
    tracer_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    area: Annotated[str | None, Query(min_length=6, max_length=15, pattern=r"^[0-9]+$")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    rows, total = service.queue(session, user, tracer_id=tracer_id, area_code=area, offset=offset, limit=limit)
    names = service.tracer_names(session, {c.assigned_to_id for c, _, _ in rows if c.assigned_to_id})
    ruled_out = _ruled_out(session, {contact.case_id for contact, _, _ in rows})
    items = [_item(user, contact, person, case_no, names, contact.case_id in ruled_out)
             for contact, person, case_no in rows]
    events = [_event(user, event) for event in review.index_turned(session, user)]
    return {"items": items, "total": total, "offset": offset, "limit": limit, "index_turned": events}


def _ruled_out(session: Session, case_ids: set[int]) -> set[int]:
    if not case_ids:
        return set()
    return {int(i) for i in session.scalars(select(Case.id).where(Case.id.in_(sorted(case_ids)),
                                                                   Case.ruled_out_at.is_not(None)))}


def _event(user: User, event: IndexTurned) -> IndexTurnedItem:
    unmasked = can(user.role, "see_identity")
    index = event.index
    return IndexTurnedItem(
        person_id=index.id, name=index.name,
        id_number=index.id_number if unmasked else mask_id_number(index.id_number),
        placement_id=event.placement.id if event.placement else None, placement=event.where, at=event.at,
        handled=all(traced_at(a.alert) is not None for a in event.affected),
        affected=[AffectedContact(
            alert_id=a.alert.id, person_id=a.person.id, name=a.person.name, area_code=a.person.area_code,
            placement_id=a.placement.id if a.placement else None,
            placement_status=a.placement.status if a.placement else None,
            category=a.placement.category if a.placement else None,
        ) for a in event.affected],
    )


@router.post("/queue/index-turned/{person_id}/handled", openapi_extra=needs("edit_cases"),
             response_model=IndexTurnedItem,
             responses=problems(409),
             summary="Mark an index turning handled: the new close contacts were traced")
def index_turned_handled(person_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
                         user: ApiUser) -> IndexTurnedItem:
    """`person_id` is the close contact who turned positive. 404 when no index-turned alert of
    theirs concerns your jurisdiction; 409 when it was marked handled already."""
    review.handle_index_turned(session, user, person_id)
    session.commit()
    found = [e for e in review.index_turned(session, user, include_handled=True) if e.index.id == person_id]
    return _event(user, found[0])


@router.post("/contacts/{contact_id}/assign", openapi_extra=needs("assign_contacts"), response_model=QueueItem,
             summary="Give a contact to another tracer (coordinators)")
def assign(contact_id: ContactId, body: AssignBody, session: SessionDep, user: ApiUser) -> QueueItem:
    contact = service.reassign(session, user, contact_id, body.tracer_id)
    session.commit()
    return _one(session, user, contact)


@router.post("/contacts/{contact_id}/hand-over", openapi_extra=needs("edit_cases"), response_model=QueueItem,
             summary="Hand a confirmed contact over for quarantine")
def hand_over(contact_id: ContactId, session: SessionDep, user: ApiUser) -> QueueItem:
    contact = service.hand_over(session, user, contact_id)
    session.commit()
    return _one(session, user, contact)


def _one(session: SessionDep, user: User, contact: Contact) -> QueueItem:
    person = session.get(Person, contact.person_id)
    case = case_service.get_case_by_id(session, contact.case_id)
    assert person is not None
    names = service.tracer_names(session, {contact.assigned_to_id} if contact.assigned_to_id else set())
    return _item(user, contact, person, case.case_no, names, case.ruled_out_at is not None)


@router.get("/cases/{case_no}/progress", openapi_extra=needs("read_cases"), response_model=Progress,
            summary="Derived, confirmed, reached, unreached and handed-over contacts of a case")
def case_progress(case_no: CaseNo, session: SessionDep, user: ApiUser) -> dict[str, int]:
    case = case_service.get_case(session, user, case_no)
    return service.progress(session, user, case_id=case.id)


@router.get("/tracing/progress", openapi_extra=needs("read_cases"),
            response_model=Progress, summary="What the tracers did on a local day")
def day_progress(session: SessionDep, user: ApiUser, day: Annotated[date, Query(alias="date")]) -> dict[str, int]:
    return service.progress(session, user, day=day)


@router.post("/quarantine/requests/from-tracing", openapi_extra=needs("edit_cases"),
             response_model=list[RequestOut], tags=["quarantine"],
             summary="Send every contact handed over in your jurisdiction to quarantine again: the requests it "
                     "did not have yet are made")
def send_handed_over(session: SessionDep, user: ApiUser) -> list[RequestOut]:
    made = service.send_handed_over(session, user)
    session.commit()
    return [RequestOut.of(request) for request in made]
