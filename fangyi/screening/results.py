"""Results from the lab, and what they set off.

A positive pool puts every member under control at once and gives each a
single-tube retest task, grouped by household (else address) for the
door-to-door teams. A positive single tube becomes a suspected case for the
CDC. A single negative closes the person's open retest task and ends a
pool-positive or fever control. `invalid` asks for the tube's people to be re-sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.errors import DomainError, Invalid, NotFound
from fangyi.registry.models import Household, Person
from fangyi.screening.common import Refusal, check_barcode
from fangyi.screening.models import (
    RESULTS,
    Control,
    Lab,
    LabResult,
    RetestTask,
    Sample,
    SamplingPoint,
    SuspectedCase,
    Tube,
)
from fangyi.screening.reach import tube_in_reach, tubes_in_reach
from fangyi.timeutil import now

CT_RANGE = (0.0, 50.0)
# The table itself: an executemany UPDATE keyed by a bound id goes through Core, not the ORM.
TUBES = cast(Table, Tube.__table__)


@dataclass
class ResultFields:
    barcode: str
    result: str
    tested_at: datetime
    lab_code: str
    ct_orf1ab: float | None = None
    ct_n: float | None = None


def parse_ct(raw: str | None, column: str) -> float | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{column} {text!r} is not a number", column=column) from None
    if not CT_RANGE[0] <= value <= CT_RANGE[1]:
        raise Invalid(f"{column} {value} is outside {CT_RANGE[0]:g}–{CT_RANGE[1]:g}", column=column)
    return value


# What became of one result: applied, the same as before, a second opinion kept for review, no such
# tube (in the jurisdiction), or refused (a bad value).
ResultStatus = Literal["loaded", "unchanged", "conflict", "unknown_tube", "refused"]


@dataclass
class ResultAnswer:
    barcode: str
    status: ResultStatus
    reason: str | None = None


def record_results(session: Session, actor: Principal, items: list[ResultFields]) -> list[ResultAnswer]:
    """Results one by one, each applied whole or refused with its reason (a tube outside the
    jurisdiction is unknown, as one never scanned). The caller commits."""
    require(actor, "record_results")
    answers = []
    for fields in items:
        try:
            with session.begin_nested():
                status = record_result(session, actor, fields)
        except NotFound as exc:
            answers.append(ResultAnswer(fields.barcode, "unknown_tube", exc.detail))
            continue
        except DomainError as exc:
            answers.append(ResultAnswer(fields.barcode, "refused", exc.detail))
            continue
        reason = conflict_reason(fields.barcode, fields.result) if status == "conflict" else None
        answers.append(ResultAnswer(fields.barcode, status, reason))
    return answers


_POINT_AREA = select(SamplingPoint.area_code).where(SamplingPoint.id == Tube.point_id).scalar_subquery()


def record_result(session: Session, actor: Principal, fields: ResultFields) -> Literal["loaded", "unchanged",
                                                                                     "conflict"]:
    """Apply one lab result: 'loaded', 'unchanged', or 'conflict' (a different second result, kept for
    review and flagged, never applied). Invalid or NotFound say why not. The caller commits."""
    require(actor, "record_results")
    if fields.result not in RESULTS:
        raise Invalid(f"result must be one of {', '.join(RESULTS)}, not {fields.result!r}", column="result")
    try:
        barcode = check_barcode(fields.barcode)
    except Refusal as refusal:
        raise Invalid(refusal.message, column="barcode") from None
    found = session.execute(select(Tube, _POINT_AREA).where(Tube.barcode == barcode).with_for_update(of=Tube)).first()
    if found is None:
        raise NotFound(f"no tube with barcode {barcode}: not scanned or not uploaded yet", column="barcode")
    tube, area = found
    if not tube_in_reach(actor, area, tube.actor_id):
        raise NotFound(f"tube {barcode} not found in your jurisdiction", column="barcode")
    flag = None if session.get(Lab, fields.lab_code) else f"lab {fields.lab_code} unknown"
    if tube.result is not None:
        if tube.result == fields.result:
            return "unchanged"
        # Kept for review, never applied over the first: a second opinion is the lab's to settle.
        session.add(LabResult(tube_id=tube.id, result=fields.result, tested_at=fields.tested_at,
                              lab_code=fields.lab_code, ct_orf1ab=fields.ct_orf1ab, ct_n=fields.ct_n,
                              status="conflict", flag=flag, actor_id=actor.id or None))
        tube.flag = f"two different results: {tube.result}, then {fields.result} from {fields.lab_code}"[:300]
        audit.record(session, actor, "conflict", "tube", tube.id, after={"result": fields.result})
        session.flush()
        return "conflict"
    session.add(LabResult(tube_id=tube.id, result=fields.result, tested_at=fields.tested_at,
                          lab_code=fields.lab_code, ct_orf1ab=fields.ct_orf1ab, ct_n=fields.ct_n,
                          flag=flag, actor_id=actor.id or None))
    tube.result, tube.tested_at, tube.lab_code = fields.result, fields.tested_at, fields.lab_code
    tube.ct_orf1ab, tube.ct_n, tube.state = fields.ct_orf1ab, fields.ct_n, "tested"
    if flag:
        tube.flag = flag
    session.flush()
    audit.record(session, actor, "result", "tube", tube.id,
                 after={"result": fields.result, "lab": fields.lab_code, "ct_orf1ab": fields.ct_orf1ab,
                        "ct_n": fields.ct_n})
    consequences(session, tube)
    return "loaded"


def _members(session: Session, tube: Tube) -> list[tuple[Person, Household | None, datetime]]:
    rows = session.execute(
        select(Person, Sample.sampled_at).join(Sample, Sample.person_id == Person.id)
        .where(Sample.tube_id == tube.id).order_by(Person.id)
    ).all()
    return [(person, person.household, sampled_at) for person, sampled_at in rows]


def group_key(person: Person, household: Household | None) -> str:
    if household is not None:
        return f"household:{household.code}"
    if person.address:
        return f"address:{person.address}"[:220]
    return f"area:{person.area_code}"


def consequences(session: Session, tube: Tube) -> None:
    members = _members(session, tube)
    at = tube.tested_at or now()
    pooled = tube.pool_size > 1 or len(members) > 1
    if tube.result == "positive" and pooled:
        _retest(session, tube, members, "pool_positive", at)
        active = set(session.scalars(select(Control.person_id).where(
            Control.person_id.in_([p.id for p, _, _ in members]), Control.ended_at.is_(None),
            Control.reason == "pool_positive")))
        rows = [{"person_id": p.id, "reason": "pool_positive", "tube_id": tube.id, "started_at": at}
                for p, _, _ in members if p.id not in active]
        if rows:
            session.execute(insert(Control), rows)
    elif tube.result == "invalid":
        _retest(session, tube, members, "invalid", at)
    elif len(members) == 1:
        person, _, sampled_at = members[0]
        _close_tasks(session, person.id, tube, at)
        if tube.result == "positive":
            session.add(SuspectedCase(person_id=person.id, tube_id=tube.id, tested_at=at, sampled_at=sampled_at))
        else:
            # A negative single swab ends a pool-positive control, and a fever control (a sentinel's).
            session.execute(update(Control).where(
                Control.person_id == person.id, Control.reason.in_(("pool_positive", "fever")),
                Control.ended_at.is_(None), Control.started_at <= sampled_at).values(ended_at=at))
    session.flush()


def _retest(session: Session, tube: Tube, members: list[tuple[Person, Household | None, datetime]],
            reason: str, at: datetime) -> None:
    rows = [{"person_id": p.id, "source_tube_id": tube.id, "reason": reason, "group_key": group_key(p, h),
             "area_code": p.area_code, "created_at": at} for p, h, _ in members]
    if rows:
        session.execute(insert(RetestTask), rows)


def _close_tasks(session: Session, person_id: int, tube: Tube, at: datetime) -> None:
    session.execute(update(RetestTask).where(
        RetestTask.person_id == person_id, RetestTask.done_at.is_(None), RetestTask.source_tube_id != tube.id,
    ).values(done_at=at, result_tube_id=tube.id, result=tube.result))


def conflict_reason(barcode: str, result: str) -> str:
    return f"tube {barcode} has a different result already; {result} is kept for review, not applied"


def apply_results(
    session: Session, actor: Principal, items: list[ResultFields], import_id: int | None = None,
) -> list[str]:
    """Many results at once (a lab's file): the same rules as record_result, set-based.

    Answers per item, in order: loaded, unchanged, conflict or unknown_tube. A file naming
    one tube twice is read in order, so its second, different result is a conflict.
    """
    require(actor, "record_results")
    barcodes = sorted({item.barcode for item in items})
    # A tube outside the jurisdiction is unknown, as one never scanned.
    tubes: dict[str, list[Any]] = {
        row.barcode: [row.id, row.result, row.pool_size, row.members]
        for row in session.execute(select(Tube.id, Tube.barcode, Tube.result, Tube.pool_size, Tube.members)
                                   .where(Tube.barcode.in_(barcodes), tubes_in_reach(actor)))
    }
    labs = set(session.scalars(select(Lab.code).where(Lab.code.in_({item.lab_code for item in items}))))
    answers: list[str] = []
    results: list[dict[str, Any]] = []
    applied: dict[int, dict[str, Any]] = {}
    conflicts: dict[int, str] = {}
    for item in items:
        tube = tubes.get(item.barcode)
        if tube is None:
            answers.append("unknown_tube")
            continue
        flag = None if item.lab_code in labs else f"lab {item.lab_code} unknown"
        row = {"tube_id": tube[0], "result": item.result, "tested_at": item.tested_at, "lab_code": item.lab_code,
               "ct_orf1ab": item.ct_orf1ab, "ct_n": item.ct_n, "flag": flag, "import_id": import_id,
               "actor_id": actor.id or None, "status": "applied", "created_at": now()}
        if tube[1] == item.result:
            answers.append("unchanged")
            continue
        if tube[1] is not None:
            results.append(row | {"status": "conflict"})
            conflicts[tube[0]] = f"two different results: {tube[1]}, then {item.result} from {item.lab_code}"[:300]
            answers.append("conflict")
            continue
        tube[1] = item.result
        results.append(row)
        applied[tube[0]] = {"tid": tube[0], "result": item.result, "tested_at": item.tested_at,
                            "lab_code": item.lab_code, "ct_orf1ab": item.ct_orf1ab, "ct_n": item.ct_n,
                            "flag": flag}
        answers.append("loaded")
    if results:
        session.execute(insert(LabResult), results)
    if applied:
        session.execute(
            update(TUBES).where(TUBES.c.id == bindparam("tid")).values(
                result=bindparam("result"), tested_at=bindparam("tested_at"), lab_code=bindparam("lab_code"),
                ct_orf1ab=bindparam("ct_orf1ab"), ct_n=bindparam("ct_n"), state="tested",
                flag=func.coalesce(bindparam("flag"), TUBES.c.flag)),
            list(applied.values()))
    for tube_id, flag in conflicts.items():
        session.execute(update(Tube).where(Tube.id == tube_id).values(flag=flag))
    # Negative pools, the bulk of any round, set nothing off: only the rest is looked at one by one.
    sizes = tubes_by_id(tubes)
    follow = [tid for tid, values in applied.items() if values["result"] != "negative" or sizes[tid] <= 1]
    for start in range(0, len(follow), 1000):
        for loaded in session.scalars(select(Tube).where(Tube.id.in_(follow[start:start + 1000]))):
            consequences(session, loaded)
    if applied or conflicts:
        audit.record(session, actor, "results", "tubes", None, after={
            "loaded": len(applied), "conflicts": len(conflicts), "import_id": import_id})
    session.flush()
    return answers


def tubes_by_id(tubes: dict[str, list[Any]]) -> dict[int, int]:
    """Tube id -> the larger of its pool size and members: 1 means a single tube."""
    return {values[0]: max(values[2], values[3]) for values in tubes.values()}


def last_negative(session: Session, person_id: int, before: datetime) -> datetime | None:
    """When the person was last sampled into a pool that tested negative, before `before` (the
    look-back of a case found by routine repeated testing starts there, under cn-9)."""
    found: datetime | None = session.scalar(
        select(func.max(Sample.sampled_at)).join(Tube, Tube.id == Sample.tube_id)
        .where(Sample.person_id == person_id, Sample.sampled_at < before, Tube.result == "negative"))
    return found
