"""协查: lists of people to find and control, sent by other counties and big-data pushes.

A list is imported like any file (kind "assist"); each row is matched to the registry by
identity number, else by phone and name together. Matched people go to the tracers of the
area they live in, like derived contacts; the unmatched wait on a list to be matched by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, county_wide, in_jurisdiction, require
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.identity import IdentityError, parse_id_number, parse_phone
from fangyi.imports.models import ImportRun
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.quarantine import service as quarantine
from fangyi.registry.models import Person
from fangyi.timeutil import aware, local_tz, now
from fangyi.tracing.assignment import plan
from fangyi.tracing.assist_models import ASSIST_SOURCES, AssistList, AssistPerson
from fangyi.tracing.models import REACH_OUTCOMES


@dataclass
class AssistRow:
    id_number: str | None
    name: str
    phone: str | None
    reason: str
    source: str
    deadline: datetime


def _deadline(raw: str) -> datetime:
    try:
        if len(raw) == 10:  # a date: the end of that local day
            day = datetime.fromisoformat(raw).date()
            return datetime.combine(day, time(23, 59, 59), local_tz())
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{raw!r} is not a date or time (YYYY-MM-DD[THH:MM])", column="deadline") from None
    return aware(moment)


def clean_row(row: dict[str, str | None]) -> AssistRow:
    """Check one row of a list; raise Invalid naming the column."""
    def text(column: str, limit: int) -> str:
        value = (row.get(column) or "").strip()
        if len(value) > limit:
            raise Invalid(f"is longer than {limit} characters", column=column)
        return value

    name, reason = text("name", 100), text("reason", 500)
    if not name:
        raise Invalid("is required", column="name")
    if not reason:
        raise Invalid("is required", column="reason")
    id_number = phone = None
    if raw := text("id_number", 40):
        try:
            id_number = parse_id_number(raw).id_number
        except IdentityError as exc:
            raise Invalid(str(exc), column="id_number") from None
    if raw := text("phone", 30):
        try:
            phone = parse_phone(raw)
        except IdentityError as exc:
            raise Invalid(str(exc), column="phone") from None
    if id_number is None and phone is None:
        raise Invalid("an identity number or a phone is needed to find the person", column="id_number")
    source = text("source", 20).replace("-", "_").lower()
    if source not in ASSIST_SOURCES:
        raise Invalid(f"{source!r} is not one of county, big-data", column="source")
    deadline = text("deadline", 40)
    if not deadline:
        raise Invalid("is required", column="deadline")
    return AssistRow(id_number, name, phone, reason, source, _deadline(deadline))


def _survivor(session: Session, person: Person | None) -> Person | None:
    while person is not None and person.merged_into_id is not None:
        person = session.get(Person, person.merged_into_id)
    return person


def match(session: Session, row: AssistRow) -> tuple[Person | None, str | None]:
    """The registry's person for a row: by identity number, else by phone and name (only if one fits)."""
    if row.id_number is not None:
        person = session.scalar(select(Person).where(Person.id_number == row.id_number))
        if person is not None:
            return _survivor(session, person), "id_number"
    if row.phone is not None:
        found = list(session.scalars(select(Person).where(Person.phone == row.phone, Person.name == row.name,
                                                          Person.merged_into_id.is_(None)).limit(2)))
        if len(found) == 1:
            return found[0], "phone_name"
    return None, None


def _route(session: Session, people: list[AssistPerson]) -> None:
    at = now()
    owners = plan(session, [p.person_id for p in people if p.person_id is not None], at)
    for item in people:
        if item.person_id in owners:
            item.assigned_to_id, item.assigned_at = owners[item.person_id], at


