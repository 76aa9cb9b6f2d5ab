"""Persons: the checks on a person's fields, search, and merging duplicates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from fangyi.access import Principal, can, check_area, in_jurisdiction, require, sees
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.audit import service as audit
from fangyi.db.once import create_once
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.identity import IdentityError, mask_id_number, parse_id_number, parse_phone, parse_sex
from fangyi.parts import installed
from fangyi.registry.models import Area, Checkin, Household, Person, PersonMerge, Venue
from fangyi.timeutil import now


class FieldError(ValueError):
    """A value refused for one column, with the reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


R = TypeVar("R")

# What a record that does not exist and one outside the jurisdiction both answer (as check_area).
NOT_FOUND = "not found in your jurisdiction"


def checked(clean: Callable[[dict[str, str | None]], R], values: Mapping[str, Any]) -> R:
    """Run a clean_* rule on values given as anything (a request's body): each is read as text, and
    a refused field is Invalid naming its column."""
    row = {key: None if value is None else str(value) for key, value in values.items()}
    try:
        return clean(row)
    except FieldError as exc:
        raise Invalid(f"{exc.column}: {exc.reason}", column=exc.column) from None
    except OverflowError:
        raise Invalid("a time or number is out of range") from None


@dataclass
class PersonFields:
    id_number: str
    doc_kind: str
    name: str
    sex: str | None
    birth_date: date | None
    phone: str | None
    area_code: str
    address: str | None
    household: str | None


def clean_person(row: dict[str, str | None]) -> PersonFields:
    """Check one person's fields as typed or imported; raise FieldError naming the column.

    Birth date and sex are read from a resident identity number and must agree
    with the columns when those are given too.
    """

    def text(column: str) -> str | None:
        value = row.get(column)
        return value.strip() if value and value.strip() else None

    raw_id = text("id_number")
    if raw_id is None:
        raise FieldError("id_number", "is required")
    try:
        identity = parse_id_number(raw_id)
    except IdentityError as exc:
        raise FieldError("id_number", str(exc)) from None
    name = text("name")
    if name is None:
        raise FieldError("name", "is required")
    if len(name) > 100:
        raise FieldError("name", "is longer than 100 characters")
    sex = identity.sex
    if (given_sex := text("sex")) is not None:
        try:
            parsed_sex = parse_sex(given_sex)
        except IdentityError as exc:
            raise FieldError("sex", str(exc)) from None
        if sex is not None and parsed_sex != sex:
            # Not what the number says: to a role that sees numbers masked, that is part of the number.
            raise FieldError("sex", f"{given_sex} contradicts the identity number")
        sex = parsed_sex
    birth = identity.birth_date
    if (given_birth := text("birth_date")) is not None:
        try:
            parsed_birth = date.fromisoformat(given_birth)
        except ValueError:
            raise FieldError("birth_date", f"{given_birth!r} is not a date (YYYY-MM-DD)") from None
        if birth is not None and parsed_birth != birth:
            raise FieldError("birth_date", f"{given_birth} contradicts the identity number")
        birth = parsed_birth
    phone = None
    if (given_phone := text("phone")) is not None:
        try:
            phone = parse_phone(given_phone)
        except IdentityError as exc:
            raise FieldError("phone", str(exc)) from None
    area_code = text("area_code")
    if area_code is None:
        raise FieldError("area_code", "is required")
    address = text("address")
    if address is not None and len(address) > 200:
        raise FieldError("address", "is longer than 200 characters")
    return PersonFields(
        identity.id_number, identity.doc_kind, name, sex, birth, phone, area_code, address, text("household")
    )


PERSON_COLUMNS = ("id_number", "doc_kind", "name", "sex", "birth_date", "phone", "area_code", "address")


def _snapshot(person: Person) -> dict[str, Any]:
    return audit.snapshot(person) | {"household": person.household.code if person.household else None}


def household_for(session: Session, code: str, area_code: str) -> Household:
    household = session.scalar(select(Household).where(Household.code == code))
    if household is None:
        household = Household(code=code, area_code=area_code)
        session.add(household)
        session.flush()
    return household


