"""The registry's JSON API: areas, persons, venues and check-ins under /api/v1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, Security

from fangyi.config import get_settings
from fangyi.deps import ApiUser, SessionDep
from fangyi.identity import mask_id_number, mask_phone
from fangyi.registry import persons as person_service
from fangyi.registry import service
from fangyi.registry.fields import parse_time
from fangyi.registry.models import Area, Checkin, Person, PersonMerge, Venue
from fangyi.registry.persons import checked
from fangyi.registry.schemas import (
    AreaCreate,
    AreaDetail,
    AreaLevel,
    AreaPublic,
    AreaUpdate,
    CheckinCreate,
    CheckinPublic,
    MergeCreate,
    MergePublic,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    VenueCreate,
    VenueKind,
    VenuePublic,
    VenueUpdate,
)
from fangyi.web.http import API_TOKEN, Page, needs, problems, sent_again

router = APIRouter(
    prefix="/api/v1", tags=["registry"], dependencies=[Security(API_TOKEN)], responses=problems(401, 403, 404, 422)
)

MAX_ID = 2**62  # beyond any key either database can hold; larger ids are refused, not crashed on
NO_NUL = r"^[^\x00]*$"

Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=500)]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
AreaCodeQuery = Annotated[str | None, Query(min_length=6, max_length=15, pattern=r"^[0-9]+$")]
SearchText = Annotated[str | None, Query(max_length=100, pattern=NO_NUL)]

# --- areas -----------------------------------------------------------------------


@router.get("/areas", response_model=Page[AreaPublic], summary="Areas in your jurisdiction",
            openapi_extra=needs("read_registry"))
def list_areas(
    session: SessionDep, user: ApiUser, offset: Offset = 0, limit: Limit = 50,
    parent: AreaCodeQuery = None, level: AreaLevel | None = None,
) -> Page[AreaPublic]:
    rows, total = service.list_areas(session, user, parent=parent, level=level, offset=offset, limit=limit)
    return Page[AreaPublic](items=[AreaPublic.model_validate(row) for row in rows], total=total, offset=offset,
                            limit=limit)


AreaPath = Annotated[str, Path(min_length=6, max_length=15, pattern=r"^[0-9]+$")]


def _area_detail(area: Area, children: list[Area]) -> AreaDetail:
    return AreaDetail(**AreaPublic.model_validate(area).model_dump(),
                      children=[AreaPublic.model_validate(child) for child in children])


@router.get("/areas/{code}", response_model=AreaDetail, summary="One area with its children",
            openapi_extra=needs("read_registry"))
def get_area(code: AreaPath, session: SessionDep, user: ApiUser) -> AreaDetail:
    return _area_detail(*service.area_with_children(session, user, code))


@router.post("/areas", response_model=AreaDetail, status_code=201, responses=problems(400, 409),
             summary="Add an area (administrators)", openapi_extra=needs("edit_areas"))
def create_area(body: AreaCreate, session: SessionDep, user: ApiUser) -> AreaDetail:
    area = service.create_area(session, user, body.model_dump())
    session.commit()
    return _area_detail(*service.area_with_children(session, user, area.code))


@router.patch("/areas/{code}", response_model=AreaDetail, responses=problems(400),
              summary="Rename an area or move its centroid", openapi_extra=needs("edit_areas"))
def update_area(code: AreaPath, body: AreaUpdate, session: SessionDep, user: ApiUser) -> AreaDetail:
    area = service.update_area(session, user, code, body.model_dump(exclude_unset=True))
    session.commit()
    return _area_detail(*service.area_with_children(session, user, area.code))


# --- persons ---------------------------------------------------------------------


def _person_public(person: Person, unmasked: bool) -> PersonPublic:
    return PersonPublic(
        id=person.id,
        id_number=person.id_number if unmasked else mask_id_number(person.id_number),
        phone=person.phone if unmasked or person.phone is None else mask_phone(person.phone),
        masked=not unmasked,
        doc_kind=person.doc_kind,
        name=person.name,
        sex=person.sex,
        # The birth date is digits 7-14 of a resident number: showing it would unmask it.
        birth_date=person.birth_date if unmasked else None,
        area_code=person.area_code,
        address=person.address,
        household=person.household.code if person.household else None,
        merged_into_id=person.merged_into_id,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


@router.get("/persons", response_model=Page[PersonPublic],
            summary="Search persons by name, identity number, its last digits, or phone (always masked)",
            openapi_extra=needs("read_registry"))
def list_persons(
    session: SessionDep, user: ApiUser, q: SearchText = None, area: AreaCodeQuery = None,
    offset: Offset = 0, limit: Limit = 50,
) -> Page[PersonPublic]:
    rows, total = person_service.search_persons(session, user, q=q, area_code=area, offset=offset, limit=limit)
    return Page[PersonPublic](items=[_person_public(person, False) for person in rows], total=total, offset=offset,
                              limit=limit)


@router.get("/persons/{person_id}", response_model=PersonPublic,
            summary="One person; ?unmask=true shows the full numbers to roles allowed, and is audited",
            openapi_extra=needs("read_registry"))
def get_person(
    person_id: RecordId, session: SessionDep, user: ApiUser, unmask: bool = False
) -> PersonPublic:
    person = person_service.show_person(session, user, person_id, unmask=unmask)
    if unmask:
        session.commit()
    return _person_public(person, unmask)


@router.post("/persons", response_model=PersonPublic, status_code=201,
             responses=sent_again(PersonPublic, "person") | problems(400, 409),
             summary="Add a person (identity number checked); sent again, the stored one",
             openapi_extra=needs("edit_registry"))
def create_person(body: PersonCreate, session: SessionDep, user: ApiUser, response: Response) -> PersonPublic:
    person, new = person_service.add_person(session, user, body.model_dump())
    session.commit()
    if not new:
        response.status_code = 200
    return _person_public(person, False)


@router.patch("/persons/{person_id}", response_model=PersonPublic, responses=problems(400, 409),
              summary="Change a person's fields; only the fields sent change", openapi_extra=needs("edit_registry"))
def update_person(person_id: RecordId, body: PersonUpdate, session: SessionDep, user: ApiUser) -> PersonPublic:
    person = person_service.update_person(session, user, person_id, body.model_dump(exclude_unset=True))
    session.commit()
    return _person_public(person, False)


def _merge_public(record: PersonMerge) -> MergePublic:
    return MergePublic(
        id=record.id, survivor_id=record.survivor_id, merged_id=record.merged_id,
        moved={key: len(ids) for key, ids in record.moved.items()}, reason=record.reason,
        at=record.at, undone_at=record.undone_at,
    )


@router.post("/persons/{person_id}/merge", response_model=MergePublic, status_code=201,
             responses=problems(400, 409),
             summary="Fold a duplicate record (merged_id) into this one; every link moves",
             openapi_extra=needs("merge_persons"))
def merge_person(person_id: RecordId, body: MergeCreate, session: SessionDep, user: ApiUser) -> MergePublic:
    record = person_service.merge_persons(
        session, user, survivor_id=person_id, merged_id=body.merged_id, reason=body.reason
    )
    session.commit()
    return _merge_public(record)


@router.post("/merges/{merge_id}/undo", response_model=MergePublic, responses=problems(409),
             summary="Undo a merge: the links it moved go back", openapi_extra=needs("merge_persons"))
def undo_merge(merge_id: RecordId, session: SessionDep, user: ApiUser) -> MergePublic:
    record = person_service.undo_merge(session, user, merge_id)
    session.commit()
    return _merge_public(record)


# --- check-ins -------------------------------------------------------------------


def _local(epoch: int) -> datetime:
    # The API refuses stays outside 2000-2100, but an import may not have; such a row must
    # still list (at the calendar's edge) rather than break the whole page.
    epoch = min(max(epoch, -62135596800 + 86400), 253402300799 - 86400)
    return datetime.fromtimestamp(epoch, UTC).astimezone(get_settings().tz)


def _checkin_public(checkin: Checkin, venue: Venue) -> CheckinPublic:
    return CheckinPublic(
        id=checkin.id, person_id=checkin.person_id, venue_id=venue.id, venue_code=venue.code,
        venue_name=venue.name, checked_in_at=_local(checkin.in_at),
        checked_out_at=None if checkin.out_at is None else _local(checkin.out_at),
    )


def _time_query(value: str | None, column: str) -> int | None:
    if value is None:
        return None
    return checked(lambda row: parse_time(row, column, get_settings().tz), {column: value})


FromQuery = Annotated[
    str | None, Query(alias="from", max_length=40, pattern=NO_NUL, description="ISO 8601; local if no offset")
]
ToQuery = Annotated[
    str | None, Query(alias="to", max_length=40, pattern=NO_NUL, description="ISO 8601; local if no offset")
]


@router.get("/persons/{person_id}/checkins", response_model=Page[CheckinPublic], summary="A person's stays",
            openapi_extra=needs("read_registry"))
def person_checkins(
    person_id: RecordId, session: SessionDep, user: ApiUser, offset: Offset = 0, limit: Limit = 50
) -> Page[CheckinPublic]:
    rows, total = service.list_checkins(session, user, person_id=person_id, offset=offset, limit=limit)
    return Page[CheckinPublic](items=[_checkin_public(*row) for row in rows], total=total, offset=offset,
                               limit=limit)


@router.get("/checkins", response_model=Page[CheckinPublic],
            summary="Stays of persons in your jurisdiction, newest first (from inclusive, to exclusive); "
                    "a venue or person outside it is not found",
            openapi_extra=needs("read_registry"))
def list_checkins(
    session: SessionDep, user: ApiUser, venue: OptionalId = None, person: OptionalId = None,
    start: FromQuery = None, end: ToQuery = None,
    offset: Offset = 0, limit: Limit = 50,
) -> Page[CheckinPublic]:
    rows, total = service.list_checkins(
        session, user, venue_id=venue, person_id=person, start=_time_query(start, "from"),
        end=_time_query(end, "to"), offset=offset, limit=limit,
    )
    return Page[CheckinPublic](items=[_checkin_public(*row) for row in rows], total=total, offset=offset,
                               limit=limit)


@router.post("/checkins", response_model=CheckinPublic, status_code=201,
             responses=sent_again(CheckinPublic, "stay") | problems(400, 409),
             summary="Record a stay; sending the same stay again returns it (200) instead of a duplicate",
             openapi_extra=needs("edit_registry"))
def create_checkin(body: CheckinCreate, response: Response, session: SessionDep, user: ApiUser) -> CheckinPublic:
    checkin, venue, created = service.record_checkin(session, user, body.model_dump())
    session.commit()
    if not created:
        response.status_code = 200
    return _checkin_public(checkin, venue)


# --- venues ----------------------------------------------------------------------


@router.get("/venues", response_model=Page[VenuePublic], summary="Venues in your jurisdiction",
            openapi_extra=needs("read_registry"))
def list_venues(
    session: SessionDep, user: ApiUser, kind: VenueKind | None = None,
    area: AreaCodeQuery = None, q: SearchText = None, offset: Offset = 0, limit: Limit = 50,
) -> Page[VenuePublic]:
    rows, total = service.list_venues(session, user, kind=kind, area_code=area, q=q, offset=offset, limit=limit)
    return Page[VenuePublic](items=[VenuePublic.model_validate(row) for row in rows], total=total, offset=offset,
                             limit=limit)


@router.get("/venues/{venue_id}", response_model=VenuePublic, summary="One venue", openapi_extra=needs("read_registry"))
def get_venue(venue_id: RecordId, session: SessionDep, user: ApiUser) -> VenuePublic:
    return VenuePublic.model_validate(service.get_venue(session, user, venue_id))


@router.post("/venues", response_model=VenuePublic, status_code=201,
             responses=sent_again(VenuePublic, "venue") | problems(400, 409),
             summary="Add a venue (its QR code's id); sent again, the stored one",
             openapi_extra=needs("edit_registry"))
def create_venue(body: VenueCreate, session: SessionDep, user: ApiUser, response: Response) -> VenuePublic:
    venue, new = service.add_venue(session, user, body.model_dump())
    session.commit()
    if not new:
        response.status_code = 200
    return VenuePublic.model_validate(venue)


@router.patch("/venues/{venue_id}", response_model=VenuePublic, responses=problems(400, 409),
              summary="Change a venue; only the fields sent change", openapi_extra=needs("edit_registry"))
def update_venue(venue_id: RecordId, body: VenueUpdate, session: SessionDep, user: ApiUser) -> VenuePublic:
    venue = service.update_venue(session, user, venue_id, body.model_dump(exclude_unset=True))
    session.commit()
    return VenuePublic.model_validate(venue)