class AssistImport(Handler):
    required = ("name", "reason", "source", "deadline")
    optional = ("id_number", "phone")
    batch_size = 500

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.kept: list[AssistPerson] = []
        self.list_id: int | None = None
        self.seen: set[tuple[object, ...]] = set()

    def take(self, line: int, values: Values) -> Problem | None:
        try:
            row = clean_row(self.row(values))
        except Invalid as exc:
            column = exc.extra.get("column")
            return Problem(line, str(column) if column else None, exc.detail)
        if self._known(row):
            self.unchanged += 1  # the same list sent again changes nothing
            return None
        if self.dry:
            return None
        person, how = match(self.ctx.session, row)
        self.kept.append(AssistPerson(
            line=line, id_number=row.id_number, name=row.name, phone=row.phone, reason=row.reason,
            source=row.source, deadline=row.deadline, person_id=person.id if person else None, matched_by=how,
            matched_at=now() if person else None, attempts=0,
        ))
        if len(self.kept) >= self.batch_size:
            return next(iter(self.flush()), None)
        return None

    def _known(self, row: AssistRow) -> bool:
        key = (row.id_number, row.phone, row.name, row.reason, row.source, row.deadline)
        if key in self.seen:
            return True
        self.seen.add(key)
        same = [AssistPerson.name == row.name, AssistPerson.reason == row.reason, AssistPerson.source == row.source,
                AssistPerson.deadline == row.deadline,
                AssistPerson.id_number.is_(None) if row.id_number is None else AssistPerson.id_number == row.id_number,
                AssistPerson.phone.is_(None) if row.phone is None else AssistPerson.phone == row.phone]
        return self.ctx.session.scalar(select(AssistPerson.id).where(*same).limit(1)) is not None

    def flush(self) -> list[Problem]:
        if not self.kept or self.dry:
            self.kept.clear()
            return []
        session = self.ctx.session
        if self.list_id is None:
            run = session.get(ImportRun, self.ctx.import_id)
            assist_list = AssistList(import_id=self.ctx.import_id, name=run.filename if run else "list",
                                     actor_id=self.ctx.actor.id or None)
            session.add(assist_list)
            session.flush()
            self.list_id = assist_list.id
            audit.record(session, self.ctx.actor, "create", "assist_list", assist_list.id,
                         after={"import_id": self.ctx.import_id, "name": assist_list.name})
        for item in self.kept:
            item.list_id = self.list_id
        _route(session, self.kept)
        session.add_all(self.kept)
        session.flush()
        self.loaded += len(self.kept)
        self.kept.clear()
        return []




# --- reading and working a list -------------------------------------------------------


def lists(session: Session, user: User) -> list[tuple[AssistList, dict[str, Any]]]:
    require(user, "read_cases")
    found = session.scalars(select(AssistList).order_by(AssistList.id.desc()).limit(200)).all()
    return [(item, progress(session, user, item.id)) for item in found]


def get_list(session: Session, user: User, list_id: int) -> AssistList:
    require(user, "read_cases")
    found = session.get(AssistList, list_id)
    if found is None:
        raise NotFound(f"assist list {list_id} not found")
    return found


def _seen(who: Principal) -> ColumnElement[bool]:
    """The rows of a list the reader works: matched people in their jurisdiction; rows matched to
    nobody (no area yet) only for the county-wide, who match them by hand."""
    mine = AssistPerson.person_id.in_(select(Person.id).where(in_jurisdiction(who, Person.area_code)))
    return or_(mine, AssistPerson.person_id.is_(None)) if county_wide(who) else mine


def progress(session: Session, who: Principal, list_id: int, at: datetime | None = None) -> dict[str, Any]:
    """How far a list is, in the reader's share of it: found, reached, controlled, still open, and
    how many are past their deadline."""
    at = at or now()
    rows = session.execute(
        select(AssistPerson.person_id, AssistPerson.reached_at, AssistPerson.controlled_at, AssistPerson.deadline)
        .where(AssistPerson.list_id == list_id, _seen(who))
    ).all()
    deadline = min((row.deadline for row in rows), default=None)
    open_rows = [row for row in rows if row.controlled_at is None]
    return {
        "total": len(rows),
        "matched": sum(1 for row in rows if row.person_id is not None),
        "unmatched": sum(1 for row in rows if row.person_id is None),
        "reached": sum(1 for row in rows if row.reached_at is not None),
        "controlled": len(rows) - len(open_rows),
        "open": len(open_rows),
        "overdue": sum(1 for row in open_rows if row.deadline < at),
        "deadline": deadline,
        "time_left_hours": None if deadline is None else round((deadline - at) / timedelta(hours=1), 1),
    }


def people(session: Session, who: Principal, list_id: int, *, unmatched: bool | None = None) -> list[AssistPerson]:
    """The list's rows the reader works (see `_seen`), in the list's order."""
    query = select(AssistPerson).where(AssistPerson.list_id == list_id, _seen(who)).order_by(AssistPerson.line)
    if unmatched is not None:
        query = query.where(AssistPerson.person_id.is_(None) if unmatched else AssistPerson.person_id.is_not(None))
    return list(session.scalars(query))


