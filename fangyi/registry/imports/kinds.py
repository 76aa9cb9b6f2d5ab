"""Areas, persons and venues: upserted by their key, each change audited with before and after.

A row whose record exists with the same values counts as unchanged and writes
nothing, so that importing a file twice changes nothing the second time. An
optional column the file does not have leaves the stored value alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from sqlalchemy import insert, select

from fangyi.audit import service as audit
from fangyi.identity import mask_id_number
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.fields import AreaFields, VenueFields, clean_area, clean_venue
from fangyi.registry.models import Area, Household, Person, Venue
from fangyi.registry.persons import FieldError, PersonFields, clean_person

Stored = dict[str, Any]


def _plain(values: Stored) -> Stored:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


class Keyed(Handler):
    """A kind with a key column: one record per key, created or updated."""

    model: ClassVar[Any]
    key: ClassVar[str]
    entity: ClassVar[str]
    area_column: ClassVar[str] = "area_code"
    column_of: ClassVar[dict[str, str]] = {}  # record attribute -> file column, where they differ

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[str, int] = {}  # key -> line, to catch a key twice in one file
        self.pending: list[tuple[int, Any]] = []
        self.areas: set[str] = set(ctx.session.scalars(select(Area.code)))

    # --- what each kind says ---

    def clean(self, values: Values) -> Any:
        raise NotImplementedError

    def stored(self, fields: Any) -> Stored:
        raise NotImplementedError

    def current(self, record: Any) -> Stored:
        """The record's values in the shape ``stored`` gives, for comparing."""
        raise NotImplementedError

    def shown(self, values: Stored) -> Stored:
        """The values as the audit trail shows them."""
        return values

    def prepare(self, batch: list[tuple[int, Any]]) -> None:
        """Make what the batch's rows point at, before they are written."""

    def refused(self, fields: Any) -> Problem | None:
        """Why a row cannot be written after all, by what prepare found (its line is filled in)."""
        return None

    def area_of(self, fields: Any) -> str:
        return str(getattr(fields, self.area_column))

    # --- shared ---

    def take(self, line: int, values: Values) -> Problem | None:
        try:
            fields = self.clean(values)
        except FieldError as exc:
            return Problem(line, exc.column, exc.reason)
        key = getattr(fields, self.key)
        if (first := self.seen.get(key)) is not None:
            shown = mask_id_number(key) if self.key == "id_number" else key
            return Problem(line, self.key, f"{self.key} {shown} appears already on line {first}")
        self.seen[key] = line
        if (problem := self.check_area(line, fields)) is not None:
            return problem
        self.keep(line, fields)
        return None

    def check_area(self, line: int, fields: Any) -> Problem | None:
        area = self.area_of(fields)
        if area not in self.areas:
            return Problem(line, self.area_column, f"area {area} is not in the registry")
        if (why := self.ctx.outside(area)) is not None:
            return Problem(line, self.area_column, why)
        return None

    def keep(self, line: int, fields: Any) -> None:
        if self.dry:
            return
        self.pending.append((line, fields))
        if len(self.pending) >= self.batch_size:
            self.late.extend(self.flush())

    def stop_writing(self) -> None:
        super().stop_writing()
        self.pending.clear()

    def _given(self, values: Stored) -> Stored:
        """Leave out optional columns the file does not have, so they are not blanked."""
        present, optional = self.ctx.present, self.optional
        return {
            key: value for key, value in values.items()
            if value is not None or (column := self.column_of.get(key, key)) not in optional or column in present
        }

    def entity_id(self, record: Any) -> object:
        return record.id

    def flush(self) -> list[Problem]:
        batch, self.pending = self.pending, []
        if not batch or self.dry:
            return []
        session = self.ctx.session
        self.prepare(batch)
        column = getattr(self.model, self.key)
        keys = [getattr(fields, self.key) for _, fields in batch]
        existing = {getattr(row, self.key): row for row in session.scalars(select(self.model).where(column.in_(keys)))}
        problems: list[Problem] = []
        inserts: list[Stored] = []
        updated: list[Any] = []
        for line, fields in batch:
            if (problem := self.refused(fields)) is not None:
                problem.line = line
                problems.append(problem)
                continue
            values = self.stored(fields)
            record = existing.get(getattr(fields, self.key))
            if record is None:
                inserts.append(values | {"import_id": self.ctx.import_id})
                continue
            # A record outside the jurisdiction is not the user's to change, even to move it inside;
            # the reason does not say where it lies.
            if self.ctx.outside(getattr(record, self.area_column)) is not None:
                problems.append(Problem(line, self.key, "the existing record lies outside your jurisdiction"))
                continue
            given = self._given(values)
            before, after = audit.changes(
                _plain(self.shown(self.current(record))), _plain(self.shown(given))
            )
            if not after:
                self.unchanged += 1
                continue
            for name, value in given.items():
                setattr(record, name, value)
            record.import_id = self.ctx.import_id
            updated.append(record)
            audit.record(
                session, self.ctx.actor, "update", self.entity, self.entity_id(record),
                before=before, after=after, note=f"import {self.ctx.import_id}",
            )
            self.loaded += 1
        if inserts:
            # The table's insert, not the ORM's: the ORM leaves out None values so that server
            # defaults apply, and splits the batch into a statement per run of rows with the same
            # empty columns (a statement every few rows of a real file).
            session.execute(insert(self.model.__table__), inserts)  # type: ignore[arg-type]
            self.loaded += len(inserts)
        session.flush()
        for record in updated:
            session.expire(record)  # a person's household was changed by its id: reload the relationship
        return problems


