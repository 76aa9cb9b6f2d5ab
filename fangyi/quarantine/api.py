"""The quarantine JSON API under /api/v1/quarantine: sites and boards, requests, allocation, checks,
tests, release, cleaning, alerts, transport requests and the beds forecast."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security
from sqlalchemy import select

from fangyi.access import check_area, in_jurisdiction, require
from fangyi.auth.models import User
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Conflict, NotFound
from fangyi.quarantine import board as read
from fangyi.quarantine import care, placing
from fangyi.quarantine import importer as _importer  # noqa: F401  (the rooms import kind)
from fangyi.quarantine.figures import forecast
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, QuarantineSite, Room, TransportRequest
from fangyi.quarantine.schemas import (
    AlertOut,
    AllocationIn,
    AllocationOut,
    CheckIn,
    CheckOut,
    ForecastOut,
    PlacementOut,
    ReleaseIn,
    RequestIn,
    RequestOut,
    SiteBoard,
    SiteIn,
    SiteOut,
    TestIn,
    TestOut,
    TransferIn,
    TransportOut,
)
from fangyi.registry.models import Person
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, problems

router = APIRouter(prefix="/api/v1/quarantine", tags=["quarantine"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

SiteCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _site_out(line: read.SiteLine) -> dict[str, Any]:
    s = line.site
    return {"code": s.code, "name": s.name, "area_code": s.area_code, "address": s.address, "lat": s.lat,
            "lon": s.lon, "contact": s.contact, "staff": s.staff, "rooms": line.rooms, "beds": line.beds,
            "beds_free": line.beds_free}


@router.get("/sites", response_model=list[SiteOut], summary="Centralized sites in your jurisdiction")
def list_sites(session: SessionDep, user: ApiUser) -> list[dict[str, Any]]:
    return [_site_out(line) for line in read.sites(session, user)]


@router.get("/sites/{code}", response_model=SiteBoard, responses=problems(404),
            summary="A site's rooms and who is in each")
def get_site(code: SiteCode, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    the_board = read.board(session, user, code, today())
    line = read.site_line(session, user, the_board.site.id)
    rooms = [{"id": room.id, "room": room.room, "beds": room.beds, "state": room.state,
              "occupants": [o.placement.id for o in people]} for room, people in the_board.rooms]
    return _site_out(line) | {"room_list": rooms}


@router.patch("/sites/{code}", response_model=SiteOut, responses=problems(404),
              summary="A site's address, contact and staff")
def patch_site(code: SiteCode, body: SiteIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    site = read.site_by_code(session, user, code)
    care.update_site(session, user, site, **body.model_dump(exclude_unset=True))
    session.commit()
    return _site_out(read.site_line(session, user, site.id))


def _request_out(request: PlacementRequest) -> dict[str, Any]:
    return {k: getattr(request, k) for k in ("id", "person_id", "category", "reason", "source", "contact_id",
                                             "last_exposure", "status")} | {
        "linked_person_ids": list(request.linked_person_ids or [])}


@router.get("/requests", response_model=list[RequestOut], summary="Open placement requests, oldest first")
def list_requests(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[dict[str, Any]]:
    require(user, "read_quarantine")
    rows = session.scalars(select(PlacementRequest).join(Person, Person.id == PlacementRequest.person_id)
                           .where(PlacementRequest.status == "open", in_jurisdiction(user, Person.area_code))
                           .order_by(PlacementRequest.id).limit(limit)).all()
    return [_request_out(r) for r in rows]


@router.post("/requests", response_model=RequestOut, status_code=201, responses=problems(404),
             summary="A placement request typed by the command office")
def post_request(body: RequestIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "allocate")
    person = session.get(Person, body.person_id)
    if person is None:
        raise NotFound(f"person {body.person_id} not found")
    check_area(user, person.area_code)
    exposure = aware(body.last_exposure)
    assert exposure is not None
    request = placing.create_request(session, user, person_id=person.id, category=body.category,
                                     reason=body.reason, last_exposure=exposure, source=body.source,
                                     linked_person_ids=body.linked_person_ids)
    session.commit()
    return _request_out(request)


@router.post("/allocations", response_model=AllocationOut, status_code=201, responses=problems(404, 409),
             summary="Place a batch by free rooms and distance; the command office may name rooms")
def post_allocation(body: AllocationIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    rooms: dict[int, int | str] = {}
    for key, target in body.rooms.items():
        if not key.isdigit() or len(key) > 18:
            raise NotFound(f"placement request {key[:40]} not found")
        rooms[int(key)] = target
    outcome = placing.allocate(session, user, body.request_ids, rooms=rooms, partial=body.partial)
    session.commit()
    return {"placements": outcome.placements, "transports": outcome.transports,
            "unplaced": {str(k): v for k, v in outcome.unplaced.items()}}


@router.get("/placements/{placement_id}", response_model=PlacementOut, responses=problems(404),
            summary="A placement with its test days, release date and what is still missing")
def get_placement(placement_id: ItemId, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    return read.placement_view(session, read.placement_for(session, user, placement_id), today())


def _placed(session: SessionDep, user: User, person_id: int) -> Placement:
    placement = read.active_for_person(session, user, person_id)
    if placement is None:
        raise Conflict(f"person {person_id} is not in quarantine", column="person_id")
    return placement


@router.post("/checks", response_model=CheckOut, status_code=201, responses=problems(404, 409),
             summary="A health check; a fever raises an alert, a hospital transport and a single test")
def post_check(body: CheckIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "record_checks")
    _placed(session, user, body.person_id)
    check, alert = care.record_check(session, user, person_id=body.person_id, temperature=body.temperature,
                                     symptoms=body.symptoms, at=aware(body.at))
    session.commit()
    return {"id": check.id, "placement_id": check.placement_id, "temperature": check.temperature,
            "symptoms": check.symptoms, "at": check.at, "alert_id": alert.id if alert else None}


@router.post("/tests", response_model=TestOut, status_code=201, responses=problems(404, 409),
             summary="A test result on the clock's day, or the single test an alert asked for")
def post_test(body: TestIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "record_checks")
    _placed(session, user, body.person_id)
    sampled = aware(body.sampled_at)
    assert sampled is not None
    record = care.record_test(session, user, person_id=body.person_id, result=body.result, sampled_at=sampled,
                              day=body.day, phase=body.phase, reagent=body.reagent)
    session.commit()
    return {k: getattr(record, k) for k in ("id", "placement_id", "phase", "day", "result", "reagent",
                                            "sampled_at")}


@router.post("/placements/{placement_id}/release", response_model=PlacementOut, responses=problems(404, 409),
             summary="Release when days and tests are met; earlier only by a commander with a reason")
def post_release(placement_id: ItemId, body: ReleaseIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    read.placement_for(session, user, placement_id)
    done = care.release(session, user, placement_id, on=body.on, override_reason=body.override_reason)
    session.commit()
    return read.placement_view(session, done.placement, today())


@router.post("/rooms/{room_id}/cleaned", response_model=SiteOut, responses=problems(404, 409),
             summary="Terminal disinfection done: the room is free again")
def post_cleaned(room_id: ItemId, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    site = _room_site(session, user, room_id)
    care.room_cleaned(session, user, room_id)
    session.commit()
    return _site_out(read.site_line(session, user, site.id))


def _room_site(session: SessionDep, user: User, room_id: int) -> QuarantineSite:
    room = session.get(Room, room_id)
    site = session.get(QuarantineSite, room.site_id) if room else None
    if site is None:
        raise NotFound(f"room {room_id} not found")
    check_area(user, site.area_code)
    return site


@router.post("/rooms/{room_id}/out-of-service", response_model=SiteOut, responses=problems(404, 409),
             summary="Take a free room out of service")
def post_out_of_service(room_id: ItemId, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    site = _room_site(session, user, room_id)
    care.set_room_service(session, user, room_id, in_service=False)
    session.commit()
    return _site_out(read.site_line(session, user, site.id))


@router.post("/rooms/{room_id}/in-service", response_model=SiteOut, responses=problems(404, 409),
             summary="Bring a room back into service, free")
def post_in_service(room_id: ItemId, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    site = _room_site(session, user, room_id)
    care.set_room_service(session, user, room_id, in_service=True)
    session.commit()
    return _site_out(read.site_line(session, user, site.id))


@router.post("/placements/{placement_id}/transfer", response_model=PlacementOut, responses=problems(404, 409),
             summary="The person left (to hospital): the stay ends, the room goes to cleaning")
def post_transfer(placement_id: ItemId, body: TransferIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    read.placement_for(session, user, placement_id)
    placement = care.transfer(session, user, placement_id, body.reason)
    session.commit()
    return read.placement_view(session, placement, today())


@router.get("/alerts", response_model=list[AlertOut], summary="Alerts not handled yet, newest first")
def list_alerts(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[Alert]:
    require(user, "read_quarantine")
    return list(session.scalars(select(Alert).join(Person, Person.id == Alert.person_id)
                                .where(Alert.handled_at.is_(None), in_jurisdiction(user, Person.area_code))
                                .order_by(Alert.at.desc()).limit(limit)))


@router.get("/transport", response_model=list[TransportOut], summary="Open transport requests, oldest first")
def list_transport(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[TransportRequest]:
    require(user, "read_quarantine")
    return list(session.scalars(select(TransportRequest).join(Person, Person.id == TransportRequest.person_id)
                                .where(TransportRequest.status == "open", in_jurisdiction(user, Person.area_code))
                                .order_by(TransportRequest.id).limit(limit)))


@router.post("/transport/{transport_id}/done", response_model=TransportOut, responses=problems(404, 409),
             summary="A transport request carried out")
def post_transport_done(transport_id: ItemId, session: SessionDep, user: ApiUser) -> TransportRequest:
    done = care.transport_done(session, user, transport_id)
    session.commit()
    return done


@router.get("/forecast", response_model=ForecastOut, summary="Beds free per site today and the next 14 days")
def get_forecast(session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "allocate")  # the county's beds: the command's question
    lines, total = forecast(session, today())
    return total | {"sites": [{"code": f.site.code, "name": f.site.name, "rooms": f.rooms, "beds": f.beds,
                               "free": f.free} for f in lines]}