def _item(session: Session, actor: Principal, item_id: int) -> AssistPerson:
    item = session.get(AssistPerson, item_id)
    if item is None:
        raise NotFound(f"assist person {item_id} not found")
    person = session.get(Person, item.person_id) if item.person_id is not None else None
    check_area(actor, person.area_code if person is not None else None)
    return item


def match_by_hand(session: Session, actor: Principal, item_id: int, id_number: str) -> AssistPerson:
    """A tracer found who an unmatched row means: link it to that registry person and route it."""
    require(actor, "edit_cases")
    item = _item(session, actor, item_id)
    if item.person_id is not None:
        raise Conflict(f"row {item.line} is matched already")
    try:
        number = parse_id_number(id_number.strip()).id_number
    except IdentityError as exc:
        raise Invalid(str(exc), column="id_number") from None
    person = _survivor(session, session.scalar(select(Person).where(Person.id_number == number)))
    if person is None:
        raise Invalid(f"no person with identity number {number} in the registry", column="id_number")
    item.person_id, item.matched_by, item.matched_at = person.id, "hand", now()
    _route(session, [item])
    session.flush()
    audit.record(session, actor, "match", "assist_person", item.id, after={"person_id": person.id})
    return item


def log_attempt(session: Session, actor: Principal, item_id: int, outcome: str) -> AssistPerson:
    require(actor, "edit_cases")
    item = _item(session, actor, item_id)
    if outcome not in REACH_OUTCOMES:
        raise Invalid(f"outcome {outcome!r} is not one of {', '.join(REACH_OUTCOMES)}", column="outcome")
    if item.person_id is None:
        raise Invalid("match the row to a registry person first", column="person_id")
    moment = now()
    item.attempts += 1
    item.last_outcome, item.last_attempt_at = outcome, moment
    if outcome == "reached" and item.reached_at is None:
        item.reached_at = moment
    session.flush()
    audit.record(session, actor, "reach", "assist_person", item.id, after={"outcome": outcome})
    return item


def control(session: Session, actor: Principal, item_id: int, *, category: str = "close_contact",
            last_exposure: datetime | None = None) -> AssistPerson:
    """The person is found and put under control: handed over for quarantine (a placement request,
    as a traced contact's hand-over makes) and done for the list. A list says nothing of when they
    were exposed: unless the tracer learned it, the list's arrival stands for it, which can only
    make the quarantine longer, never too short."""
    require(actor, "edit_cases")
    item = _item(session, actor, item_id)
    if item.person_id is None:
        raise Invalid("match the row to a person of the registry first", column="id_number")
    if item.reached_at is None:
        raise Invalid("only a person who was reached is put under control", column="status")
    if item.controlled_at is not None:
        raise Conflict(f"row {item.line} is under control already")
    the_list = session.get(AssistList, item.list_id)
    assert the_list is not None
    exposure = last_exposure or the_list.created_at
    item.controlled_at = now()
    session.flush()
    audit.record(session, actor, "control", "assist_person", item.id,
                 after={"controlled_at": item.controlled_at.isoformat()})
    quarantine.request_placements(session, actor, [quarantine.Wanted(
        person_id=item.person_id, category=category, last_exposure=exposure,
        reason=f"协查 {the_list.name} #{item.line}: {item.reason}"[:200], source="assist")])
    return item


def queue(session: Session, user: User, tracer_id: int | None = None,
          limit: int = 200) -> list[tuple[AssistPerson, Person]]:
    """Matched people still to find or control, in the user's jurisdiction; a tracer's own by default."""
    require(user, "read_cases")
    query = (select(AssistPerson, Person).join(Person, Person.id == AssistPerson.person_id)
             .where(AssistPerson.controlled_at.is_(None), in_jurisdiction(user, Person.area_code)))
    if tracer_id is None and user.role == "tracer":
        tracer_id = user.id
    if tracer_id is not None:
        query = query.where(AssistPerson.assigned_to_id == tracer_id)
    rows = session.execute(query.order_by(AssistPerson.deadline, AssistPerson.id).limit(limit)).all()
    return [(item, person) for item, person in rows]

