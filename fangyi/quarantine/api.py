"""The quarantine JSON API under /api/v1/quarantine: sites and boards, requests, allocation, checks,
tests, release, cleaning, alerts, transport requests and the beds forecast.

Each route declares the permission its service checks (`needs`); the services check it, and the
jurisdiction of every record named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Security

from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import NotFound
from fangyi.quarantine import board as read
from fangyi.quarantine import care, placing, queues, sites
from fangyi.quarantine.figures import forecast
from fangyi.quarantine.schemas import (
    AlertOut,
    AllocationIn,
    AllocationOut,
    CheckIn,
    CheckOut,
    ForecastOut,
    ForecastSite,
    PlacementOut,
    ReleaseIn,
    RequestIn,
    RequestOut,
    RoomOut,
    SiteBoard,
    SiteIn,
    SiteOut,
    TestIn,
    TestOut,
    TransferIn,
    TransportOut,
    WaiveIn,
)
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, needs, problems

router = APIRouter(prefix="/api/v1/quarantine", tags=["quarantine"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

SiteCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/sites", response_model=list[SiteOut], summary="Centralized sites in your jurisdiction",
            openapi_extra=needs("read_quarantine"))
def list_sites(session: SessionDep, user: ApiUser) -> list[SiteOut]:
    return [SiteOut.of(line) for line in sites.sites(session, user)]


@router.get("/sites/{code}", response_model=SiteBoard, responses=problems(404),
            summary="A site's rooms and who is in each", openapi_extra=needs("read_quarantine"))
def get_site(code: SiteCode, session: SessionDep, user: ApiUser) -> SiteBoard:
    the_board = read.board(session, user, code, today())
    rooms = [RoomOut.of(room, [o.placement.id for o in people]) for room, people in the_board.rooms]
    return SiteBoard(**SiteOut.of(the_board.line).model_dump(), room_list=rooms)


@router.patch("/sites/{code}", response_model=SiteOut, responses=problems(404),
              summary="A site's address, contact and staff", openapi_extra=needs("manage_sites"))
def patch_site(code: SiteCode, body: SiteIn, session: SessionDep, user: ApiUser) -> SiteOut:
    line = sites.update_site(session, user, code, **body.model_dump(exclude_unset=True))
    session.commit()
    return SiteOut.of(line)


@router.get("/requests", response_model=list[RequestOut], summary="Open placement requests, oldest first",
            openapi_extra=needs("read_quarantine"))
def list_requests(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[RequestOut]:
    return [RequestOut.of(r) for r in queues.open_requests(session, user, limit)]


@router.post("/requests", response_model=RequestOut, status_code=201, responses=problems(404),
             summary="A placement request typed by the command office", openapi_extra=needs("allocate"))
def post_request(body: RequestIn, session: SessionDep, user: ApiUser) -> RequestOut:
    exposure = aware(body.last_exposure)
    assert exposure is not None
    request = placing.create_request(session, user, person_id=body.person_id, category=body.category,
                                     reason=body.reason, last_exposure=exposure, source=body.source,
                                     linked_person_ids=body.linked_person_ids)
    session.commit()
    return RequestOut.of(request)


@router.post("/allocations", response_model=AllocationOut, status_code=201, responses=problems(404, 409),
             summary="Place a batch by free rooms and distance; the command office may name rooms",
             openapi_extra=needs("allocate"))
def post_allocation(body: AllocationIn, session: SessionDep, user: ApiUser) -> AllocationOut:
    rooms: dict[int, int | str] = {}
    for key, target in body.rooms.items():
        if not key.isdigit() or len(key) > 18:
            raise NotFound(f"placement request {key[:40]} not found in your jurisdiction")
        rooms[int(key)] = target
    outcome = placing.allocate(session, user, body.request_ids, rooms=rooms, partial=body.partial)
    session.commit()
    return AllocationOut(placements=outcome.placements, transports=outcome.transports,
                         unplaced={str(k): v for k, v in outcome.unplaced.items()})


@router.get("/placements/{placement_id}", response_model=PlacementOut, responses=problems(404),
            summary="A placement with its test days, release date and what is still missing",
            openapi_extra=needs("read_quarantine"))
def get_placement(placement_id: ItemId, session: SessionDep, user: ApiUser) -> PlacementOut:
    return PlacementOut.model_validate(read.view_of(session, user, placement_id, today()))


@router.post("/checks", response_model=CheckOut, status_code=201, responses=problems(404, 409),
             summary="A health check; a fever raises an alert, a hospital transport and a single test",
             openapi_extra=needs("record_checks"))
def post_check(body: CheckIn, session: SessionDep, user: ApiUser) -> CheckOut:
    check, alert = care.record_check(session, user, person_id=body.person_id, temperature=body.temperature,
                                     symptoms=body.symptoms, at=aware(body.at))
    session.commit()
    return CheckOut(id=check.id, placement_id=check.placement_id, temperature=check.temperature,
                    symptoms=check.symptoms, at=check.at, alert_id=alert.id if alert else None)


@router.post("/tests", response_model=TestOut, status_code=201, responses=problems(404, 409),
             summary="A test result on the clock's day, or the single test an alert asked for",
             openapi_extra=needs("record_checks"))
def post_test(body: TestIn, session: SessionDep, user: ApiUser) -> TestOut:
    sampled = aware(body.sampled_at)
    assert sampled is not None
    record = care.record_test(session, user, person_id=body.person_id, result=body.result, sampled_at=sampled,
                              day=body.day, phase=body.phase, reagent=body.reagent)
    session.commit()
    return TestOut.model_validate(record, from_attributes=True)


@router.post("/placements/{placement_id}/release", response_model=PlacementOut, responses=problems(404, 409),
             summary="Release when days and tests are met; earlier only by a commander with a reason",
             openapi_extra=needs("release"))
def post_release(placement_id: ItemId, body: ReleaseIn, session: SessionDep, user: ApiUser) -> PlacementOut:
    done = care.release(session, user, placement_id, on=body.on, override_reason=body.override_reason)
    session.commit()
    return PlacementOut.model_validate(read.describe(session, done.placement, today()))


@router.post("/placements/{placement_id}/waive", response_model=PlacementOut, responses=problems(404, 409),
             summary="Waive a test day that fell before the placement began, with a reason",
             openapi_extra=needs("release"))
def post_waive(placement_id: ItemId, body: WaiveIn, session: SessionDep, user: ApiUser) -> PlacementOut:
    placement = care.waive_test(session, user, placement_id, day=body.day, reason=body.reason)
    session.commit()
    return PlacementOut.model_validate(read.describe(session, placement, today()))


@router.post("/rooms/{room_id}/cleaned", response_model=SiteOut, responses=problems(404, 409),
             summary="Terminal disinfection done: the room is free again", openapi_extra=needs("record_checks"))
def post_cleaned(room_id: ItemId, session: SessionDep, user: ApiUser) -> SiteOut:
    line = sites.room_cleaned(session, user, room_id)
    session.commit()
    return SiteOut.of(line)


@router.post("/rooms/{room_id}/out-of-service", response_model=SiteOut, responses=problems(404, 409),
             summary="Take a free room out of service", openapi_extra=needs("manage_sites"))
def post_out_of_service(room_id: ItemId, session: SessionDep, user: ApiUser) -> SiteOut:
    line = sites.set_room_service(session, user, room_id, in_service=False)
    session.commit()
    return SiteOut.of(line)


@router.post("/rooms/{room_id}/in-service", response_model=SiteOut, responses=problems(404, 409),
             summary="Bring a room back into service, free", openapi_extra=needs("manage_sites"))
def post_in_service(room_id: ItemId, session: SessionDep, user: ApiUser) -> SiteOut:
    line = sites.set_room_service(session, user, room_id, in_service=True)
    session.commit()
    return SiteOut.of(line)


@router.post("/placements/{placement_id}/transfer", response_model=PlacementOut, responses=problems(404, 409),
             summary="The person left (to hospital): the stay ends, the room goes to cleaning",
             openapi_extra=needs("release"))
def post_transfer(placement_id: ItemId, body: TransferIn, session: SessionDep, user: ApiUser) -> PlacementOut:
    placement = care.transfer(session, user, placement_id, body.reason)
    session.commit()
    return PlacementOut.model_validate(read.describe(session, placement, today()))


@router.get("/alerts", response_model=list[AlertOut], summary="Alerts not handled yet, newest first",
            openapi_extra=needs("read_quarantine"))
def list_alerts(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[AlertOut]:
    return [AlertOut.model_validate(a, from_attributes=True) for a in queues.open_alerts(session, user, limit)]


@router.get("/transport", response_model=list[TransportOut], summary="Open transport requests, oldest first",
            openapi_extra=needs("read_quarantine"))
def list_transport(session: SessionDep, user: ApiUser, limit: Limit = 500) -> list[TransportOut]:
    return [TransportOut.model_validate(t, from_attributes=True)
            for t in queues.open_transports(session, user, limit)]


@router.post("/transport/{transport_id}/done", response_model=TransportOut, responses=problems(404, 409),
             summary="A transport request carried out", openapi_extra=needs("work_transport"))
def post_transport_done(transport_id: ItemId, session: SessionDep, user: ApiUser) -> TransportOut:
    done = care.transport_done(session, user, transport_id)
    session.commit()
    return TransportOut.model_validate(done, from_attributes=True)


@router.get("/forecast", response_model=ForecastOut, summary="Beds free per site today and the next 14 days",
            openapi_extra=needs("allocate"))
def get_forecast(session: SessionDep, user: ApiUser) -> ForecastOut:
    lines, total = forecast(session, user, today())
    return ForecastOut(**total, sites=[ForecastSite(code=f.site.code, name=f.site.name, rooms=f.rooms, beds=f.beds,
                                                    free=f.free) for f in lines])
