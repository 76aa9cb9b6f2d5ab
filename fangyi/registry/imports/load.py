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
from datetime import UTC, datetime, timedelta
from time import monotonic, sleep
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from fangyi.db.session import write_first
from fangyi.identity import mask_id_number
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.fields import EARLIEST, LATEST, clean_checkin
from fangyi.registry.imports.writer import (
    CONFLICTING,
    CREATE_FIRST_OUT,
    FIRST_OUT,
    GIVE_WAY_SECONDS,
    KEEP_FIRST_OUT,
    PG_WORK_MEM,
    Batch,
    Writer,
    clear,
    stage,
    unpacked_parts,
    write_sorted,
)
from fangyi.registry.models import Person, Venue
from fangyi.registry.persons import FieldError

# The import connection's page cache on SQLite: the indexes' pages of a table of some millions of
# stays (about 48 bytes a stay in the unique key and the venues' index), which a file in random
# order touches all over. Allocated as pages are read, so a small file costs little. Once the
# indexes outgrow it, each batch sweeps nearly all their leaf pages and reads most of them again
# from the file: what a row costs then falls with the batch's size more than it rises with the
# cache's, so the memory goes to the batch. Measured on 3M random stays (bench.import_checkins,
# quiet machine): 500,000-row batches and 96 MB kept the third million at 87-95 % of the first's
# rate, 250,000 and 112 MB at 53-71 %, both about 290 MB for the import and its writer together.
SQLITE_CACHE_KIB = 96 * 1024


