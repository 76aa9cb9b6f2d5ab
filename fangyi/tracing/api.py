"""The tracing JSON API under /api/v1: cases, their trace, and the tracers' decisions on contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import can
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.config import get_settings
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Invalid
from fangyi.identity import mask_id_number
from fangyi.registry.models import Person
from fangyi.registry.persons import FieldError
from fangyi.timeutil import aware
from fangyi.tracing import cases as service
from fangyi.tracing import chains, investigation, review
from fangyi.tracing import contacts as contact_service
from fangyi.tracing import importer as _importer  # noqa: F401  (the cases import kind)
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.schemas import (
    CaseCreate,
    CasePublic,
    CaseUpdate,
    ChainPublic,
    ClusterPublic,
    ContactPublic,
    InvestigationPublic,
    NamedCreate,
    NamedPublic,
    PlaceCreate,
    PlacePublic,
    QuarantineBody,
    ReachBody,
    ReachPublic,
    RejectBody,
    RuleOutBody,
    TracePage,
    TraceReason,
    TraceReport,
)
from fangyi.tracing.trace import contact_page, report_text, show_reason
from fangyi.web.http import Page, needs, problems, sent_again

router = APIRouter(prefix="/api/v1", tags=["tracing"], responses=problems(401, 403, 404, 422))

CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")]
ContactId = Annotated[int, Path(ge=1, le=2**62)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _as_row(values: dict[str, Any], tz: ZoneInfo) -> dict[str, str | None]:
    def plain(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=tz)).isoformat()
        return str(value) if not hasattr(value, "isoformat") else value.isoformat()

    return {key: plain(value) for key, value in values.items()}


def _fields(values: dict[str, Any]) -> service.CaseFields:
    tz = get_settings().tz
    try:
        return service.clean_case(_as_row(values, tz), tz)
    except FieldError as exc:
        raise Invalid(f"{exc.column}: {exc.reason}", column=exc.column) from None
    except OverflowError:
        raise Invalid("a time is out of range") from None


def _counts(session: Session, case_ids: list[int]) -> dict[tuple[int, str], int]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(Contact.case_id, Contact.degree, func.count(func.distinct(Contact.person_id)))
        .where(Contact.case_id.in_(case_ids), Contact.stale.is_(False), Contact.status != "rejected")
        .group_by(Contact.case_id, Contact.degree)
    ).all()
    return {(case_id, degree): int(n) for case_id, degree, n in rows}


def _public(session: Session, user: User, case: Case, person: Person, counts: dict[tuple[int, str], int]) -> CasePublic:
    unmasked = can(user.role, "see_identity")
    source = session.get(Case, case.infected_by_case_id) if case.infected_by_case_id else None
    return CasePublic(
        case_no=case.case_no, person_id=person.id,
        id_number=person.id_number if unmasked else mask_id_number(person.id_number), masked=not unmasked,
        name=person.name, area_code=person.area_code, classification=case.classification,
        onset_date=case.onset_date, sampled_at=case.sampled_at, confirmed_at=case.confirmed_at, source=case.source,
        origin=case.origin, infected_by=source.case_no if source else None, isolated_at=case.isolated_at,
        found_by=case.found_by, last_negative_at=case.last_negative_at,
        derived_at=case.derived_at, close_contacts=counts.get((case.id, "close"), 0),
        secondary_contacts=counts.get((case.id, "secondary"), 0), created_at=case.created_at,
        updated_at=case.updated_at, ruled_out_at=case.ruled_out_at, ruled_out_reason=case.ruled_out_reason,
    )


def _one(session: Session, user: User, case: Case) -> CasePublic:
    person = session.get(Person, case.person_id)
    assert person is not None
    return _public(session, user, case, person, _counts(session, [case.id]))


@router.get("/cases", openapi_extra=needs("read_cases"),
            response_model=Page[CasePublic], summary="Cases in your jurisdiction, newest first")
def list_cases(session: SessionDep, user: ApiUser, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    rows, total = service.list_cases(session, user, offset=offset, limit=limit)
    counts = _counts(session, [case.id for case, _ in rows])
    items = [_public(session, user, case, person, counts) for case, person in rows]
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@router.post("/cases", openapi_extra=needs("edit_cases"), response_model=CasePublic, status_code=201,
             responses=sent_again(CasePublic, "case") | problems(409),
             summary="Enter a case; its contacts are derived at once. Sent again, the stored case")
def create_case(body: CaseCreate, session: SessionDep, user: ApiUser, response: Response) -> CasePublic:
    case, new = service.add_case(session, user, _fields(body.model_dump()))
    session.commit()
    if not new:
        response.status_code = 200
    return _one(session, user, case)


@router.get("/cases/{case_no}", openapi_extra=needs("read_cases"), response_model=CasePublic, summary="One case")
def get_case(case_no: CaseNo, session: SessionDep, user: ApiUser) -> CasePublic:
    return _one(session, user, service.get_case(session, user, case_no))


@router.patch("/cases/{case_no}", openapi_extra=needs("edit_cases"),
              response_model=CasePublic, summary="Change a case; contacts are derived again")
def update_case(case_no: CaseNo, body: CaseUpdate, session: SessionDep, user: ApiUser) -> CasePublic:
    case = service.get_case(session, user, case_no, need="edit_cases")
    current = service.case_fields(session, case).__dict__ | body.model_dump(exclude_unset=True)
    case = service.update_case(session, user, case, _fields(current))
    session.commit()
    return _one(session, user, case)


@router.post("/cases/{case_no}/rule-out", openapi_extra=needs("edit_cases"),
             response_model=CasePublic, responses=problems(409),
             summary="Rule a case out, with a reason; whoever is downstream is flagged for review")
def rule_out(case_no: CaseNo, body: RuleOutBody, session: SessionDep, user: ApiUser) -> CasePublic:
    """The case leaves the daily counts from today; its contacts stay on the lists, flagged for
    review in the tracers' queue, and everyone in quarantine for it gets a review alert.
    409 when the case was ruled out already."""
    case = review.rule_out_case(session, user, case_no, body.reason)
    session.commit()
    return _one(session, user, case)


def _trace(session: Session, user: User, case: Case) -> Response:
    """The whole report as JSON text written a batch of contacts at a time (trace.report_text): for a
    heavy case's 30,000 contacts, no list of dicts and no model per contact and reason to validate
    (TraceReport's shape, which the entries have already: the tests compare the two)."""
    unmasked = can(user.role, "see_identity")
    if unmasked:
        audit.record(session, user, "view_identity", "case", case.id, note="trace")
        session.commit()
    text = "".join(report_text(session, case, unmasked=unmasked, indent=False))
    return Response(text, media_type="application/json")


@router.get("/cases/{case_no}/trace", openapi_extra=needs("read_cases"),
            response_model=None, responses={200: {"model": TraceReport}},
            summary="Close and secondary close contacts, as `fangyi trace --json`")
def get_trace(case_no: CaseNo, session: SessionDep, user: ApiUser) -> Response:
    return _trace(session, user, service.get_case(session, user, case_no))


@router.get("/cases/{case_no}/trace/{degree}", openapi_extra=needs("read_cases"),
            response_model=TracePage, response_model_exclude_none=True,
            summary="One page of the close or secondary contacts, in the trace's order and shape")
def get_trace_page(case_no: CaseNo, degree: Annotated[str, Path(pattern="^(close|secondary)$")],
                   session: SessionDep, user: ApiUser, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    """A heavy case's lists a page at a time: the first page of 17,000 secondary contacts costs
    what a page does, not the whole trace."""
    case = service.get_case(session, user, case_no)
    unmasked = can(user.role, "see_identity")
    if unmasked:
        audit.record(session, user, "view_identity", "case", case.id, note=f"trace {degree} from {offset}")
        session.commit()
    page = contact_page(session, case, degree, limit=limit, offset=offset, unmasked=unmasked)
    return {"case_no": case.case_no, "degree": degree, "offset": offset, "contacts": page,
            "next_offset": offset + limit if len(page) == limit else None}


@router.post("/cases/{case_no}/derive", openapi_extra=needs("edit_cases"),
             response_model=None, responses={200: {"model": TraceReport}},
             summary="Derive the contacts again from the records (tracer decisions are kept)")
def derive(case_no: CaseNo, session: SessionDep, user: ApiUser) -> Response:
    case = service.get_case(session, user, case_no, need="edit_cases")
    contact_service.refresh(session, user, case)
    session.commit()
    return _trace(session, user, case)


def _contact_public(user: User, contact: Contact, person: Person) -> ContactPublic:
    unmasked = can(user.role, "see_identity")
    return ContactPublic(
        id=contact.id, person_id=person.id,
        id_number=person.id_number if unmasked else mask_id_number(person.id_number), name=person.name,
        degree=contact.degree, status=contact.status, first_exposure=contact.first_exposure,
        last_exposure=contact.last_exposure,
        reasons=[TraceReason.model_validate(show_reason(r)) for r in contact.reasons],
        via=list(contact.via), quarantined_at=contact.quarantined_at, decided_at=contact.decided_at,
        reject_reason=contact.reject_reason, stale=contact.stale,
    )


@router.get("/cases/{case_no}/contacts", openapi_extra=needs("read_cases"), response_model=list[ContactPublic],
            summary="Every stored contact of a case, with decisions; stale and rejected ones too")
def list_contacts(case_no: CaseNo, session: SessionDep, user: ApiUser) -> list[ContactPublic]:
    case = service.get_case(session, user, case_no)
    rows = session.execute(
        select(Contact, Person).join(Person, Person.id == Contact.person_id)
        .where(Contact.case_id == case.id).order_by(Contact.degree, Person.id_number)
    ).all()
    return [_contact_public(user, contact, person) for contact, person in rows]


def _after(session: Session, user: User, contact: Contact) -> ContactPublic:
    session.commit()
    person = session.get(Person, contact.person_id)
    assert person is not None
    return _contact_public(user, contact, person)


@router.post("/contacts/{contact_id}/confirm", openapi_extra=needs("edit_cases"),
             response_model=ContactPublic, summary="Confirm a derived contact")
def confirm(contact_id: ContactId, session: SessionDep, user: ApiUser) -> ContactPublic:
    return _after(session, user, contact_service.confirm_contact(session, user, contact_id))


@router.post("/contacts/{contact_id}/reject", openapi_extra=needs("edit_cases"),
             response_model=ContactPublic, summary="Reject a contact, with a reason")
def reject(contact_id: ContactId, body: RejectBody, session: SessionDep, user: ApiUser) -> ContactPublic:
    return _after(session, user, contact_service.reject_contact(session, user, contact_id, body.reason))


@router.post("/contacts/{contact_id}/quarantine", openapi_extra=needs("edit_cases"), response_model=ContactPublic,
             summary="Record when a contact's quarantine started; their secondary contacts follow")
def quarantine(contact_id: ContactId, body: QuarantineBody, session: SessionDep, user: ApiUser) -> ContactPublic:
    at = aware(body.quarantined_at)
    return _after(session, user, contact_service.set_quarantined_at(session, user, contact_id, at))


@router.post("/contacts/{contact_id}/reach", openapi_extra=needs("edit_cases"),
             response_model=ReachPublic, status_code=201,
             summary="Log a call or visit: reached, no answer, wrong number, refused")
def reach(contact_id: ContactId, body: ReachBody, session: SessionDep, user: ApiUser) -> BaseModel:
    attempt = contact_service.log_reach_attempt(session, user, contact_id, body.outcome, body.note)
    session.commit()
    return ReachPublic.model_validate(attempt)


# --- the investigation: the case's own account ------------------------------------


def _investigation(session: Session, user: User, case: Case) -> InvestigationPublic:
    unmasked = can(user.role, "see_identity")
    places, named = investigation.investigation_of(session, case)
    return InvestigationPublic(
        places=[PlacePublic(id=p.id, venue_code=v.code, venue_name=v.name, kind=v.kind, start_at=p.start_at,
                            end_at=p.end_at, note=p.note) for p, v in places],
        named=[NamedPublic(id=n.id, person_id=p.id, id_number=p.id_number if unmasked else mask_id_number(p.id_number),
                           name=p.name, relationship=n.relationship, last_contact_at=n.last_contact_at, note=n.note)
               for n, p in named],
    )


@router.get("/cases/{case_no}/investigation", openapi_extra=needs("read_cases"), response_model=InvestigationPublic,
            summary="The places and people the case gave in the interview")
def get_investigation(case_no: CaseNo, session: SessionDep, user: ApiUser) -> InvestigationPublic:
    return _investigation(session, user, service.get_case(session, user, case_no))


@router.post("/cases/{case_no}/places", openapi_extra=needs("edit_cases"),
             response_model=InvestigationPublic, status_code=201,
             summary="Add a place and time from the interview; contacts are derived again")
def add_place(case_no: CaseNo, body: PlaceCreate, session: SessionDep, user: ApiUser) -> InvestigationPublic:
    case = service.get_case(session, user, case_no, need="edit_cases")
    new = investigation.NewPlace(**body.new_place.model_dump()) if body.new_place else None
    investigation.add_place(session, user, case, start_at=aware(body.start_at), end_at=aware(body.end_at),
                            venue_code=body.venue_code, new_place=new, note=body.note)
    session.commit()
    return _investigation(session, user, case)


@router.post("/cases/{case_no}/named-contacts", openapi_extra=needs("edit_cases"),
             response_model=InvestigationPublic, status_code=201,
             summary="Add someone the case named; contacts are derived again")
def add_named(case_no: CaseNo, body: NamedCreate, session: SessionDep, user: ApiUser) -> InvestigationPublic:
    case = service.get_case(session, user, case_no, need="edit_cases")
    investigation.add_named_contact(session, user, case, id_number=body.id_number, relationship=body.relationship,
                                    last_contact_at=aware(body.last_contact_at), note=body.note)
    session.commit()
    return _investigation(session, user, case)


# --- chains ----------------------------------------------------------------------


@router.get("/clusters", openapi_extra=needs("read_cases"), response_model=list[ClusterPublic],
            summary="Clusters of linked cases (source links, contacts, shared contacts), largest first")
def list_clusters(session: SessionDep, user: ApiUser) -> list[chains.Cluster]:
    return service.clusters_seen(session, user)


@router.get("/cases/{case_no}/chain", openapi_extra=needs("read_cases"), response_model=ChainPublic,
            summary="The cluster of one case, with a Plotly figure of its chain")
def get_chain(case_no: CaseNo, session: SessionDep, user: ApiUser) -> ChainPublic:
    case = service.get_case(session, user, case_no)
    cluster = service.cluster_of(session, user, case)
    return ChainPublic(cluster=ClusterPublic.model_validate(cluster), figure=chains.chain_figure(cluster))


