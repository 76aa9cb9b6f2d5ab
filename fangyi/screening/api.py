"""The screening JSON API under /api/v1/screening: scans, lab results, rounds, points, coverage, advice."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security
from sqlalchemy import select

from fangyi.access import in_jurisdiction, require
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import DomainError, NotFound
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.registry.models import Person
from fangyi.screening import importer as _importer  # noqa: F401  (the samples and lab-results import kinds)
from fangyi.screening.advice import advise_pool_size, tests_per_person
from fangyi.screening.figures import round_coverage, turnaround
from fangyi.screening.models import (
    RetestTask,
    SamplingPoint,
    ScreeningRound,
    SuspectedCase,
    Tube,
    UnverifiedPerson,
)
from fangyi.screening.results import ResultFields, conflict_reason, record_result
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
    ResultsOut,
    RetestOut,
    RoundIn,
    RoundOut,
    SuspectedOut,
    UnverifiedOut,
)
from fangyi.screening.setup import RoundFields, create_point, create_round
from fangyi.screening.suspected import confirm_suspected
from fangyi.timeutil import aware
from fangyi.web.http import API_TOKEN, problems

router = APIRouter(prefix="/api/v1/screening", tags=["screening"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

RoundCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.post("/results", response_model=ResultsOut, summary="Lab results, one or many")
def post_results(body: ResultIn | ResultBatch, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "record_results")
    items = body.results if isinstance(body, ResultBatch) else [body]
    answers: list[dict[str, Any]] = []
    for item in items:
        tested_at = aware(item.tested_at)
        assert tested_at is not None
        fields = ResultFields(item.barcode, item.result, tested_at, item.lab_code, item.ct_orf1ab, item.ct_n)
        try:
            with session.begin_nested():
                status = record_result(session, user, fields)
        except NotFound as exc:
            answers.append({"barcode": item.barcode, "status": "unknown_tube", "reason": exc.detail})
            continue
        except DomainError as exc:
            answers.append({"barcode": item.barcode, "status": "refused", "reason": exc.detail})
            continue
        reason = conflict_reason(item.barcode, item.result) if status == "conflict" else None
        answers.append({"barcode": item.barcode, "status": status, "reason": reason})
    session.commit()
    return {"results": answers}


@router.post("/rounds", response_model=RoundOut, status_code=201, responses=problems(404, 409),
             summary="Set up a round")
def post_round(body: RoundIn, session: SessionDep, user: ApiUser) -> ScreeningRound:
    values = body.model_dump() | {"starts_at": aware(body.starts_at), "deadline_at": aware(body.deadline_at)}
    found = create_round(session, user, RoundFields(**values))
    session.commit()
    return found


@router.get("/rounds", response_model=list[RoundOut], summary="Rounds, latest first")
def get_rounds(session: SessionDep, user: ApiUser) -> list[ScreeningRound]:
    require(user, "read_screening")
    return list(session.scalars(select(ScreeningRound).order_by(ScreeningRound.starts_at.desc()).limit(200)))


@router.post("/points", response_model=PointOut, status_code=201, responses=problems(409),
             summary="Add a sampling point or door-to-door team")
def post_point(body: PointIn, session: SessionDep, user: ApiUser) -> SamplingPoint:
    point = create_point(session, user, **body.model_dump())
    session.commit()
    return point


def _round(session: SessionDep, code: str) -> ScreeningRound:
    found = session.scalar(select(ScreeningRound).where(ScreeningRound.code == code))
    if found is None:
        raise NotFound(f"no round {code}")
    return found


@router.get("/rounds/{code}/coverage", response_model=CoverageOut, responses=problems(404),
            summary="People sampled against the residents, by area; turnaround and overdue tubes")
def get_coverage(code: RoundCode, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "read_screening")
    found = _round(session, code)
    areas = round_coverage(session, found)
    target, sampled = sum(a.target for a in areas), sum(a.sampled for a in areas)
    times = turnaround(session, found)
    return {
        "round": found.code, "target": target, "sampled": sampled,
        "fraction": round(sampled / target, 4) if target else 0.0,
        "areas": [AreaCoverageOut(code=a.code, name=a.name, target=a.target, sampled=a.sampled,
                                  fraction=a.fraction) for a in areas],
        "tubes": times.tubes, "tested": times.tested, "median_hours_to_result": times.median_hours_to_result,
        "overdue_tubes": [tube.barcode for tube in times.overdue[:1000]],
    }


@router.get("/advice", response_model=AdviceOut, summary="The pool size with the fewest tests per person")
def get_advice(user: ApiUser, prevalence: Annotated[float, Query(ge=0, le=1)]) -> dict[str, Any]:
    require(user, "read_screening")
    sizes = current().screening.pool_sizes
    return {"prevalence": prevalence, "pool_size": advise_pool_size(prevalence, sizes),
            "tests_per_person": {str(size): round(tests_per_person(size, prevalence), 4) for size in sizes}}


@router.get("/retests", response_model=list[RetestOut], summary="Open retest tasks, grouped by door")
def get_retests(session: SessionDep, user: ApiUser) -> list[dict[str, Any]]:
    require(user, "read_screening")
    rows = session.execute(
        select(RetestTask, Person).join(Person, Person.id == RetestTask.person_id)
        .where(RetestTask.done_at.is_(None), in_jurisdiction(user, RetestTask.area_code))
        .order_by(RetestTask.area_code, RetestTask.group_key).limit(5000)
    ).all()
    groups: dict[tuple[str, str, str], list[PersonOut]] = defaultdict(list)
    for task, person in rows:
        groups[(task.group_key, task.area_code, task.reason)].append(
            PersonOut(name=person.name, id_number=mask_id_number(person.id_number), temporary=False))
    return [{"group": g, "area_code": a, "reason": r, "people": people} for (g, a, r), people in groups.items()]


@router.get("/suspected", response_model=list[SuspectedOut], summary="Positive single tubes for the CDC")
def get_suspected(session: SessionDep, user: ApiUser) -> list[dict[str, Any]]:
    require(user, "read_screening")
    rows = session.execute(
        select(SuspectedCase, Person, Tube.barcode).join(Person, Person.id == SuspectedCase.person_id)
        .join(Tube, Tube.id == SuspectedCase.tube_id).where(in_jurisdiction(user, Person.area_code))
        .order_by(SuspectedCase.tested_at.desc()).limit(1000)
    ).all()
    return [{"id": s.id, "name": p.name, "id_number": mask_id_number(p.id_number), "barcode": barcode,
             "tested_at": s.tested_at, "status": s.status} for s, p, barcode in rows]


@router.post("/suspected/{suspected_id}/confirm", response_model=ConfirmOut, responses=problems(404, 409),
             summary="The CDC confirms a suspected case into a case; tracing takes over")
def post_confirm(suspected_id: Annotated[int, Path(ge=1, le=2**62)], body: ConfirmIn, session: SessionDep,
                 user: ApiUser) -> dict[str, Any]:
    require(user, "edit_cases")
    suspected = session.get(SuspectedCase, suspected_id)
    if suspected is None:
        raise NotFound(f"no suspected case {suspected_id}")
    confirm_suspected(session, user, suspected, case_no=body.case_no, classification=body.classification,
                      source=body.source)
    session.commit()
    return {"id": suspected.id, "status": suspected.status, "case_no": body.case_no}


@router.get("/unverified", response_model=list[UnverifiedOut],
            summary="People registered on the spot at sampling, waiting to be checked")
def get_unverified(session: SessionDep, user: ApiUser) -> list[dict[str, Any]]:
    require(user, "read_registry")
    rows = session.execute(
        select(UnverifiedPerson, Person).join(Person, Person.id == UnverifiedPerson.person_id)
        .where(UnverifiedPerson.checked_at.is_(None), in_jurisdiction(user, Person.area_code))
        .order_by(UnverifiedPerson.created_at).limit(1000)
    ).all()
    return [{"person_id": p.id, "name": p.name, "id_number": mask_id_number(p.id_number), "area_code": p.area_code,
             "point_code": u.point_code, "reason": u.reason, "created_at": u.created_at} for u, p in rows]
