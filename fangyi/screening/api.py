"""The screening JSON API under /api/v1/screening: scans, lab results, rounds, points, coverage, advice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Security

from fangyi.deps import ApiUser, SessionDep
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.screening.advice import advice_for, advise_pool_size
from fangyi.screening.results import ResultFields, record_results
from fangyi.screening.rounds import coverage, list_rounds
from fangyi.screening.schemas import (
    AdviceOut,
    AreaCoverageOut,
    ConfirmIn,
    ConfirmOut,
    CoverageOut,
    PersonOut,
    PointIn,
    PointOut,
    ResultBatch,
    ResultIn,
    ResultOut,
    ResultsOut,
    RetestOut,
    RoundIn,
    RoundOut,
    SuspectedOut,
    UnverifiedOut,
)
from fangyi.screening.setup import RoundFields, create_point, create_round
from fangyi.screening.suspected import confirm_suspected, open_retests, suspected_cases, unverified_persons
from fangyi.timeutil import aware
from fangyi.web.http import API_TOKEN, needs, problems

router = APIRouter(prefix="/api/v1/screening", tags=["screening"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

RoundCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


def _fields(item: ResultIn) -> ResultFields:
    tested_at = aware(item.tested_at)
    assert tested_at is not None
    return ResultFields(item.barcode, item.result, tested_at, item.lab_code, item.ct_orf1ab, item.ct_n)


@router.post("/results", response_model=ResultsOut, summary="Lab results, one or many",
             openapi_extra=needs("record_results"))
def post_results(body: ResultIn | ResultBatch, session: SessionDep, user: ApiUser) -> ResultsOut:
    """Each result is applied or refused on its own; a tube outside your jurisdiction is
    `unknown_tube`, as one never scanned."""
    items = body.results if isinstance(body, ResultBatch) else [body]
    answers = record_results(session, user, [_fields(item) for item in items])
    session.commit()
    return ResultsOut(results=[ResultOut(barcode=a.barcode, status=a.status, reason=a.reason) for a in answers])


@router.post("/rounds", response_model=RoundOut, status_code=201, responses=problems(404, 409),
             summary="Set up a round", openapi_extra=needs("manage_screening"))
def post_round(body: RoundIn, session: SessionDep, user: ApiUser) -> RoundOut:
    values = body.model_dump() | {"starts_at": aware(body.starts_at), "deadline_at": aware(body.deadline_at)}
    found = create_round(session, user, RoundFields(**values))
    session.commit()
    return RoundOut.model_validate(found)


@router.get("/rounds", response_model=list[RoundOut], summary="Rounds reaching your jurisdiction, latest first",
            openapi_extra=needs("read_screening"))
def get_rounds(session: SessionDep, user: ApiUser) -> list[RoundOut]:
    return [RoundOut.model_validate(found) for found in list_rounds(session, user)]


@router.post("/points", response_model=PointOut, status_code=201, responses=problems(404, 409),
             summary="Add a sampling point or door-to-door team", openapi_extra=needs("manage_screening"))
def post_point(body: PointIn, session: SessionDep, user: ApiUser) -> PointOut:
    point = create_point(session, user, **body.model_dump())
    session.commit()
    return PointOut.model_validate(point)


@router.get("/rounds/{code}/coverage", response_model=CoverageOut, responses=problems(404),
            summary="People sampled against the residents, by area; turnaround and overdue tubes",
            openapi_extra=needs("read_screening"))
def get_coverage(code: RoundCode, session: SessionDep, user: ApiUser) -> CoverageOut:
    """Of your jurisdiction: its residents, and the tubes of its points."""
    found = coverage(session, user, code)
    times = found.times
    return CoverageOut(
        round=found.round.code, target=found.target, sampled=found.sampled, fraction=found.fraction,
        areas=[AreaCoverageOut(code=a.code, name=a.name, target=a.target, sampled=a.sampled, fraction=a.fraction)
               for a in found.areas],
        tubes=times.tubes, tested=times.tested, median_hours_to_result=times.median_hours_to_result,
        overdue_tubes=[tube.barcode for tube in times.overdue[:1000]],
    )


@router.get("/advice", response_model=AdviceOut, summary="The pool size with the fewest tests per person",
            openapi_extra=needs("read_screening"))
def get_advice(user: ApiUser, prevalence: Annotated[float, Query(ge=0, le=1)]) -> AdviceOut:
    sizes = current().screening.pool_sizes
    tests = advice_for(user, prevalence, sizes)
    return AdviceOut(prevalence=prevalence, pool_size=advise_pool_size(prevalence, sizes),
                     tests_per_person={str(size): round(value, 4) for size, value in tests.items()})


@router.get("/retests", response_model=list[RetestOut], summary="Open retest tasks, grouped by door",
            openapi_extra=needs("read_screening"))
def get_retests(session: SessionDep, user: ApiUser) -> list[RetestOut]:
    return [RetestOut(group=door.group, area_code=door.area_code, reason=door.reason, people=[
        PersonOut(name=p.name, id_number=mask_id_number(p.id_number), temporary=False) for p in door.people])
        for door in open_retests(session, user)]


@router.get("/suspected", response_model=list[SuspectedOut], summary="Positive single tubes for the CDC",
            openapi_extra=needs("read_screening"))
def get_suspected(session: SessionDep, user: ApiUser) -> list[SuspectedOut]:
    return [SuspectedOut(id=s.case.id, name=s.person.name, id_number=mask_id_number(s.person.id_number),
                         barcode=s.barcode, tested_at=s.case.tested_at, status=s.case.status)
            for s in suspected_cases(session, user)]


@router.post("/suspected/{suspected_id}/confirm", response_model=ConfirmOut, responses=problems(404, 409),
             summary="The CDC confirms a suspected case into a case; tracing takes over",
             openapi_extra=needs("edit_cases"))
def post_confirm(suspected_id: Annotated[int, Path(ge=1, le=2**62)], body: ConfirmIn, session: SessionDep,
                 user: ApiUser) -> ConfirmOut:
    suspected = confirm_suspected(session, user, suspected_id, case_no=body.case_no,
                                  classification=body.classification, source=body.source)
    session.commit()
    return ConfirmOut(id=suspected.id, status=suspected.status, case_no=body.case_no)


@router.get("/unverified", response_model=list[UnverifiedOut],
            summary="People registered on the spot at sampling, waiting to be checked",
            openapi_extra=needs("read_registry"))
def get_unverified(session: SessionDep, user: ApiUser) -> list[UnverifiedOut]:
    return [UnverifiedOut(person_id=u.person.id, name=u.person.name, id_number=mask_id_number(u.person.id_number),
                          area_code=u.person.area_code, point_code=u.entry.point_code, reason=u.entry.reason,
                          created_at=u.entry.created_at)
            for u in unverified_persons(session, user)]