def sqlite_cache_kib() -> int:
    """The import's page cache on SQLite: FANGYI_IMPORT_CACHE_MB, the operator's trade of memory
    for speed on a large table (docs: README, Settings), or SQLITE_CACHE_KIB."""
    given = os.environ.get("FANGYI_IMPORT_CACHE_MB")
    return max(2, int(given)) * 1024 if given and given.isdigit() else SQLITE_CACHE_KIB
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
    # Read a part at a time: a county's 200,000 rows held at once as row objects cost 60 MB more
    # than the maps made of them.
    streamed = {"yield_per": 20_000}
    ids: dict[str, int] = {}
    merged: dict[int, int] = {}
    area_of: dict[int, str] = {}
    if limited:
        for number, id_, into, area in ctx.session.execute(select(*columns, Person.area_code),
                                                           execution_options=streamed):
            ids[number] = id_
            area_of[id_] = area
            if into is not None:
                merged[id_] = into
    else:
        for number, id_, into in ctx.session.execute(select(*columns), execution_options=streamed):
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
    # Sorted by the stay's key, a batch touches the unique index's pages in one pass, and the larger
    # it is the more of its rows share a page. Measured on 3M random stays (SQLite): the writer read
    # 2.75 GB from the file for the third million with 50,000-row batches, 0.3 GB with 500,000.
    # Held packed (writer.Batch, 40 bytes a row), a batch costs 20 MB in the import and as much in
    # its writer. A million is a whole number of batches (the benchmark times each).
    batch_size = 500_000
    commits_batches = True
    commit_seconds = 5.0  # how long the batches written hold SQLite's one writer before a commit lets others in

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.read_registry(ctx)
        self.import_id = ctx.import_id
        self.postgres = ctx.session.get_bind().dialect.name == "postgresql"
        self.tuned: Any = None  # the SQLite connection whose page cache was sized for the import
        self.committed = monotonic()
        if (every := os.environ.get("FANGYI_IMPORT_COMMIT_SECONDS")) is not None:
            self.commit_seconds = float(every)  # the operator's choice (docs: README, Settings)
        self._commit(last=True)  # the registry's read ends here: each write then begins holding the write lock
        self.sent = 0  # the rows of the batch the writer process has in hand
        self.writer = self._writer()

    def read_registry(self, ctx: Context) -> None:
        """The maps a row is checked against: the persons' and venues' ids inside the actor's
        jurisdiction, and the numbers and codes outside it (said as such, not as unknown)."""
        self.persons, self.persons_outside = person_ids(ctx)
        self.venues: dict[str, int] = {}
        self.venues_outside: set[str] = set()
        for code, id_, area in ctx.session.execute(select(Venue.code, Venue.id, Venue.area_code)):
            if ctx.outside(area) is None:
                self.venues[code] = id_
            else:
                self.venues_outside.add(code)
        given = os.environ.get("FANGYI_IMPORT_BATCH_ROWS", "")
        # Fewer rows a batch: less memory for less speed (README, Settings).
        self.batch_rows = max(1_000, int(given)) if given.isdigit() else self.batch_size
        self.batch = Batch(self.batch_rows)
        self.tz = ctx.tz

    def _writer(self) -> Writer | None:
        """A writer process for an import that commits as it goes, on a database another
        connection can open (a file or a server); else the batches are written here."""
        bind = self.ctx.session.get_bind()
        if self.ctx.commit is None or self.ctx.checking or not isinstance(bind, Engine) or os.name != "posix":
            return None  # (the writer is handed its socket by descriptor: POSIX only)
        if bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"):
            return None
        if bind.dialect.name == "sqlite":
            return Writer((False, bind.url.database or ""), self.import_id, self.commit_seconds, sqlite_cache_kib())
        # libpq takes the URL as SQLAlchemy writes it, once the driver's name is off the scheme.
        conninfo = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return Writer((True, conninfo), self.import_id, self.commit_seconds, sqlite_cache_kib())

    def take(self, line: int, values: Values) -> Problem | None:
        # The short path, run a million times: what it accepts clean_checkin
        # accepts alike, to the same values. Anything else takes the long way.
        raw_id, raw_venue, raw_in, raw_out = values
        if raw_id and raw_venue and raw_in:
            # As the file gives them first (nearly always already clean), then cleaned.
            person = self.persons.get(raw_id) or self.persons.get(raw_id.strip().upper())
            venue = self.venues.get(raw_venue) or self.venues.get(raw_venue.strip())
            in_at = _epoch(raw_in.strip(), self.tz) if person is not None and venue is not None else None
            if in_at is not None:
                out_at = _epoch(raw_out.strip(), self.tz) if raw_out and not raw_out.isspace() else None
                if not raw_out or raw_out.isspace() or (out_at is not None and out_at >= in_at):
                    kept = 0 if self.dry else self.batch.add(person, venue, in_at, out_at, line)  # type: ignore[arg-type]
                    if kept >= self.batch_rows:
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
        kept = 0 if self.dry else self.batch.add(person, venue, fields.in_at, fields.out_at, line)
        if kept >= self.batch_rows:
            self.flush()
        return None

    def stop_writing(self) -> None:
        super().stop_writing()
        self.batch.clear()

    def flush(self) -> list[Problem]:
        try:
            return self._flush(self.batch)
        finally:
            self.batch.clear()  # written, or handed to the writer: the buffer serves the next batch

    def _flush(self, batch: Batch) -> list[Problem]:
        if not len(batch) or self.dry:
            return []
        if self.writer is not None:
            self._receive()  # the batch before, written meanwhile
            if self.late and self.ctx.strict:
                self.stop_writing()  # strict stops at a refused row: the batch read since is not sent
                return []
            self.writer.send(batch)
            self.sent = len(batch)
            return []
        driver = self._driver()
        if self.ctx.checking:
            refused = self._check(driver, batch)
            self.late.extend(Problem(line, "checked_out_at", DIFFERENT_OUT) for line in refused)
        else:
            self._count(len(batch), write_sorted(driver, self.postgres, unpacked_parts(batch.sorted()), self.import_id))
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
            driver.execute(PG_WORK_MEM)
            if self.ctx.commit is not None:
                # A batch lost in a crash is loaded again by the re-run: no need to wait for the disk.
                driver.execute("SET LOCAL synchronous_commit = off")
        elif driver is not self.tuned:
            self._untune()
            driver.execute(f"PRAGMA cache_size = -{sqlite_cache_kib()}")
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

    def _receive(self) -> None:
        """Count the batch the writer process has in hand, once it is written."""
        if self.writer is not None and self.writer.in_flight:
            self._count(self.sent, self.writer.receive())

    def finish(self) -> list[Problem]:
        self.flush()
        if self.writer is not None:
            self._receive()
            self.writer.finish()  # its last batches committed
            self.writer = None
        self._commit(last=True)
        problems, self.late = self.late, []
        return problems

    def close(self) -> None:
        if self.writer is not None:  # the import failed: what the writer holds uncommitted goes
            self.writer.close()
            self.writer = None
        if self.ctx.checking:
            self.ctx.session.execute(text(f"DROP TABLE IF EXISTS {FIRST_OUT}"))
        self._untune()

    def _check(self, driver: Any, batch: Batch) -> list[int]:
        """Strict's first pass: the lines the load would refuse, writing nothing to the registry."""
        differs = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        cursor = driver.cursor()
        try:
            cursor.execute(CREATE_FIRST_OUT)
            stage(cursor, [row for row in batch.rows() if row[3] is not None], postgres=self.postgres)
            cursor.execute(KEEP_FIRST_OUT)
            refused = [line for (line,) in cursor.execute(CONFLICTING.format(differs=differs)).fetchall()]
            clear(cursor, postgres=self.postgres)
            return refused
        finally:
            cursor.close()
