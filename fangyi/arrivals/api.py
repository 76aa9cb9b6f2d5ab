"""The arrivals JSON API under /api/v1/arrivals: register an arrival (merged when sent again), read
one, the origin-risk list, the village doctor's day and what is done from it.

Each route declares the permission its service checks (`needs`) and calls the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, Security

from fangyi.arrivals import sentinels, service
from fangyi.arrivals.models import Arrival
from fangyi.arrivals.rules import origin_name
from fangyi.arrivals.schemas import (
    ArrivalIn,
    ArrivalOut,
    CoverageOut,
    Day,
    DueOut,
    HouseholdOut,
    OriginRiskIn,
    OriginRiskOut,
    SentinelIn,
    SentinelOut,
    SentinelTestOut,
    TaskOut,
    VisitIn,
    VisitOut,
    WorkIn,
    WorkOut,
)
from fangyi.deps import ApiUser, SessionDep
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, needs, problems, sent_again

router = APIRouter(prefix="/api/v1/arrivals", tags=["arrivals"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))
Id = Annotated[int, Path(ge=1, le=2**62)]


def arrival_out(arrival: Arrival, merged: bool = False, repeated: bool = False) -> ArrivalOut:
    measures = service.measures_of(arrival)
    return ArrivalOut(
        id=arrival.id, person_id=arrival.person_id, origin_code=arrival.origin_code,
        origin_name=origin_name(arrival.origin_code), origin_known=arrival.origin_known,
        arrived_at=arrival.arrived_at, means=arrival.means, plate=arrival.plate,
        staying_area_code=arrival.staying_area_code, seen_at=list(arrival.seen_at), risk_level=arrival.risk_level,
        category=arrival.category, setting=measures.setting if measures else None,
        placement_request_id=arrival.placement_request_id,
        home_from=measures.home_from if measures else None, home_to=measures.home_to if measures else None,
        release=measures.release if measures else None,
        tests=[DueOut(kind=t.kind, day=t.day, label=t.label) for t in (measures.tests if measures else ())],
        merged=merged, repeated=repeated)


@router.post("", response_model=ArrivalOut, status_code=201,
             responses=problems(404, 409) | sent_again(ArrivalOut, "arrival"),
             summary="Register an arrival (the same one sent again is merged: 200)",
             openapi_extra=needs("register_arrivals"))
def post_arrival(body: ArrivalIn, session: SessionDep, user: ApiUser, response: Response) -> ArrivalOut:
    done = service.register_arrival(
        session, user, id_number=body.id_number, name=body.name, origin=body.origin_code,
        arrived_at=aware(body.arrived_at), staying_area_code=body.staying_area_code, phone=body.phone,
        means=body.means, plate=body.plate, registered_at=body.registered_at_code, client_id=body.client_id)
    session.commit()
    if not done.new:
        response.status_code = 200
    return arrival_out(done.arrival, merged=not done.new and not done.repeated, repeated=done.repeated)


@router.get("", response_model=list[ArrivalOut], summary="Arrivals staying in your jurisdiction, newest first",
            openapi_extra=needs("read_arrivals"))
def get_arrivals(session: SessionDep, user: ApiUser, day: Annotated[Day | None, Query()] = None,
                 flagged: Annotated[bool, Query(description="only unknown origin codes")] = False,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ArrivalOut]:
    return [arrival_out(a) for a, _ in service.list_arrivals(session, user, day=day, flagged=flagged, limit=limit)]


@router.get("/day", response_model=list[TaskOut], summary="What the arrivals in your villages are due on a day",
            openapi_extra=needs("arrival_work"))
def get_day(session: SessionDep, user: ApiUser, day: Annotated[Day | None, Query()] = None) -> list[TaskOut]:
    return [TaskOut(arrival_id=t.arrival.id, person_name=t.person.name, staying_area_code=t.arrival.staying_area_code,
                    kind=t.kind, label=t.label, done=t.done, wanted=t.wanted)
            for t in service.village_day(session, user, day or today())]


@router.get("/sweep", response_model=list[HouseholdOut], responses=problems(404),
            summary="A village's households as the sweep's checklist", openapi_extra=needs("arrival_work"))
def get_sweep(session: SessionDep, user: ApiUser, village: Annotated[str, Query(pattern=r"^[0-9]{12}$")],
              day: Annotated[Day | None, Query()] = None) -> list[HouseholdOut]:
    return [HouseholdOut(id=r.household.id, code=r.household.code, area_code=r.household.area_code,
                         members=r.members, visited_on=r.last.day if r.last else None,
                         returned=r.last.returned if r.last else None)
            for r in service.sweep(session, user, village, day or today())]


@router.post("/sweep/{household_id}", response_model=VisitOut, status_code=201,
             responses=problems(404, 409) | sent_again(VisitOut, "household visit"),
             summary="A household visited, with the people back from elsewhere found there (same day: merged, 200)",
             openapi_extra=needs("arrival_work"))
def post_visit(household_id: Id, body: VisitIn, session: SessionDep, user: ApiUser, response: Response) -> VisitOut:
    done = service.visit_household(session, user, household_id=household_id, returned=body.returned, day=body.day,
                                   note=body.note, at=aware(body.at) if body.at else None, client_id=body.client_id)
    session.commit()
    if done.merged or done.repeated:
        response.status_code = 200
    visit = done.visit
    return VisitOut(id=visit.id, household_id=visit.household_id, day=visit.day, returned=visit.returned,
                    merged=done.merged, repeated=done.repeated)


@router.get("/coverage", response_model=list[CoverageOut], summary="The household sweep's coverage per village",
            openapi_extra=needs("read_arrivals"))
def get_coverage(session: SessionDep, user: ApiUser, day: Annotated[Day | None, Query()] = None) -> list[CoverageOut]:
    return [CoverageOut(village_code=c.village.code, village_name=c.village.name, households=c.households,
                        visited=c.visited, returned=c.returned)
            for c in service.coverage(session, user, day or today())]


@router.get("/origin-risks", response_model=list[OriginRiskOut], summary="The command's origin-risk list",
            openapi_extra=needs("read_arrivals"))
def get_origin_risks(session: SessionDep, user: ApiUser,
                     day: Annotated[Day | None, Query()] = None) -> list[OriginRiskOut]:
    return [OriginRiskOut.model_validate(r, from_attributes=True) for r in service.origin_risks(session, user, day)]


@router.post("/origin-risks", response_model=OriginRiskOut, status_code=201,
             summary="A place's risk level over a period", openapi_extra=needs("keep_origin_risks"))
def post_origin_risk(body: OriginRiskIn, session: SessionDep, user: ApiUser) -> OriginRiskOut:
    row, _ = service.save_origin_risk(session, user, area_code=body.area_code, level=body.level,
                                      valid_from=body.valid_from, valid_to=body.valid_to)
    session.commit()
    return OriginRiskOut.model_validate(row, from_attributes=True)


# ---- fever sentinels (预检分诊) ------------------------------------------------------------------


def sentinel_out(watched: sentinels.Watched, merged: bool = False, repeated: bool = False) -> SentinelOut:
    report, test = watched.report, watched.test
    return SentinelOut(
        id=report.id, person_id=report.person_id, person_name=watched.name,
        reporter_kind=report.reporter_kind, area_code=report.area_code, institution=report.institution,
        symptoms=list(report.symptoms), temperature=report.temperature, reported_at=report.reported_at,
        due_at=report.due_at, state=watched.state, tested_in_time=watched.in_time,
        test=SentinelTestOut(sample_id=test.sample_id, barcode=test.barcode, sampled_at=test.sampled_at,
                             result=test.result, tested_at=test.tested_at,
                             suspected_case_id=test.suspected_case_id) if test else None,
        merged=merged, repeated=repeated)


@router.post("/sentinels", response_model=SentinelOut, status_code=201,
             responses=problems(404, 409) | sent_again(SentinelOut, "sentinel report"),
             summary="Report a person with fever or respiratory symptoms (their open report already stands: 200)",
             openapi_extra=needs("report_sentinels"))
def post_sentinel(body: SentinelIn, session: SessionDep, user: ApiUser, response: Response) -> SentinelOut:
    done = sentinels.report_sentinel(
        session, user, id_number=body.id_number, name=body.name, area_code=body.area_code,
        symptoms=list(body.symptoms), temperature=body.temperature, reporter_kind=body.reporter_kind,
        institution=body.institution, note=body.note, at=aware(body.at) if body.at else None,
        client_id=body.client_id)
    session.commit()
    if not done.new:
        response.status_code = 200
    watched = sentinels.get_report(session, user, done.report.id)
    return sentinel_out(watched, merged=done.merged, repeated=done.repeated)


@router.get("/sentinels", response_model=list[SentinelOut],
            summary="Fever sentinels' reports in your jurisdiction: the people to watch (all=true: every report)",
            openapi_extra=needs("read_sentinels"))
def get_sentinels(session: SessionDep, user: ApiUser, day: Annotated[Day | None, Query()] = None,
                  every: Annotated[bool, Query(alias="all", description="also those tested negative")] = False,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> list[SentinelOut]:
    return [sentinel_out(w) for w in sentinels.watch_list(session, user, open_only=not every, day=day, limit=limit)]


@router.get("/sentinels/{report_id}", response_model=SentinelOut, responses=problems(404),
            summary="One sentinel report, with its test and result", openapi_extra=needs("read_sentinels"))
def get_sentinel(report_id: Id, session: SessionDep, user: ApiUser) -> SentinelOut:
    return sentinel_out(sentinels.get_report(session, user, report_id))


@router.get("/{arrival_id}", response_model=ArrivalOut, responses=problems(404), summary="One arrival",
            openapi_extra=needs("read_arrivals"))
def get_arrival(arrival_id: Id, session: SessionDep, user: ApiUser) -> ArrivalOut:
    return arrival_out(service.get_arrival(session, user, arrival_id))


@router.post("/{arrival_id}/work", response_model=WorkOut, status_code=201,
             responses=problems(404, 409) | sent_again(WorkOut, "work item"),
             summary="A visit, temperature, test or release done for an arrival (done already: merged, 200)",
             openapi_extra=needs("arrival_work"))
def post_work(arrival_id: Id, body: WorkIn, session: SessionDep, user: ApiUser, response: Response) -> WorkOut:
    done = service.record_work(session, user, arrival_id=arrival_id, kind=body.kind, day=body.day,
                               temperature=body.temperature, label=body.label, note=body.note,
                               at=aware(body.at) if body.at else None, client_id=body.client_id)
    session.commit()
    work = done.work
    if done.merged or done.repeated:
        response.status_code = 200
    return WorkOut(id=work.id, arrival_id=work.arrival_id, kind=work.kind, day=work.day,
                   temperature=work.temperature, alert_id=done.alert_id, merged=done.merged, repeated=done.repeated)