def save_person(session: Session, actor: Principal, values: PersonFields, person: Person | None = None) -> Person:
    """Create a person, or update one, with the audit trail's before and after.

    Every record the write touches lies in the actor's jurisdiction: the person as stored, the area
    they move to, and the household they join.
    """
    require(actor, "edit_registry")
    if person is not None:
        check_area(actor, person.area_code)
    check_area(actor, values.area_code)
    if session.get(Area, values.area_code) is None:
        raise Invalid(f"area {values.area_code} is not in the registry", column="area_code")
    _refuse_taken_number(session, actor, values.id_number, person)
    household = None
    if values.household:
        household = household_for(session, values.household, values.area_code)
        check_area(actor, household.area_code)
    if person is None:
        person = Person(id_number=values.id_number)
        session.add(person)
        before: dict[str, Any] = {}
    else:
        before = _snapshot(person)
    for column in PERSON_COLUMNS:
        setattr(person, column, getattr(values, column))
    person.household = household
    session.flush()
    after = _snapshot(person)
    if before:
        changed_before, changed_after = audit.changes(before, after)
        if changed_after:
            audit.record(session, actor, "update", "person", person.id, before=changed_before, after=changed_after)
    else:
        audit.record(session, actor, "create", "person", person.id, after=after)
    return person


def _refuse_taken_number(session: Session, actor: Principal, id_number: str, person: Person | None) -> None:
    """A Conflict when another record holds the number; it is quoted only when the actor may read
    that record (the number of someone outside the jurisdiction is never echoed back)."""
    holder = session.execute(
        select(Person.id, Person.area_code).where(Person.id_number == id_number)
    ).first()
    if holder is None or (person is not None and holder.id == person.id):
        return
    if sees(actor, holder.area_code):
        raise Conflict(f"a person with identity number {id_number} exists already", column="id_number")
    raise Conflict("a person with this identity number is registered already", column="id_number")


def create_person(session: Session, actor: Principal, values: Mapping[str, Any]) -> Person:
    """A person from a request's fields (checked by clean_person)."""
    return add_person(session, actor, values)[0]


def _same_person(session: Session, actor: Principal, values: PersonFields) -> Person | None:
    """The stored person these very values describe, when the actor may read them."""
    stored = session.scalar(select(Person).where(Person.id_number == values.id_number))
    if stored is None or not sees(actor, stored.area_code):
        return None
    household = stored.household.code if stored.household else None
    same = all(getattr(stored, column) == getattr(values, column) for column in PERSON_COLUMNS)
    return stored if same and household == values.household else None


def add_person(session: Session, actor: Principal, values: Mapping[str, Any]) -> tuple[Person, bool]:
    """A person from a request's fields, made once: the same person sent again (a resend, two
    clicks, two handhelds) is the stored one, with False for "not new"; different values for a
    stored identity number are a Conflict."""
    require(actor, "edit_registry")
    fields = checked(clean_person, values)
    return create_once(session, lambda: _same_person(session, actor, fields),
                       lambda: save_person(session, actor, fields))


def update_person(session: Session, actor: Principal, person_id: int, changes: Mapping[str, Any]) -> Person:
    """Change the fields given; the others keep their stored values."""
    require(actor, "edit_registry")
    person = get_person(session, actor, person_id)
    values = {
        "id_number": person.id_number, "name": person.name, "sex": person.sex, "birth_date": person.birth_date,
        "phone": person.phone, "area_code": person.area_code, "address": person.address,
        "household": person.household.code if person.household else None,
    } | dict(changes)
    if values["id_number"] != person.id_number:
        # A corrected number carries its own birth date and sex; the old ones must not contradict it.
        for column in ("birth_date", "sex"):
            values[column] = changes.get(column)
    return save_person(session, actor, checked(clean_person, values), person)


def register_on_the_spot(session: Session, actor: Principal, *, id_number: str, name: str, area_code: str,
                        note: str) -> Person:
    """A person not yet in the registry, put in by field staff (at a sampling point, a checkpoint)
    from the identity number alone: what the number says (sex, birth date) is kept, the rest waits
    for the registry's own checkers."""
    require(actor, "register_persons")
    check_area(actor, area_code)
    try:
        identity = parse_id_number(id_number)
    except IdentityError as exc:
        raise Invalid(str(exc), column="id_number") from None
    if session.scalar(select(Person.id).where(Person.id_number == identity.id_number)) is not None:
        raise Conflict("a person with this identity number exists already", column="id_number")
    person = Person(id_number=identity.id_number, doc_kind=identity.doc_kind, name=name[:100], sex=identity.sex,
                    birth_date=identity.birth_date, area_code=area_code)
    session.add(person)
    session.flush()
    audit.record(session, actor, "create", "person", person.id,
                 after={"id_number": person.id_number, "name": person.name, "area_code": area_code}, note=note[:500])
    return person


