"""What screening follows up, person by person: open retest tasks by door, positive single tubes
waiting for the CDC (confirmed here into tracing's case), and people registered on the spot. Each
of the jurisdiction alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require
from fangyi.audit import service as audit
from fangyi.errors import Conflict, NotFound
from fangyi.registry.models import Person
from fangyi.screening.models import RetestTask, SuspectedCase, Tube, UnverifiedPerson
from fangyi.timeutil import now
from fangyi.tracing.service import CaseFields, create_case


@dataclass
class Door:
    """The open retest tasks of one household (else address): one visit for the team."""

    group: str
    area_code: str
    reason: str
    people: list[Person] = field(default_factory=list)


def open_retests(session: Session, who: Principal, limit: int = 5000) -> list[Door]:
    require(who, "read_screening")
    rows = session.execute(
        select(RetestTask, Person).join(Person, Person.id == RetestTask.person_id)
        .where(RetestTask.done_at.is_(None), in_jurisdiction(who, RetestTask.area_code))
        .order_by(RetestTask.area_code, RetestTask.group_key).limit(limit)
    ).all()
    doors: dict[tuple[str, str, str], Door] = {}
    for task, person in rows:
        key = (task.group_key, task.area_code, task.reason)
        doors.setdefault(key, Door(*key)).people.append(person)
    return list(doors.values())


@dataclass
class Suspected:
    case: SuspectedCase
    person: Person
    barcode: str


def suspected_cases(session: Session, who: Principal, limit: int = 1000) -> list[Suspected]:
    require(who, "read_screening")
    rows = session.execute(
        select(SuspectedCase, Person, Tube.barcode).join(Person, Person.id == SuspectedCase.person_id)
        .join(Tube, Tube.id == SuspectedCase.tube_id).where(in_jurisdiction(who, Person.area_code))
        .order_by(SuspectedCase.tested_at.desc()).limit(limit)
    ).all()
    return [Suspected(found, person, barcode) for found, person, barcode in rows]


def confirm_suspected(
    session: Session, actor: Principal, suspected_id: int, *, case_no: str, classification: str,
    source: str, confirmed_at: datetime | None = None,
) -> SuspectedCase:
    """Open the case (tracing derives its contacts); the suspected record points at it. The caller commits."""
    require(actor, "edit_cases")
    suspected = session.get(SuspectedCase, suspected_id)
    if suspected is None:
        raise NotFound(f"no suspected case {suspected_id}")
    person = session.get(Person, suspected.person_id)
    assert person is not None
    check_area(actor, person.area_code)
    if suspected.status != "pending":
        raise Conflict(f"suspected case {suspected.id} is {suspected.status} already")
    fields = CaseFields(case_no=case_no, id_number=person.id_number, classification=classification,
                        onset_date=None, sampled_at=suspected.sampled_at,
                        confirmed_at=confirmed_at or max(now(), suspected.tested_at), source=source)
    case = create_case(session, actor, fields)
    suspected.status, suspected.case_id = "confirmed", case.id
    audit.record(session, actor, "confirm", "suspected_case", suspected.id, after={"case_no": case_no})
    session.flush()
    return suspected


@dataclass
class Unverified:
    entry: UnverifiedPerson
    person: Person


def unverified_persons(session: Session, who: Principal, limit: int = 1000) -> list[Unverified]:
    """People registered on the spot at sampling, waiting for the registry's checkers."""
    require(who, "read_registry")
    rows = session.execute(
        select(UnverifiedPerson, Person).join(Person, Person.id == UnverifiedPerson.person_id)
        .where(UnverifiedPerson.checked_at.is_(None), in_jurisdiction(who, Person.area_code))
        .order_by(UnverifiedPerson.created_at).limit(limit)
    ).all()
    return [Unverified(entry, person) for entry, person in rows]