class Areas(Keyed):
    required = ("code", "name", "level")
    optional = ("parent_code", "lat", "lon")
    model = Area
    key = "code"
    entity = "area"
    area_column = "code"
    batch_size = 500

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        # Rows whose parent is neither stored nor met yet: a file may list a
        # village before its township. Released when the parent comes.
        self.waiting: dict[str, list[tuple[int, AreaFields]]] = {}

    def clean(self, values: Values) -> AreaFields:
        return clean_area(self.row(values))

    def check_area(self, line: int, fields: Any) -> Problem | None:
        return Problem(line, "code", why) if (why := self.ctx.outside(fields.code)) else None

    def keep(self, line: int, fields: Any) -> None:
        parent = fields.parent_code
        if parent is not None and parent not in self.areas:
            self.waiting.setdefault(parent, []).append((line, fields))
            return
        ready = [(line, fields)]
        while ready:
            line, fields = ready.pop()
            self.areas.add(fields.code)
            super().keep(line, fields)
            ready.extend(self.waiting.pop(fields.code, []))

    def finish(self) -> list[Problem]:
        problems = [
            Problem(line, "parent_code", f"parent area {parent} is neither in the registry nor in this file")
            for parent, rows in self.waiting.items()
            for line, _ in rows
        ]
        self.waiting.clear()
        return self.flush() + problems

    def stored(self, fields: AreaFields) -> Stored:
        return {
            "code": fields.code, "name": fields.name, "level": fields.level, "parent_code": fields.parent_code,
            "lat": fields.lat, "lon": fields.lon,
        }

    def current(self, record: Area) -> Stored:
        return {name: getattr(record, name) for name in ("code", "name", "level", "parent_code", "lat", "lon")}

    def entity_id(self, record: Any) -> object:
        return record.code


class Venues(Keyed):
    required = ("code", "name", "kind", "area_code")
    optional = ("address", "default_stay_minutes", "lat", "lon")
    model = Venue
    key = "code"
    entity = "venue"
    COLUMNS = ("code", "name", "kind", "area_code", "address", "default_stay_minutes", "lat", "lon")

    def clean(self, values: Values) -> VenueFields:
        return clean_venue(self.row(values))

    def stored(self, fields: VenueFields) -> Stored:
        return {name: getattr(fields, name) for name in self.COLUMNS}

    def current(self, record: Venue) -> Stored:
        return {name: getattr(record, name) for name in self.COLUMNS}


class Persons(Keyed):
    required = ("id_number", "name", "area_code")
    optional = ("sex", "birth_date", "phone", "address", "household")
    model = Person
    key = "id_number"
    entity = "person"
    column_of: ClassVar[dict[str, str]] = {"household_id": "household"}
    COLUMNS = ("id_number", "doc_kind", "name", "sex", "birth_date", "phone", "area_code", "address")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.household_ids: dict[str, int] = {}
        self.household_codes: dict[int, str] = {}
        self.households_outside: set[str] = set()  # this batch's, whose area the user may not read

    def clean(self, values: Values) -> PersonFields:
        fields = clean_person(self.row(values))
        if fields.household is not None and len(fields.household) > 64:
            raise FieldError("household", "is longer than 64 characters")
        return fields

    def prepare(self, batch: list[tuple[int, Any]]) -> None:
        """Find or create the batch's households; a new household lies in its first member's area."""
        session = self.ctx.session
        wanted: dict[str, str] = {}
        for _, fields in batch:
            if fields.household:
                wanted.setdefault(fields.household, fields.area_code)
        self.households_outside = set()
        if not wanted:
            self.household_ids = {}
            return
        query = select(Household.code, Household.id, Household.area_code).where(Household.code.in_(list(wanted)))
        stored = session.execute(query).all()
        # A household of another jurisdiction is not the user's to add members to, as on the API.
        self.households_outside = {code for code, _, area in stored if self.ctx.outside(area) is not None}
        found = {code: id_ for code, id_, _ in stored}
        missing = [{"code": code, "area_code": area} for code, area in wanted.items() if code not in found]
        if missing:
            session.execute(insert(Household.__table__), missing)  # type: ignore[arg-type]
            found = {code: id_ for code, id_, _ in session.execute(query)}
        # Only this batch's households are remembered: a county has hundreds of thousands.
        self.household_ids = found
        self.household_codes = {id_: code for code, id_ in found.items()}

    def refused(self, fields: PersonFields) -> Problem | None:
        if fields.household in self.households_outside:
            return Problem(0, "household", f"household {fields.household} is not in your jurisdiction")
        return None

    def stored(self, fields: PersonFields) -> Stored:
        values = {name: getattr(fields, name) for name in self.COLUMNS}
        values["household_id"] = self.household_ids[fields.household] if fields.household else None
        return values

    def current(self, record: Person) -> Stored:
        values = {name: getattr(record, name) for name in self.COLUMNS}
        values["household_id"] = record.household_id
        if record.household is not None:
            self.household_codes[record.household.id] = record.household.code
        return values

    def shown(self, values: Stored) -> Stored:
        shown = dict(values)
        if "household_id" in shown:
            household = shown.pop("household_id")
            shown["household"] = None if household is None else self.household_codes.get(household, household)
        return shown


HANDLERS: dict[str, type[Handler]] = {"areas": Areas, "persons": Persons, "venues": Venues}