def get_person(session: Session, user: Principal, person_id: int) -> Person:
    require(user, "read_registry")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(NOT_FOUND)
    check_area(user, person.area_code)
    return person


def show_person(session: Session, user: Principal, person_id: int, *, unmask: bool = False) -> Person:
    """One person; with ``unmask`` the caller will show the full numbers, which needs see_identity
    and is audited. The permissions are checked before the person is looked up."""
    require(user, "read_registry")
    if unmask:
        require(user, "see_identity")
    person = get_person(session, user, person_id)
    if unmask:
        audit.record(session, user, "view_identity", "person", person.id)
    return person


@dataclass
class PersonFile:
    """What a person's page shows: the person, the household members the user may read, the latest
    stays (where this person was, wherever that was) and the merges the record took part in."""

    person: Person
    revealed: bool
    members: list[Person]
    stays: list[tuple[str, int, int | None]]  # venue name, check-in, check-out
    merges: list[PersonMerge]


RECENT_STAYS = 20


def person_file(session: Session, user: Principal, person_id: int, *, reveal: bool = False) -> PersonFile:
    person = show_person(session, user, person_id, unmask=reveal)
    members: list[Person] = []
    if person.household_id is not None:
        members = list(session.scalars(
            select(Person).where(
                Person.household_id == person.household_id, Person.id != person.id,
                Person.merged_into_id.is_(None), in_jurisdiction(user, Person.area_code),
            ).order_by(Person.name)
        ))
    stays: list[tuple[str, int, int | None]] = [(name, in_at, out_at) for name, in_at, out_at in session.execute(
        select(Venue.name, Checkin.in_at, Checkin.out_at)
        .join(Venue, Venue.id == Checkin.venue_id)
        .where(Checkin.person_id == person.id)
        .order_by(Checkin.in_at.desc())
        .limit(RECENT_STAYS)
    )]
    merges = list(session.scalars(
        select(PersonMerge)
        .where(or_(PersonMerge.survivor_id == person.id, PersonMerge.merged_id == person.id))
        .order_by(PersonMerge.at.desc())
    ))
    return PersonFile(person, reveal, members, stays, merges)


def search_persons(
    session: Session,
    user: Principal,
    *,
    q: str | None = None,
    area_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Person], int]:
    """Persons inside the user's jurisdiction matching a name, number or phone."""
    require(user, "read_registry")
    query = select(Person).where(Person.merged_into_id.is_(None), in_jurisdiction(user, Person.area_code))
    if area_code:
        try:
            query = query.where(Person.area_code.startswith(prefix(area_code), autoescape=True))
        except AreaCodeError as exc:
            raise Invalid(str(exc)) from None
    if q and q.strip():
        term = q.strip()
        upper = term.upper()
        matches = [
            Person.id_number == upper,
            Person.phone == term,
            Person.name.contains(term, autoescape=True),
        ]
        sees_numbers = can(user.role, "see_identity")
        if len(term) == 4 or (len(term) > 4 and sees_numbers):
            # The last digits of a number, as read out over the phone. For a masked viewer
            # only the four they can see: longer tails would confirm guesses of hidden digits.
            matches.append(Person.id_number.endswith(upper, autoescape=True))
        query = query.where(or_(*matches))
        if len(term) >= 11 and not sees_numbers:
            # A full number typed by someone who sees only masked ones: legitimate (an ID card
            # in hand), but each is on the trail so that guessing runs can be seen.
            audit.record(session, user, "search_identity", "person", None, note=mask_id_number(upper))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return list(rows), total


def export_persons(
    session: Session, user: Principal, *, q: str | None = None, area_code: str | None = None, limit: int,
) -> tuple[list[Person], int]:
    """The persons a search finds, for a spreadsheet (numbers masked by the caller); each export is
    on the audit trail."""
    persons, total = search_persons(session, user, q=q, area_code=area_code, limit=limit)
    audit.record(session, user, "export", "person", None,
                 after={"q": q or "", "area": area_code or "", "rows": len(persons), "total": total, "masked": True})
    return persons, total


