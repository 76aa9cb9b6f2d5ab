"""Cases: the checks on a case's fields, creating and changing one (which derives its
contacts at once), and finding cases within a user's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction, require, sees
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.db.once import create_once
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.events import publish
from fangyi.identity import IdentityError, parse_id_number
from fangyi.parts import installed
from fangyi.registry.models import Person
from fangyi.registry.persons import FieldError
from fangyi.timeutil import local_tz, now
from fangyi.tracing import chains
from fangyi.tracing.contacts import refresh, within
from fangyi.tracing.events import CaseConfirmed
from fangyi.tracing.models import CLASSIFICATIONS, FOUND_BY, SOURCES, Case

CASE_COLUMNS = ("case_no", "id_number", "classification", "onset_date", "sampled_at", "confirmed_at", "source",
                "origin", "found_by")


@dataclass
class CaseFields:
    case_no: str
    id_number: str
    classification: str
    onset_date: date | None
    sampled_at: datetime
    confirmed_at: datetime
    source: str
    origin: str | None = None
    infected_by: str | None = None  # the source case's number
    isolated_at: datetime | None = None
    found_by: str | None = None


def _text(row: dict[str, str | None], column: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = row.get(column)
    value = value.strip() if value is not None else None
    if not value:
        if required:
            raise FieldError(column, "is required")
        return None
    if len(value) > max_length:
        raise FieldError(column, f"is longer than {max_length} characters")
    return value


def _instant(row: dict[str, str | None], column: str, tz: ZoneInfo, *, required: bool = False) -> datetime | None:
    value = _text(row, column, required=required, max_length=40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(column, f"{value!r} is not an ISO 8601 time (YYYY-MM-DDTHH:MM[:SS][+08:00])") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(tz)


def clean_case(row: dict[str, str | None], tz: ZoneInfo) -> CaseFields:
    """Check one case's fields as typed or imported; raise FieldError naming the column."""
    case_no = _text(row, "case_no", required=True, max_length=40)
    raw_id = _text(row, "id_number", required=True, max_length=40)
    assert case_no is not None and raw_id is not None
    try:
        id_number = parse_id_number(raw_id).id_number
    except IdentityError as exc:
        raise FieldError("id_number", str(exc)) from None
    classification = _text(row, "classification", required=True)
    if classification not in CLASSIFICATIONS:
        raise FieldError("classification", f"{classification!r} is not one of {', '.join(CLASSIFICATIONS)}")
    source = _text(row, "source", required=True)
    if source not in SOURCES:
        raise FieldError("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    onset = None
    if (given := _text(row, "onset_date", max_length=10)) is not None:
        try:
            onset = date.fromisoformat(given)
        except ValueError:
            raise FieldError("onset_date", f"{given!r} is not a date (YYYY-MM-DD)") from None
    sampled = _instant(row, "sampled_at", tz, required=True)
    confirmed = _instant(row, "confirmed_at", tz, required=True)
    assert sampled is not None and confirmed is not None
    found_by = _text(row, "found_by", max_length=20)
    if found_by is not None and found_by not in FOUND_BY:
        raise FieldError("found_by", f"{found_by!r} is not one of {', '.join(FOUND_BY)}")
    return CaseFields(
        case_no, id_number, classification, onset, sampled, confirmed, source, _text(row, "origin"),
        _text(row, "infected_by", max_length=40), _instant(row, "isolated_at", tz), found_by,
    )


def check_case(session: Session, values: CaseFields, case: Case | None) -> tuple[Person, Case | None]:
    """The rules that need the database or the clock; each refusal names its field."""
    person = session.scalar(select(Person).where(Person.id_number == values.id_number))
    if person is None:
        raise Invalid(f"no person with identity number {values.id_number} in the registry", column="id_number")
    while person.merged_into_id is not None:  # a merged record stands for the surviving one
        survivor = session.get(Person, person.merged_into_id)
        assert survivor is not None
        person = survivor
    moment = now()
    if values.sampled_at > moment:
        raise Invalid("the sampling time is in the future", column="sampled_at")
    if values.confirmed_at > moment:
        raise Invalid("the confirmation time is in the future", column="confirmed_at")
    if values.confirmed_at < values.sampled_at:
        raise Invalid("the case is confirmed before it was sampled", column="confirmed_at")
    if values.onset_date is not None and values.onset_date > values.confirmed_at.astimezone(local_tz()).date():
        raise Invalid("the onset date is after the confirmation", column="onset_date")
    if values.isolated_at is not None and values.isolated_at > values.confirmed_at:
        raise Invalid("isolation is an earlier quarantine start: it cannot follow confirmation",
                      column="isolated_at")
    source = None
    if values.infected_by is not None:
        source = session.scalar(select(Case).where(Case.case_no == values.infected_by))
        if source is None:
            raise Invalid(f"no case {values.infected_by} to have infected this one", column="infected_by")
        # Walk up the source links: meeting this case again would make a cycle.
        seen: set[int] = set()
        step: Case | None = source
        while step is not None and step.id not in seen:
            if (case is not None and step.id == case.id) or step.case_no == values.case_no:
                raise Invalid(f"case {values.infected_by} was itself infected through this case: a cycle",
                              column="infected_by")
            seen.add(step.id)
            step = session.get(Case, step.infected_by_case_id) if step.infected_by_case_id else None
    return person, source


def _snapshot(case: Case) -> dict[str, Any]:
    return audit.snapshot(case) | {"derived_at": None}


def _apply(case: Case, values: CaseFields, person: Person, source: Case | None) -> None:
    case.person_id = person.id
    case.classification = values.classification
    case.onset_date = values.onset_date
    case.sampled_at = values.sampled_at
    case.confirmed_at = values.confirmed_at
    case.source = values.source
    case.origin = values.origin
    case.infected_by_case_id = source.id if source else None
    case.isolated_at = values.isolated_at
    case.found_by = values.found_by


def _read_last_negative(session: Session, case: Case) -> None:
    """A case found by routine repeated testing keeps when its person last tested negative before
    this sample (from whichever part holds the tests): the edition may start its look-back there."""
    case.last_negative_at = (installed().last_negative(session, case.person_id, case.sampled_at)
                             if case.found_by == "routine_screening" else None)


def add_case(session: Session, actor: Principal, values: CaseFields) -> tuple[Case, bool]:
    """Open a case once: the same case sent again is the stored one (False: not new); other values
    under a stored case number are a Conflict."""
    require(actor, "edit_cases")

    def same() -> Case | None:
        stored = session.scalar(select(Case).where(Case.case_no == values.case_no))
        if stored is None:
            return None
        person = session.get(Person, stored.person_id)
        if person is None or not sees(actor, person.area_code):
            return None
        return stored if case_fields(session, stored) == values else None

    return create_once(session, same, lambda: create_case(session, actor, values))


def create_case(session: Session, actor: Principal, values: CaseFields) -> Case:
    """Open a case and derive its contacts at once."""
    require(actor, "edit_cases")
    person, source = check_case(session, values, None)
    within(session, actor, person.id)
    if session.scalar(select(Case.id).where(Case.case_no == values.case_no)) is not None:
        raise Conflict(f"case {values.case_no} exists already", column="case_no")
    case = Case(case_no=values.case_no)
    _apply(case, values, person, source)
    _read_last_negative(session, case)
    session.add(case)
    session.flush()
    audit.record(session, actor, "create", "case", case.id, after=_snapshot(case))
    refresh(session, actor, case)
    publish(session, actor, CaseConfirmed(case.id, case.case_no, person.id, person.area_code, case.confirmed_at))
    return case


def update_case(session: Session, actor: Principal, case: Case, values: CaseFields) -> Case:
    """Change a case; its contacts are derived again, keeping the tracers' decisions."""
    require(actor, "edit_cases")
    within(session, actor, case.person_id)
    if values.case_no != case.case_no:
        raise Invalid("a case keeps its number", column="case_no")
    person, source = check_case(session, values, case)
    within(session, actor, person.id)
    before = _snapshot(case)
    _apply(case, values, person, source)
    _read_last_negative(session, case)
    session.flush()
    changed_before, changed_after = audit.changes(before, _snapshot(case))
    if changed_after:
        audit.record(session, actor, "update", "case", case.id, before=changed_before, after=changed_after)
    refresh(session, actor, case)
    return case


def case_fields(session: Session, case: Case) -> CaseFields:
    """A stored case as fields, to change some of them."""
    person = session.get(Person, case.person_id)
    source = session.get(Case, case.infected_by_case_id) if case.infected_by_case_id else None
    assert person is not None
    return CaseFields(
        case.case_no, person.id_number, case.classification, case.onset_date, case.sampled_at,
        case.confirmed_at, case.source, case.origin, source.case_no if source else None, case.isolated_at,
        case.found_by,
    )


def may_enter_cases(actor: Principal) -> None:
    """Before the blank form: only who may enter a case sees it."""
    require(actor, "edit_cases")


def get_case(session: Session, user: Principal, case_no: str, *, need: str = "read_cases") -> Case:
    """A case within the user's jurisdiction, for what they mean to do with it (`need`: the
    permission, asked before the case is looked up so that a refusal tells nothing of it)."""
    require(user, need)
    case = session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise NotFound(f"case {case_no} not found")
    within(session, user, case.person_id)
    return case


def get_case_by_id(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    return case


def list_cases(
    session: Session, user: User, *, offset: int = 0, limit: int = 50
) -> tuple[list[tuple[Case, Person]], int]:
    """Cases whose person lives in the user's jurisdiction, newest confirmation first."""
    require(user, "read_cases")
    query = select(Case, Person).join(Person, Person.id == Case.person_id).where(
        in_jurisdiction(user, Person.area_code)
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Case.confirmed_at.desc(), Case.id.desc()).offset(offset).limit(limit))
    return [(case, person) for case, person in rows], total


def reveal_case(session: Session, user: Principal, case_no: str, *, note: str) -> Case:
    """Whole identity numbers on a case's page: for who may see them, and on the record."""
    require(user, "see_identity")
    case = get_case(session, user, case_no)
    audit.record(session, user, "view_identity", "case", case.id, note=note)
    return case


def _visible_cases(session: Session, who: Principal) -> dict[int, str]:
    rows = session.execute(
        select(Case.id, Case.case_no).join(Person, Person.id == Case.person_id)
        .where(in_jurisdiction(who, Person.area_code))
    )
    return {int(case_id): str(case_no) for case_id, case_no in rows}


def clusters_seen(session: Session, who: Principal, *, settings: bool = False) -> list[chains.Cluster]:
    """The clusters holding a case in the reader's jurisdiction, as the reader may read them (with
    `settings`, where each link's two cases met)."""
    require(who, "read_cases")
    visible = _visible_cases(session, who)
    if not visible:
        return []
    names = set(visible.values())
    return [cluster.seen(names) for cluster in chains.clusters(session, set(visible), settings=settings)]


def cluster_of(session: Session, who: Principal, case: Case) -> chains.Cluster:
    """One case's cluster as the reader may read it (the case itself is one the reader sees)."""
    require(who, "read_cases")
    return chains.clusters(session, {case.id})[0].seen(set(_visible_cases(session, who).values()))
