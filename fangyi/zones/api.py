"""The zones JSON API under /api/v1/zones: the zones and risk areas in force with their criteria, one
zone's record, proposing, approving, rejecting and lifting, the daily check on demand, notices.

Each route declares the permission its service checks (`needs`) and calls one service function."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Security
from sqlalchemy.orm import Session

from fangyi.deps import ApiUser, SessionDep
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, needs, problems
from fangyi.zones import service
from fangyi.zones.schemas import (
    ApproveIn,
    DecisionOut,
    LiftIn,
    NoticeIn,
    NoticeOut,
    ProposeIn,
    RejectIn,
    ResidentsOut,
    RoundIn,
    RoundOut,
    ZoneDetail,
    ZoneOut,
)

router = APIRouter(prefix="/api/v1/zones", tags=["zones"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

ZoneId = Annotated[int, Path(ge=1, le=2**62)]
Day = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 1, 1),
                                   description="local date (default today)")]


@router.get("", response_model=list[ZoneOut], summary="Zones and risk areas proposed or in force on a day",
            openapi_extra=needs("read_zones"))
def list_zones(session: SessionDep, user: ApiUser, date: Day = None) -> list[ZoneOut]:
    return [ZoneOut.model_validate(v.as_json()) for v in service.list_zones(session, user, date or today())]


@router.post("/check", response_model=list[ZoneOut], summary="Run the daily check now (proposes lifts)",
             openapi_extra=needs("check_zones"))
def run_check(session: SessionDep, user: ApiUser, date: Day = None) -> list[ZoneOut]:
    views = service.check(session, user, date or today())
    session.commit()
    return [ZoneOut.model_validate(v.as_json()) for v in views]


def _detail(session: Session, user: ApiUser, zone_id: int) -> ZoneDetail:
    zone, decisions = service.timeline(session, user, zone_id)
    _, found = service.zone_notices(session, user, zone_id)
    _, people = service.residents(session, user, zone_id)
    data = service.zone_view(session, user, zone_id, today()).as_json()
    return ZoneDetail.model_validate({
        **data, "reason": zone.reason, "edition": zone.edition, "measures": list(zone.measures),
        "residents": [ResidentsOut(area_code=r.area_code, name=r.name, count=r.count) for r in people],
        "timeline": [DecisionOut.of(d) for d in decisions],
        "notices": [NoticeOut.model_validate(n, from_attributes=True) for n in found],
    })


@router.get("/{zone_id}", response_model=ZoneDetail, responses=problems(404),
            summary="A zone: criteria, residents by group, every decision, its notices",
            openapi_extra=needs("read_zones"))
def get_zone(zone_id: ZoneId, session: SessionDep, user: ApiUser) -> ZoneDetail:
    return _detail(session, user, zone_id)


@router.post("", response_model=ZoneDetail, status_code=201, responses=problems(404, 409),
             summary="Propose a zone or risk area by hand", openapi_extra=needs("propose_zones"))
def propose(body: ProposeIn, session: SessionDep, user: ApiUser) -> ZoneDetail:
    zone = service.propose(session, user, kind=body.kind, area_codes=body.areas, venue_codes=body.venues,
                           reason=body.reason, at=aware(body.at))
    session.commit()
    return _detail(session, user, zone.id)


@router.post("/{zone_id}/approve", response_model=DecisionOut, responses=problems(404, 409),
             summary="Approve a proposed zone (its areas as edited), or the lift, downgrade or seal proposed on one",
             openapi_extra=needs("approve_zones"))
def approve(zone_id: ZoneId, body: ApproveIn, session: SessionDep, user: ApiUser) -> DecisionOut:
    decision = service.approve(session, user, zone_id, at=aware(body.at), area_codes=body.areas, note=body.note)
    session.commit()
    return DecisionOut.of(decision)


@router.post("/{zone_id}/reject", response_model=DecisionOut, responses=problems(404, 409),
             summary="Reject a proposed zone, or the proposal waiting on one", openapi_extra=needs("approve_zones"))
def reject(zone_id: ZoneId, body: RejectIn, session: SessionDep, user: ApiUser) -> DecisionOut:
    decision = service.reject(session, user, zone_id, reason=body.reason, at=aware(body.at))
    session.commit()
    return DecisionOut.of(decision)


@router.post("/{zone_id}/lift", response_model=DecisionOut, responses=problems(404, 409),
             summary="Lift a zone (before its criteria hold: with an override and a reason)",
             openapi_extra=needs("approve_zones"))
def lift(zone_id: ZoneId, body: LiftIn, session: SessionDep, user: ApiUser) -> DecisionOut:
    decision = service.lift(session, user, zone_id, at=aware(body.at), override=body.override)
    session.commit()
    return DecisionOut.of(decision)


@router.put("/{zone_id}/notice", response_model=NoticeOut, responses=problems(404, 409),
            summary="Save an edited notice as its new version", openapi_extra=needs("edit_notices"))
def edit_notice(zone_id: ZoneId, body: NoticeIn, session: SessionDep, user: ApiUser) -> NoticeOut:
    notice = service.edit_notice(session, user, zone_id, title=body.title, body=body.body)
    session.commit()
    return NoticeOut.model_validate(notice, from_attributes=True)


@router.post("/{zone_id}/round", response_model=RoundOut, status_code=201, responses=problems(404, 409),
             summary="Start the screening round over the zone's residents (door to door in a sealed zone)",
             openapi_extra=needs("manage_screening"))
def start_round(zone_id: ZoneId, body: RoundIn, session: SessionDep, user: ApiUser) -> RoundOut:
    record, found = service.start_round(session, user, zone_id, code=body.code, name=body.name)
    session.commit()
    return RoundOut(zone_id=record.zone_id, round_id=found.id, code=found.code, name=found.name,
                    areas=list(found.area_codes), mode=record.mode,  # type: ignore[arg-type]
                    starts_at=found.starts_at, deadline_at=found.deadline_at, started_by=record.started_by)
