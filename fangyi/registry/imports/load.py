"""Check-ins: the big file. Loaded through the driver itself, in batches.

The registry's persons and venues are read once into maps; a row that names a
known person and venue with well-formed times takes a short path, and anything
else goes through ``clean_checkin`` so the reason given is the field rules' own.
Rows are written sorted by the stay's key, with ``INSERT … ON CONFLICT … DO
UPDATE`` (SQLite) or ``COPY`` into a temporary table then the same from it
(PostgreSQL): a stay already stored, or repeated in the file, is the same
check-in and counts as unchanged, except that a check-out given for a stay
stored without one is filled in (and counts as loaded). A check-out differing
from one already recorded is refused. Only the rows a batch did not insert can
be refused, and a real file repeats a few rows in each batch: SQLite finds the
batch's new rows past the last id and looks the rest up through the unique index
(DIFFERING); PostgreSQL matches its staged rows to those the insert returns and
looks up only the stays it left alone (WRITE_STAGED).

Batches are committed (Context.commit, every few seconds) when the service allows
it: a re-run writes the same stays to the same effect. A strict import's first pass
(Context.checking) writes nothing but a temporary table of the first check-out
the file gives each stay, and refuses exactly the rows the load would (CONFLICTING).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from time import monotonic, sleep
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from fangyi.db.session import write_first
from fangyi.identity import mask_id_number
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.fields import EARLIEST, LATEST, clean_checkin
from fangyi.registry.models import Person, Venue
from fangyi.registry.persons import FieldError

Row = tuple[int, int, int, int | None, int]  # person, venue, in, out, import
Staged = tuple[int, int, int, int | None, int]  # person, venue, in, out, line

# After a commit, long enough for a web writer waiting on SQLite's lock (it polls every few ms) to take it.
GIVE_WAY_SECONDS = 0.05
STAY = itemgetter(0, 1, 2)  # person, venue, check-in time: what makes a stay one
STAGE = "fangyi_checkin_stage"  # a batch's rows with their lines (temporary, the connection's own)
FIRST_OUT = "fangyi_checkin_first_out"  # strict's first pass: each stay's first check-out in the file
STAGE_COLUMNS = "person_id, venue_id, in_at, out_at, line"
CREATE_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (person_id bigint, venue_id bigint, in_at bigint, " \
    "out_at bigint, line bigint)"
CREATE_FIRST_OUT = f"CREATE TEMP TABLE IF NOT EXISTS {FIRST_OUT} (person_id bigint, venue_id bigint, " \
    "in_at bigint, out_at bigint, PRIMARY KEY (person_id, venue_id, in_at))"
# Correlated look-ups, one per staged row through a unique index: a seek per row whatever the
# table's size (a join, or IN (VALUES …), may be planned as a scan of every check-in).
STORED_OUT = ("(SELECT c.out_at FROM checkins c "
              "WHERE c.person_id = s.person_id AND c.venue_id = s.venue_id AND c.in_at = s.in_at)")
FILE_OUT = (f"(SELECT f.out_at FROM {FIRST_OUT} f "
            "WHERE f.person_id = s.person_id AND f.venue_id = s.venue_id AND f.in_at = s.in_at)")
# The staged rows whose check-out is not the one their stay has after the batch: refused.
# {differs}: SQLite's IS NOT, PostgreSQL's IS DISTINCT FROM.
DIFFERING = f"SELECT s.line FROM {STAGE} s WHERE s.out_at IS NOT NULL AND s.out_at {{differs}} {STORED_OUT}"
# The same without writing: the stay keeps a stored check-out, else takes the file's first.
CONFLICTING = (f"SELECT s.line FROM {STAGE} s WHERE s.out_at IS NOT NULL "
               f"AND s.out_at {{differs}} COALESCE({STORED_OUT}, {FILE_OUT})")
KEEP_FIRST_OUT = (f"INSERT INTO {FIRST_OUT} (person_id, venue_id, in_at, out_at) "
                  f"SELECT person_id, venue_id, in_at, out_at FROM {STAGE} WHERE out_at IS NOT NULL "
                  "ORDER BY line ON CONFLICT DO NOTHING")
# Fill in a missing check-out, never overwrite one: a stay stored as closed stays as it was.
UPSERT = (
    "ON CONFLICT (person_id, venue_id, in_at) DO UPDATE SET out_at = excluded.out_at "
    "WHERE checkins.out_at IS NULL AND excluded.out_at IS NOT NULL"
)
# PostgreSQL: a staged batch written, one row per stay (the first giving a check-out preferred:
# PostgreSQL refuses to update a row twice in a statement) in the unique index's order; then how
# many rows it wrote and the lines refused. A staged row is checked against its stay's row as
# written (matched by hashing, not a seek a row); only a stay left as it was, a few of a real
# file's batch, is looked up (the statement's snapshot holds it as it stays).
WRITE_STAGED = (
    "WITH written AS (INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) "
    f"SELECT DISTINCT ON (person_id, venue_id, in_at) person_id, venue_id, in_at, out_at, %s FROM {STAGE} "
    f"ORDER BY person_id, venue_id, in_at, out_at IS NULL, line {UPSERT} "
    "RETURNING person_id, venue_id, in_at, out_at) "
    "SELECT (SELECT count(*) FROM written), "
    f"ARRAY(SELECT s.line FROM {STAGE} s LEFT JOIN written w "
    "ON w.person_id = s.person_id AND w.venue_id = s.venue_id AND w.in_at = s.in_at "
    f"WHERE s.out_at IS NOT NULL AND s.out_at IS DISTINCT FROM COALESCE(w.out_at, {STORED_OUT}) ORDER BY s.line)"
)
DIFFERENT_OUT = "a different check-out is already recorded for this stay"
EPOCH = datetime(1970, 1, 1)
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
SQLITE_CACHE_KIB = 100 * 1024  # the import connection's page cache: the indexes' hot pages of a large table


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
    commits_batches = True
    commit_seconds = 5.0  # how long the batches written hold SQLite's one writer before a commit lets others in

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
        self.differs = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        self.tuned: Any = None  # the SQLite connection whose page cache was sized for the import
        # On PostgreSQL each batch is written on a second thread while the next
        # is read: the server does the insert while the client waits without the
        # GIL. (SQLite steps row by row, each step taking the GIL back: no gain.)
        self.pool = (ThreadPoolExecutor(1, thread_name_prefix="fangyi-import")
                     if self.postgres and not ctx.checking else None)
        self.in_flight: tuple[Future[tuple[int, list[int]]], int] | None = None
        self.committed = monotonic()
        if (every := os.environ.get("FANGYI_IMPORT_COMMIT_SECONDS")) is not None:
            self.commit_seconds = float(every)  # the operator's choice (docs: README, Settings)
        self._commit(last=True)  # the registry's read ends here: each write then begins holding the write lock

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
        driver = self._driver()
        if self.ctx.checking:
            refused = self._check(driver, batch, lines)
            self.late.extend(Problem(line, "checked_out_at", DIFFERENT_OUT) for line in refused)
        elif self.pool is not None:
            self.in_flight = (self.pool.submit(self._copy, driver, batch, lines), len(batch))
        else:
            self._count(len(batch), self._executemany(driver, batch, lines))
            self._commit()
        return []

    def _driver(self) -> Any:
        """The driver's connection, in the session's current transaction (a commit may have
        returned the last one to the pool); SQLite's page cache sized for the import."""
        if self.ctx.commit is not None:
            # SQLite: at BEGIN, waiting its turn; a transaction that read first would fail at its
            # first write if another writer committed in between.
            write_first(self.ctx.session)
        driver: Any = self.ctx.session.connection().connection.driver_connection
        if self.postgres:
            if self.ctx.commit is not None:
                # A batch lost in a crash is loaded again by the re-run: no need to wait for the disk.
                driver.execute("SET LOCAL synchronous_commit = off")
        elif driver is not self.tuned:
            self._untune()
            driver.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            self.tuned = driver
        return driver

    def _untune(self) -> None:
        if self.tuned is not None:
            self.tuned.execute("PRAGMA cache_size = -2000")  # SQLite's default, for the pool's next user
            self.tuned = None

    def _commit(self, *, last: bool = False) -> None:
        # Every few seconds rather than every batch: each commit writes the index pages the
        # batches dirtied, and random stays dirty pages all over the indexes.
        if self.ctx.commit is not None and (last or monotonic() - self.committed >= self.commit_seconds):
            self.ctx.commit()
            if not last and self.ctx.session.get_bind().dialect.name == "sqlite":
                # Give way: a writer waiting in SQLite's busy handler polls; without a pause the
                # import's next BEGIN IMMEDIATE would take the lock again before it looks.
                sleep(GIVE_WAY_SECONDS)
            self.committed = monotonic()

    def _count(self, size: int, result: tuple[int, list[int]]) -> None:
        written, refused = result
        self.loaded += written
        self.unchanged += size - written - len(refused)
        self.late.extend(Problem(line, "checked_out_at", DIFFERENT_OUT) for line in refused)

    def _collect(self) -> None:
        if self.in_flight is not None:
            (future, size), self.in_flight = self.in_flight, None
            self._count(size, future.result())
            self._commit()

    def finish(self) -> list[Problem]:
        self.flush()
        self._collect()
        self._commit(last=True)
        problems, self.late = self.late, []
        return problems

    def close(self) -> None:
        # Nothing may touch the connection while a batch is still being written.
        if self.in_flight is not None:
            wait([self.in_flight[0]])
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        if self.ctx.checking:
            self.ctx.session.execute(text(f"DROP TABLE IF EXISTS {FIRST_OUT}"))
        self._untune()

    def _executemany(self, driver: Any, batch: list[Row], lines: list[int]) -> tuple[int, list[int]]:
        unique, dropped = _one_per_stay(_staged(batch, lines))
        unique.sort(key=STAY)  # in the unique index's order: each batch touches its pages once
        cursor = driver.cursor()
        try:
            (last_id,) = cursor.execute("SELECT coalesce(max(id), 0) FROM checkins").fetchone()
            cursor.executemany(
                "INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) VALUES (?, ?, ?, ?, ?) "
                + UPSERT,
                [(*row[:4], self.import_id) for row in unique],
            )
            written = int(cursor.rowcount)
            # Only a stay this batch did not insert can keep another check-out than its row's:
            # the batch's new rows are those past the last id (one writer holds SQLite), so the
            # rest, a few rows of a real file, are looked up, not the whole batch.
            undecided = [row for row in dropped if row[3] is not None]
            if written < len(unique):
                inserted = set(cursor.execute(
                    "SELECT person_id, venue_id, in_at FROM checkins WHERE id > ?", (last_id,)))
                undecided += [row for row in unique if row[3] is not None and STAY(row) not in inserted]
            return written, self._differing(cursor, undecided)
        finally:
            cursor.close()

    def _copy(self, driver: Any, batch: list[Row], lines: list[int]) -> tuple[int, list[int]]:
        with driver.cursor() as cursor:
            self._stage(cursor, _staged(batch, lines))
            written, refused = cursor.execute(WRITE_STAGED, (self.import_id,)).fetchone()
            self._clear(cursor)
            return int(written), list(refused)

    def _stage(self, cursor: Any, rows: list[Staged]) -> None:
        cursor.execute(CREATE_STAGE)
        if self.postgres:
            with cursor.copy(f"COPY {STAGE} ({STAGE_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {STAGE} ({STAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?)", rows)

    def _clear(self, cursor: Any) -> None:
        # TRUNCATE on PostgreSQL: a temporary table is never vacuumed, and deleted rows would pile up.
        cursor.execute(f"TRUNCATE {STAGE}" if self.postgres else f"DELETE FROM {STAGE}")

    def _differing(self, cursor: Any, rows: list[Staged]) -> list[int]:
        """The lines of the rows whose check-out differs from their stay's as stored now."""
        if not rows:
            return []
        self._stage(cursor, rows)
        refused = [line for (line,) in cursor.execute(DIFFERING.format(differs=self.differs)).fetchall()]
        self._clear(cursor)
        return refused

    def _check(self, driver: Any, batch: list[Row], lines: list[int]) -> list[int]:
        """Strict's first pass: the lines the load would refuse, writing nothing to the registry."""
        cursor = driver.cursor()
        try:
            cursor.execute(CREATE_FIRST_OUT)
            self._stage(cursor, _staged(batch, lines, closed_only=True))
            cursor.execute(KEEP_FIRST_OUT)
            refused = [line for (line,) in cursor.execute(CONFLICTING.format(differs=self.differs)).fetchall()]
            self._clear(cursor)
            return refused
        finally:
            cursor.close()


def _staged(batch: list[Row], lines: list[int], *, closed_only: bool = False) -> list[Staged]:
    """The rows as staged, with their lines; only those giving a check-out when only they can be refused."""
    return [(row[0], row[1], row[2], row[3], line) for row, line in zip(batch, lines, strict=True)
            if row[3] is not None or not closed_only]


def _one_per_stay(rows: list[Staged]) -> tuple[list[Staged], list[Staged]]:
    """The rows with each stay once, the first giving a check-out preferred; and the rows left out.

    On either database the stay then takes the same check-out whatever the rows' order.
    """
    if len(set(map(STAY, rows))) == len(rows):  # the usual case, checked at C speed
        return list(rows), []
    chosen: dict[tuple[int, int, int], Staged] = {}
    dropped: list[Staged] = []
    for row in rows:
        key = (row[0], row[1], row[2])
        first = chosen.setdefault(key, row)
        if first is row:
            continue
        if first[3] is None and row[3] is not None:
            chosen[key] = row
            dropped.append(first)
        else:
            dropped.append(row)
    return list(chosen.values()), dropped
