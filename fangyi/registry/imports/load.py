"""Check-ins: the big file. Loaded through the driver itself, in batches.

The registry's persons and venues are read once into maps; a row that names a
known person and venue with well-formed times takes a short path, and anything
else goes through ``clean_checkin`` so the reason given is the field rules' own.
Rows are written with ``INSERT OR IGNORE`` (SQLite) or ``COPY`` into a staging
table then ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL): a stay already
stored, or repeated in the file, is the same check-in and counts as unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from fangyi.registry.fields import clean_checkin
from fangyi.registry.identity import mask_id_number
from fangyi.registry.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.models import Person, Venue
from fangyi.registry.persons import FieldError

Row = tuple[int, int, int, int | None, int]

STAGE = "fangyi_checkin_stage"


def person_ids(ctx: Context) -> dict[str, int]:
    """Identity number -> the person's id; a merged record's number leads to its survivor."""
    rows = ctx.session.execute(select(Person.id_number, Person.id, Person.merged_into_id))
    ids: dict[str, int] = {}
    merged: dict[int, int] = {}
    for number, id_, into in rows:
        ids[number] = id_
        if into is not None:
            merged[id_] = into
    if merged:
        for number, id_ in ids.items():
            seen = 0
            while id_ in merged and seen < 100:  # a chain of merges; the bound only guards a loop
                id_ = merged[id_]
                seen += 1
            ids[number] = id_
    return ids


class Checkins(Handler):
    required = ("id_number", "venue_code", "checked_in_at")
    optional = ("checked_out_at",)
    batch_size = 10_000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.persons = person_ids(ctx)
        self.venues: dict[str, int] = {}
        self.venues_outside: dict[str, str] = {}
        for code, id_, area in ctx.session.execute(select(Venue.code, Venue.id, Venue.area_code)):
            if (why := ctx.outside(area)) is None:
                self.venues[code] = id_
            else:
                self.venues_outside[code] = why
        self.batch: list[Row] = []
        self.tz = ctx.tz
        self.import_id = ctx.import_id
        self.postgres = ctx.session.get_bind().dialect.name == "postgresql"

    def _instant(self, text: str) -> int:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return int(moment.timestamp())

    def take(self, line: int, values: Values) -> Problem | None:
        raw_id, raw_venue, raw_in, raw_out = values
        # The short path: what it accepts, clean_checkin accepts alike.
        try:
            person = self.persons.get(raw_id.strip().upper()) if raw_id else None
            venue = self.venues.get(raw_venue.strip()) if raw_venue else None
            if person is not None and venue is not None and raw_in:
                text_in = raw_in.strip()
                if len(text_in) <= 40:
                    in_at = self._instant(text_in)
                    out_at = None
                    if raw_out and (text_out := raw_out.strip()):
                        out_at = self._instant(text_out) if len(text_out) <= 40 else None
                        if out_at is None or out_at < in_at:
                            raise ValueError
                    self._keep((person, venue, in_at, out_at, self.import_id))
                    return None
        except ValueError:
            pass
        return self._slow(line, values)

    def _slow(self, line: int, values: Values) -> Problem | None:
        try:
            fields = clean_checkin(self.row(values), self.tz)
        except FieldError as exc:
            return Problem(line, exc.column, exc.reason)
        person = self.persons.get(fields.id_number)
        if person is None:
            return Problem(line, "id_number", f"no person with identity number {mask_id_number(fields.id_number)}"
                                               " in the registry")
        venue = self.venues.get(fields.venue_code)
        if venue is None:
            why = self.venues_outside.get(fields.venue_code)
            return Problem(line, "venue_code", why or f"no venue with code {fields.venue_code} in the registry")
        self._keep((person, venue, fields.in_at, fields.out_at, self.import_id))
        return None

    def _keep(self, row: Row) -> None:
        if self.dry:
            return
        self.batch.append(row)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def stop_writing(self) -> None:
        super().stop_writing()
        self.batch.clear()

    def flush(self) -> list[Problem]:
        batch, self.batch = self.batch, []
        if not batch or self.dry:
            return []
        driver: Any = self.ctx.session.connection().connection.driver_connection
        written = self._copy(driver, batch) if self.postgres else self._executemany(driver, batch)
        self.loaded += written
        self.unchanged += len(batch) - written
        return []

    @staticmethod
    def _executemany(driver: Any, batch: list[Row]) -> int:
        cursor = driver.cursor()
        try:
            cursor.executemany(
                "INSERT OR IGNORE INTO checkins (person_id, venue_id, in_at, out_at, import_id) VALUES (?, ?, ?, ?, ?)",
                batch,
            )
            return int(cursor.rowcount)
        finally:
            cursor.close()

    @staticmethod
    def _copy(driver: Any, batch: list[Row]) -> int:
        with driver.cursor() as cursor:
            # ON COMMIT DROP: the staging table lives only as long as the import's transaction.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (person_id bigint, venue_id bigint, in_at bigint, "
                "out_at bigint, import_id integer) ON COMMIT DROP"
            )
            with cursor.copy(f"COPY {STAGE} (person_id, venue_id, in_at, out_at, import_id) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) "
                f"SELECT person_id, venue_id, in_at, out_at, import_id FROM {STAGE} "
                "ON CONFLICT (person_id, venue_id, in_at) DO NOTHING"
            )
            written = int(cursor.rowcount)
            cursor.execute(f"TRUNCATE {STAGE}")
            return written
