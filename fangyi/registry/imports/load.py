"""Check-ins: the big file. Loaded through the driver itself, in batches.

The registry's persons and venues are read once into maps; a row that names a
known person and venue with well-formed times takes a short path, and anything
else goes through ``clean_checkin`` so the reason given is the field rules' own.
Rows are written with ``INSERT … ON CONFLICT … DO UPDATE`` (SQLite) or ``COPY``
into a staging table then the same from it (PostgreSQL): a stay already stored,
or repeated in the file, is the same check-in and counts as unchanged, except
that a check-out given for a stay stored without one is filled in (and counts
as loaded). A check-out differing from one already recorded is refused.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fangyi.identity import mask_id_number
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.fields import EARLIEST, LATEST, clean_checkin
from fangyi.registry.models import Person, Venue
from fangyi.registry.persons import FieldError

Row = tuple[int, int, int, int | None, int]

STAGE = "fangyi_checkin_stage"
STAY = itemgetter(0, 1, 2)  # person, venue, check-in time: what makes a stay one
CHECK_CHUNK = 300  # keys per look-up of stored check-outs: 900 parameters, within any SQLite's limit
# Fill in a missing check-out, never overwrite one: a stay stored as closed stays as it was.
UPSERT = (
    "ON CONFLICT (person_id, venue_id, in_at) DO UPDATE SET out_at = excluded.out_at "
    "WHERE checkins.out_at IS NULL AND excluded.out_at IS NOT NULL"
)
DIFFERENT_OUT = "a different check-out is already recorded for this stay"
EPOCH = datetime(1970, 1, 1)
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _epoch(text: str, tz: ZoneInfo) -> int | None:
    """parse_time's result, or None where parse_time would refuse the text.

    Arithmetic on the offset instead of ``replace(tzinfo=tz).timestamp()``:
    the same number (fold 0 either way) at a fifth of the cost.
    """
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        offset = tz.utcoffset(moment)
        if offset is None:
            return None
        seconds: int = (moment - offset - EPOCH) // SECOND
    else:
        seconds = (moment - EPOCH_UTC) // SECOND
    return seconds if EARLIEST <= seconds < LATEST else None


def person_ids(ctx: Context) -> tuple[dict[str, int], set[str]]:
    """Identity number -> the person's id, for the persons inside the actor's jurisdiction;
    and the numbers of those outside it.

    A merged record's number leads to its survivor, and it is the survivor's area
    that counts: the stay is written to the survivor.
    """
    limited = not ctx.county_wide
    columns = (Person.id_number, Person.id, Person.merged_into_id)
    ids: dict[str, int] = {}
    merged: dict[int, int] = {}
    area_of: dict[int, str] = {}
    if limited:
        for number, id_, into, area in ctx.session.execute(select(*columns, Person.area_code)):
            ids[number] = id_
            area_of[id_] = area
            if into is not None:
                merged[id_] = into
    else:
        for number, id_, into in ctx.session.execute(select(*columns)):
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
    outside: set[str] = set()
    if limited:
        # The same check the API makes on a single stay, once per area rather than per person.
        inside: dict[str | None, bool] = {}
        for number, id_ in ids.items():
            place = area_of.get(id_)
            if (ok := inside.get(place)) is None:
                ok = inside[place] = place is not None and ctx.outside(place) is None
            if not ok:
                outside.add(number)
        for number in outside:
            del ids[number]
    return ids, outside


class Checkins(Handler):
    required = ("id_number", "venue_code", "checked_in_at")
    optional = ("checked_out_at",)
    batch_size = 10_000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.persons, self.persons_outside = person_ids(ctx)
        self.venues: dict[str, int] = {}
        self.venues_outside: set[str] = set()
        for code, id_, area in ctx.session.execute(select(Venue.code, Venue.id, Venue.area_code)):
            if ctx.outside(area) is None:
                self.venues[code] = id_
            else:
                self.venues_outside.add(code)
        self.batch: list[Row] = []
        self.lines: list[int] = []  # each kept row's line, for a row refused when its batch is written
        self.tz = ctx.tz
        self.import_id = ctx.import_id
        self.postgres = ctx.session.get_bind().dialect.name == "postgresql"
        self.driver: Any = ctx.session.connection().connection.driver_connection
        # On PostgreSQL each batch is written on a second thread while the next
        # is read: the server does the insert while the client waits without the
        # GIL. (SQLite steps row by row, each step taking the GIL back: no gain.)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="fangyi-import") if self.postgres else None
        self.in_flight: tuple[Future[tuple[int, list[int]]], int] | None = None

    def take(self, line: int, values: Values) -> Problem | None:
        # The short path, run a million times: what it accepts clean_checkin
        # accepts alike, to the same values. Anything else takes the long way.
        raw_id, raw_venue, raw_in, raw_out = values
        if raw_id and raw_venue and raw_in:
            person = self.persons.get(raw_id.strip().upper())
            venue = self.venues.get(raw_venue.strip())
            in_at = _epoch(raw_in.strip(), self.tz) if person is not None and venue is not None else None
            if in_at is not None:
                out_at = _epoch(raw_out.strip(), self.tz) if raw_out and not raw_out.isspace() else None
                if not raw_out or raw_out.isspace() or (out_at is not None and out_at >= in_at):
                    if not self.dry:
                        self.batch.append((person, venue, in_at, out_at, self.import_id))  # type: ignore[arg-type]
                        self.lines.append(line)
                        if len(self.batch) >= self.batch_size:
                            self.flush()
                    return None
        return self._slow(line, values)

    def _slow(self, line: int, values: Values) -> Problem | None:
        try:
            fields = clean_checkin(self.row(values), self.tz)
        except FieldError as exc:
            return Problem(line, exc.column, exc.reason)
        person = self.persons.get(fields.id_number)
        if person is None:
            where = "your jurisdiction" if fields.id_number in self.persons_outside else "the registry"
            return Problem(line, "id_number", f"no person with identity number {mask_id_number(fields.id_number)}"
                                               f" in {where}")
        venue = self.venues.get(fields.venue_code)
        if venue is None:
            # As for a person: where a venue of another jurisdiction lies is not said.
            where = "your jurisdiction" if fields.venue_code in self.venues_outside else "the registry"
            return Problem(line, "venue_code", f"no venue with code {fields.venue_code} in {where}")
        self._keep(line, (person, venue, fields.in_at, fields.out_at, self.import_id))
        return None

    def _keep(self, line: int, row: Row) -> None:
        if self.dry:
            return
        self.batch.append(row)
        self.lines.append(line)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def stop_writing(self) -> None:
        super().stop_writing()
        self.batch.clear()
        self.lines.clear()

    def flush(self) -> list[Problem]:
        batch, self.batch = self.batch, []
        lines, self.lines = self.lines, []
        if not batch or self.dry:
            return []
        self._collect()
        if self.pool is not None:
            self.in_flight = (self.pool.submit(self._copy, self.driver, batch, lines), len(batch))
        else:
            self._count(len(batch), self._executemany(self.driver, batch, lines))
        return []

    def _count(self, size: int, result: tuple[int, list[int]]) -> None:
        written, refused = result
        self.loaded += written
        self.unchanged += size - written - len(refused)
        self.late.extend(Problem(line, "checked_out_at", DIFFERENT_OUT) for line in refused)

    def _collect(self) -> None:
        if self.in_flight is not None:
            (future, size), self.in_flight = self.in_flight, None
            self._count(size, future.result())

    def finish(self) -> list[Problem]:
        self.flush()
        self._collect()
        problems, self.late = self.late, []
        return problems

    def close(self) -> None:
        # Nothing may touch the connection while a batch is still being written.
        if self.in_flight is not None:
            wait([self.in_flight[0]])
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    @staticmethod
    def _executemany(driver: Any, batch: list[Row], lines: list[int]) -> tuple[int, list[int]]:
        unique = _one_per_stay(batch)
        cursor = driver.cursor()
        try:
            cursor.executemany(
                "INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) VALUES (?, ?, ?, ?, ?) "
                + UPSERT,
                unique,
            )
            written = int(cursor.rowcount)
            return written, _differing(cursor, "?", batch, lines) if written < len(batch) else []
        finally:
            cursor.close()

    @staticmethod
    def _copy(driver: Any, batch: list[Row], lines: list[int]) -> tuple[int, list[int]]:
        unique = _one_per_stay(batch)
        with driver.cursor() as cursor:
            # ON COMMIT DROP: the staging table lives only as long as the import's transaction.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (person_id bigint, venue_id bigint, in_at bigint, "
                "out_at bigint, import_id integer) ON COMMIT DROP"
            )
            with cursor.copy(f"COPY {STAGE} (person_id, venue_id, in_at, out_at, import_id) FROM STDIN") as copy:
                for row in unique:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) "
                f"SELECT person_id, venue_id, in_at, out_at, import_id FROM {STAGE} " + UPSERT
            )
            written = int(cursor.rowcount)
            cursor.execute(f"TRUNCATE {STAGE}")
            return written, _differing(cursor, "%s", batch, lines) if written < len(batch) else []


def _one_per_stay(batch: list[Row]) -> list[Row]:
    """The batch with each stay once, the first row giving a check-out preferred.

    PostgreSQL refuses to update one row twice in a statement; and on either
    database the stay then takes the same check-out whatever the rows' order.
    """
    if len(set(map(STAY, batch))) == len(batch):  # the usual case, checked at C speed
        return batch
    chosen: dict[tuple[int, int, int], Row] = {}
    for row in batch:
        key = (row[0], row[1], row[2])
        first = chosen.setdefault(key, row)
        if first[3] is None and row[3] is not None:
            chosen[key] = row
    return list(chosen.values())


def _differing(cursor: Any, mark: str, batch: list[Row], lines: list[int]) -> list[int]:
    """Lines of the rows whose check-out is not the one the stay now has (run after the batch is written).

    A row written by the batch left its own check-out; so a difference means the
    stay already had another one, recorded before or by an earlier row.
    """
    wanted = [(line, row) for line, row in zip(lines, batch, strict=True) if row[3] is not None]
    stored: dict[tuple[int, int, int], int | None] = {}
    for start in range(0, len(wanted), CHECK_CHUNK):
        chunk = wanted[start:start + CHECK_CHUNK]
        keys = ", ".join([f"({mark}, {mark}, {mark})"] * len(chunk))
        cursor.execute(
            "SELECT person_id, venue_id, in_at, out_at FROM checkins "
            f"WHERE (person_id, venue_id, in_at) IN (VALUES {keys})",
            [value for _, row in chunk for value in row[:3]],
        )
        for person, venue, in_at, out_at in cursor.fetchall():
            stored[(person, venue, in_at)] = out_at
    return [line for line, row in wanted if stored.get((row[0], row[1], row[2])) != row[3]]