def _move_checkins(session: Session, from_id: int, to_id: int) -> list[int]:
    # A stay recorded under both documents is one stay: it stays with the merged
    # record (kept, not lost) rather than breaking the uniqueness of stays.
    other = aliased(Checkin)
    ids = list(
        session.scalars(
            select(Checkin.id).where(
                Checkin.person_id == from_id,
                ~exists().where(
                    other.person_id == to_id, other.venue_id == Checkin.venue_id, other.in_at == Checkin.in_at
                ),
            )
        )
    )
    _set_person(session, Checkin, "person_id", ids, to_id)
    return ids


def _set_person(
    session: Session, model: type[Any], column: str, ids: list[int], person_id: int, *, owner: int | None = None
) -> None:
    """Point these rows at ``person_id``; with ``owner``, only those that still point at it."""
    for start in range(0, len(ids), 5000):
        statement = update(model).where(model.id.in_(ids[start : start + 5000]))
        if owner is not None:
            statement = statement.where(getattr(model, column) == owner)
        session.execute(statement.values({column: person_id}))


def merge_persons(session: Session, actor: Principal, *, survivor_id: int, merged_id: int, reason: str) -> PersonMerge:
    """Fold one person record into another; every link moves, and it can be undone."""
    require(actor, "merge_persons")
    if survivor_id == merged_id:
        raise Invalid("a person cannot be merged into itself")
    survivor = get_person(session, actor, survivor_id)
    merged = get_person(session, actor, merged_id)
    for person in (survivor, merged):
        if person.merged_into_id is not None:
            raise Conflict(f"person {person.id} was merged already; undo that merge first")
    moved: dict[str, list[int]] = {"checkins.person_id": _move_checkins(session, merged.id, survivor.id)}
    for model, column in installed().person_links:
        ids = list(session.scalars(select(model.id).where(getattr(model, column) == merged.id)))
        _set_person(session, model, column, ids, survivor.id)
        moved[f"{model.__tablename__}.{column}"] = ids
    # Fill what the survivor lacks from the merged record; remember what was filled in.
    filled: dict[str, object] = {}
    for column in ("phone", "address", "household_id", "sex", "birth_date"):
        if getattr(survivor, column) is None and getattr(merged, column) is not None:
            filled[column] = audit.plain(getattr(merged, column))
            setattr(survivor, column, getattr(merged, column))
    merged.merged_into_id = survivor.id
    record = PersonMerge(
        survivor_id=survivor.id, merged_id=merged.id, moved=moved, survivor_before=filled, actor_id=actor.id,
        reason=reason,
    )
    session.add(record)
    session.flush()
    audit.record(
        session, actor, "merge", "person", survivor.id,
        before={"merged_id": merged.id},
        after={"merge_id": record.id, "moved": {k: len(v) for k, v in moved.items()}, "filled": filled},
        note=reason,
    )
    return record


def undo_merge(session: Session, actor: Principal, merge_id: int) -> PersonMerge:
    require(actor, "merge_persons")
    record = session.get(PersonMerge, merge_id)
    if record is None:
        raise NotFound(NOT_FOUND)
    # Both records first: a merge outside the jurisdiction is not found, whatever its state.
    survivor = get_person(session, actor, record.survivor_id)
    merged = get_person(session, actor, record.merged_id)
    if record.undone_at is not None:
        raise Conflict(f"merge {merge_id} was undone already")
    if survivor.merged_into_id is not None:
        # Merges are undone newest first, or links would land on the wrong record.
        later = session.scalar(select(PersonMerge.id).where(
            PersonMerge.merged_id == survivor.id, PersonMerge.undone_at.is_(None)))
        raise Conflict(f"person {survivor.id} was merged again since; undo merge {later} first")
    links = {f"{model.__tablename__}.{column}": (model, column) for model, column in installed().person_links}
    links["checkins.person_id"] = (Checkin, "person_id")
    for key, ids in record.moved.items():
        model, column = links[key]
        _set_person(session, model, column, ids, merged.id, owner=survivor.id)
    # Clear only what the merge filled and nobody has changed since: a later correction stays.
    cleared = {
        column: value for column, value in record.survivor_before.items()
        if audit.plain(getattr(survivor, column)) == value
    }
    for column in cleared:
        setattr(survivor, column, None)
    merged.merged_into_id = None
    record.undone_at = now()
    session.flush()
    audit.record(session, actor, "unmerge", "person", survivor.id, before={"merge_id": record.id, **cleared},
                 after={"merged_id": merged.id, **dict.fromkeys(cleared)})
    return record


def person_field_names() -> list[str]:
    return [f.name for f in fields(PersonFields)]
