"""Check-ins written in batches: the statements, and a process of its own that writes them.

A batch is a list of staged rows (person, venue, check-in, check-out, line). ``write`` stores it
on a driver connection and answers how many rows it wrote and which lines it refused; the import
calls it in its own transaction (a test's savepoint, an in-memory database) or hands its batches
to ``Writer``: a child process with its own connection that writes one batch while the import
reads and checks the next. Reading a county's file costs about as much as writing it, and the
two then take a core each.

This module imports nothing heavy: the writer process starts in a fraction of a second and, with
no SQLAlchemy loaded, takes about 15 MB besides its page cache and the batch in hand.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from multiprocessing.connection import Connection
from operator import itemgetter
from time import monotonic, sleep
from typing import Any, TypeAlias

from fangyi.db.pragmas import SQLITE_PRAGMAS
from fangyi.imports.failures import WriteFailed

Staged = tuple[int, int, int, int | None, int]  # person, venue, check-in, check-out, line
Target = tuple[bool, str]  # PostgreSQL? and its connection string, or SQLite's file
Result = tuple[int, list[int]]  # rows written, lines refused

STAY = itemgetter(0, 1, 2)  # person, venue, check-in time: what makes a stay one
# SQLite: a batch is written a part at a time, and the writer may commit between parts, so that a
# web request waiting for the one write lock waits for a part (a fraction of a second), not a batch.
PART = 10_000
# After a commit, long enough for a web writer waiting on SQLite's lock (it polls every few ms) to take it.
GIVE_WAY_SECONDS = 0.05
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
# many rows it wrote, the lines refused among the stays it wrote (each staged row matched to its
# stay's row as written, by hashing, not a seek a row), and the lines giving a check-out whose stay
# it left alone: a few of a real file's batch, looked up by LEFT_ALONE in a statement of their
# own, whose snapshot holds a stay another writer committed while this one ran.
WRITE_STAGED = (
    "WITH written AS (INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) "
    f"SELECT DISTINCT ON (person_id, venue_id, in_at) person_id, venue_id, in_at, out_at, %s FROM {STAGE} "
    f"ORDER BY person_id, venue_id, in_at, out_at IS NULL, line {UPSERT} "
    "RETURNING person_id, venue_id, in_at, out_at) "
    "SELECT (SELECT count(*) FROM written), "
    f"ARRAY(SELECT s.line FROM {STAGE} s JOIN written w "
    "ON w.person_id = s.person_id AND w.venue_id = s.venue_id AND w.in_at = s.in_at "
    "WHERE s.out_at IS NOT NULL AND s.out_at IS DISTINCT FROM w.out_at ORDER BY s.line), "
    f"ARRAY(SELECT s.line FROM {STAGE} s WHERE s.out_at IS NOT NULL AND NOT EXISTS (SELECT FROM written w "
    "WHERE w.person_id = s.person_id AND w.venue_id = s.venue_id AND w.in_at = s.in_at))"
)
LEFT_ALONE = (f"SELECT s.line FROM {STAGE} s WHERE s.line = ANY(%s) AND s.out_at IS DISTINCT FROM {STORED_OUT} "
              "ORDER BY s.line")
# PostgreSQL: a batch's sort (one row per stay) and its hash of the rows written in memory, not
# spilled to files (the default 4 MB holds about 20,000 staged rows).
PG_WORK_MEM = "SET LOCAL work_mem = '64MB'"
INSERT_SQLITE = ("INSERT INTO checkins (person_id, venue_id, in_at, out_at, import_id) VALUES (?, ?, ?, ?, ?) "
                 + UPSERT)


def write(driver: Any, postgres: bool, rows: list[Staged], import_id: int) -> Result:
    """Store a batch on the driver connection, in its current transaction."""
    rows = sorted(rows, key=STAY)  # stable: a stay's rows keep the file's order
    return write_sorted(driver, postgres, parts_of(rows), import_id)


def write_sorted(driver: Any, postgres: bool, parts: Iterable[list[Staged]], import_id: int,
                 between: Callable[[], None] | None = None) -> Result:
    """Store a batch given as parts, sorted by the stay's key with no stay split between two
    parts. On SQLite each part is written in turn, ``between`` called before all but the first
    (it may commit, and begin again, to let others write); only one part is in memory at a time."""
    cursor = driver.cursor()
    try:
        if postgres:
            return _copy(cursor, chain.from_iterable(parts), import_id)
        written, undecided = 0, []
        for n, part in enumerate(parts):
            if n and between is not None:
                between()
            count, left = _executemany(cursor, part, import_id)
            written += count
            undecided += left
        if not undecided:
            return written, []
        stage(cursor, undecided, postgres=False)
        refused = [line for (line,) in cursor.execute(DIFFERING.format(differs="IS NOT")).fetchall()]
        clear(cursor, postgres=False)
        return written, refused
    finally:
        cursor.close()


def _executemany(cursor: Any, part: list[Staged], import_id: int) -> tuple[int, list[Staged]]:
    """Write a part; how many rows it wrote, and its rows giving a check-out that may differ from
    their stay's stored one (checked once the whole batch is written)."""
    unique, dropped = one_per_stay(part)
    (last_id,) = cursor.execute("SELECT coalesce(max(id), 0) FROM checkins").fetchone()
    cursor.executemany(INSERT_SQLITE, ((*row[:4], import_id) for row in unique))
    written = int(cursor.rowcount)
    undecided = [row for row in dropped if row[3] is not None]
    # Only a stay this part did not insert can keep another check-out than its row's: the part's
    # new rows are those past the last id (one writer holds SQLite), so the rest, a few rows of a
    # real file, are looked up, not the whole part.
    if written < len(unique):
        inserted = set(cursor.execute("SELECT person_id, venue_id, in_at FROM checkins WHERE id > ?", (last_id,)))
        undecided += [row for row in unique if row[3] is not None and STAY(row) not in inserted]
    return written, undecided


def parts_of(rows: Sequence[Staged]) -> Iterator[list[Staged]]:
    """Sorted rows in parts of about PART, each cut where one stay ends and the next begins."""
    start = 0
    while start < len(rows):
        end = min(start + PART, len(rows))
        while end < len(rows) and STAY(rows[end]) == STAY(rows[end - 1]):
            end += 1
        yield list(rows[start:end])
        start = end


# A batch held as machine integers, five a row (8 bytes a number against some 45 for Python's: a
# 200,000-row batch in 8 MB), sorted by the stay's key before it is written, and sent to the
# writer process as its bytes; the writer builds a part's rows at a time. A missing check-out is NONE.
NONE = -(1 << 63)
WIDTH = 5
Packed: TypeAlias = "memoryview | array[int]"  # of 64-bit integers ("q"), WIDTH a row
DONE = b"done"  # to the writer: commit and end (a batch's bytes are a multiple of 40)


ROW = struct.Struct(f"{WIDTH}q")  # a row's values, native 64-bit integers


class Batch:
    """The rows an import has read and not yet written: what the writer needs of each, packed into
    a buffer of the batch's whole size, made once and used again by every batch of the import (a
    buffer grown as rows come would be copied as it grows: twice its size for a moment)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.buffer = bytearray(max(1, capacity) * ROW.size)
        self.count = 0

    def add(self, person: int, venue: int, in_at: int, out_at: int | None, line: int) -> int:
        """Keep a row; how many the batch holds."""
        offset = self.count * ROW.size
        if offset == len(self.buffer):
            self.buffer.extend(bytes(len(self.buffer)))  # past the capacity asked for: twice the room
        ROW.pack_into(self.buffer, offset, person, venue, in_at, NONE if out_at is None else out_at, line)
        self.count += 1
        return self.count

    def clear(self) -> None:
        """Empty, keeping the buffer for the next batch."""
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def values(self) -> memoryview:
        return memoryview(self.buffer)[: self.count * ROW.size].cast("q")

    @property
    def last_line(self) -> int:
        return int(ROW.unpack_from(self.buffer, (self.count - 1) * ROW.size)[4])

    def rows(self) -> Iterator[Staged]:
        return _rows(self.values, 0, len(self))

    def sorted_runs(self) -> Iterator[memoryview]:
        """The rows sorted by the stay's key, a stay's rows in the file's order: the packed values,
        a run of SORTED_RUN rows at a time (a sorted copy of the whole batch is not held).

        numpy's sort of the columns, not Python's of the rows: a tuple per row for the key would
        cost more memory than the whole packed batch, and a second a batch of the import's core."""
        import numpy

        table = numpy.frombuffer(self.buffer, dtype=numpy.int64, count=self.count * WIDTH).reshape(-1, WIDTH)
        # The last key sorts first: check-in, then venue, person. The sort is stable: a stay's rows
        # keep the file's order, which decides which check-out a stay takes.
        order = numpy.lexsort((table[:, 2], table[:, 1], table[:, 0]))
        for start in range(0, len(order), SORTED_RUN):
            yield table[order[start : start + SORTED_RUN]].data.cast("B")

    def sorted(self) -> memoryview:
        """The rows sorted, packed in one buffer (for a batch written in this process)."""
        return memoryview(b"".join(self.sorted_runs())).cast("q")


SORTED_RUN = 20_000


def pack(rows: Iterable[Staged]) -> memoryview:
    """Rows sorted and packed, as a Batch sends them."""
    batch = Batch()
    for row in rows:
        batch.add(*row)
    return batch.sorted()


def _rows(packed: Packed, start: int, end: int) -> Iterator[Staged]:
    values = iter(packed[start * WIDTH : end * WIDTH].tolist())
    for person, venue, in_at, out_at, line in zip(values, values, values, values, values, strict=True):
        yield person, venue, in_at, None if out_at == NONE else out_at, line


def _stay(packed: Packed, n: int) -> Packed:
    return packed[n * WIDTH : n * WIDTH + 3]


def unpacked_parts(packed: Packed) -> Iterator[list[Staged]]:
    """The rows of a packed, sorted batch, as parts_of cuts them, one part built at a time."""
    total = len(packed) // WIDTH
    start = 0
    while start < total:
        end = min(start + PART, total)
        # A stay's rows stay in one part: the part ends where the stay's key changes.
        while end < total and _stay(packed, end) == _stay(packed, end - 1):
            end += 1
        yield list(_rows(packed, start, end))
        start = end


def _copy(cursor: Any, rows: Iterable[Staged], import_id: int) -> Result:
    stage(cursor, rows, postgres=True)
    written, refused, left_alone = cursor.execute(WRITE_STAGED, (import_id,)).fetchone()
    refused = list(refused)
    if left_alone:
        refused = sorted(refused + [line for (line,) in cursor.execute(LEFT_ALONE, (list(left_alone),))])
    clear(cursor, postgres=True)
    return int(written), refused


def stage(cursor: Any, rows: Iterable[Staged], *, postgres: bool) -> None:
    cursor.execute(CREATE_STAGE)
    if postgres:
        with cursor.copy(f"COPY {STAGE} ({STAGE_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {STAGE} ({STAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?)", rows)


def clear(cursor: Any, *, postgres: bool) -> None:
    # TRUNCATE on PostgreSQL: a temporary table is never vacuumed, and deleted rows would pile up.
    cursor.execute(f"TRUNCATE {STAGE}" if postgres else f"DELETE FROM {STAGE}")


def one_per_stay(rows: list[Staged]) -> tuple[list[Staged], list[Staged]]:
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


# --- the writer process ---------------------------------------------------------------------


class WriterFailed(WriteFailed):
    """The writer process stopped on an error; what it wrote since its last commit is not stored
    (on SQLite it may commit between a batch's parts: the parts before stay, as earlier batches do)."""


class Writer:
    """A child process writing the import's batches on a connection of its own, one batch in
    flight while the import reads the next. It commits every ``commit_seconds``, so a crash of
    either process loses at most those seconds (a re-run loads them alike)."""

    def __init__(self, target: Target, import_id: int, commit_seconds: float, cache_kib: int) -> None:
        # A fresh interpreter running this module, not multiprocessing's fork (the import may run
        # in a threaded server, whose connections and locks a fork would inherit) nor its spawn
        # (which runs the parent's main script again in the child). Where to connect, password
        # and all, goes through the socket, not the command line that `ps` shows.
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=[theirs.fileno()])
        theirs.close()
        self.pipe = Connection(ours.detach())
        self.pipe.send((target, import_id, commit_seconds, cache_kib))
        self.in_flight = 0

    def send(self, batch: Batch) -> None:
        """A batch's rows, sorted and packed, framed as Connection.send_bytes frames a message
        (Inbox reads it) but written a sorted run at a time."""
        try:
            size = len(batch) * WIDTH * 8
            fd = self.pipe.fileno()
            _write_all(fd, struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size))
            for run in batch.sorted_runs():
                _write_all(fd, run)
        except OSError:  # the process is gone: what it said, if anything, is the reason
            self.in_flight += 1
            self._answer()
            raise WriterFailed("the check-ins' writer process stopped") from None
        self.in_flight += 1

    def receive(self) -> Result:
        """The answer for the batch in flight, waiting for it."""
        self.in_flight -= 1
        written, refused = self._answer()
        return int(written), list(refused)

    def finish(self) -> int:
        """Commit what was written and stop the process; its peak memory in kB (0: not known)."""
        self.pipe.send_bytes(DONE)
        peak = int(self._answer())
        self.close()
        return peak

    def close(self) -> None:
        """Stop the process; what it wrote since its last commit is rolled back."""
        self.pipe.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _answer(self) -> Any:
        try:
            kind, value = self.pipe.recv()
        except (EOFError, OSError):
            raise WriterFailed("the check-ins' writer process stopped") from None
        if kind == "error":
            raise WriterFailed(value)
        return value


def _reason(exc: Exception) -> str:
    """The database's own words, first line only: no statement, parameters or identity numbers."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


def _peak_kb() -> int:
    """The process's peak resident memory (Linux), for the benchmarks; 0 elsewhere."""
    try:
        with open("/proc/self/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Inbox:
    """Batches read from the pipe into one buffer, reused: Connection.recv_bytes builds each
    message by chunks and copies, three times a batch's size for a moment (24 MB for 200,000 rows)."""

    def __init__(self, pipe: Connection) -> None:
        self.fd = pipe.fileno()
        self.buffer = bytearray()

    def receive(self) -> memoryview:
        """The next message (framed as Connection.send_bytes frames it), valid until the next call."""
        (size,) = struct.unpack("!i", self._read(4))
        if size == -1:
            (size,) = struct.unpack("!Q", self._read(8))
        if len(self.buffer) < size:
            self.buffer = bytearray(size)
        message = memoryview(self.buffer)[:size]
        self._fill(message)
        return message

    def _read(self, size: int) -> bytes:
        data = bytearray(size)
        self._fill(memoryview(data))
        return bytes(data)

    def _fill(self, view: memoryview) -> None:
        got = 0
        while got < len(view):
            n = os.readv(self.fd, [view[got:]])
            if n == 0:
                raise EOFError
            got += n


def serve(pipe: Connection) -> None:
    """The writer process: its settings, then batches from the pipe, each answered; None commits
    and ends; the pipe closed (the import stopped or was killed) rolls back and ends."""
    try:
        target, import_id, commit_seconds, cache_kib = pipe.recv()
    except EOFError:
        return

    postgres, where = target
    driver = connect(postgres, where)
    if postgres:
        driver.execute(PG_WORK_MEM.replace("LOCAL ", ""))  # the connection is the import's own
        driver.commit()
    else:
        driver.execute(f"PRAGMA cache_size = -{cache_kib}")
        # Every person and venue id of a batch is one the import just read from the registry, and
        # nothing deletes a person or a venue (a merge marks the record): checking each row's keys
        # again is a seek into the persons' table per row, whose pages (30 MB for a county) would
        # crowd the indexes' out of the cache.
        driver.execute("PRAGMA foreign_keys = OFF")
    began = False
    committed = monotonic()
    inbox = Inbox(pipe)

    def give_way() -> None:
        """Between a batch's parts on SQLite: commit when the interval is up, and begin again."""
        nonlocal committed
        if monotonic() - committed >= commit_seconds:
            driver.execute("COMMIT")
            sleep(GIVE_WAY_SECONDS)
            driver.execute("BEGIN IMMEDIATE")
            committed = monotonic()

    try:
        while True:
            # Waiting for a batch while holding SQLite's lock (the import may be reading a long run
            # of refused rows): commit when the interval is up, so that the web can write meanwhile.
            if began and not pipe.poll(max(0.0, commit_seconds - (monotonic() - committed))):
                driver.commit() if postgres else driver.execute("COMMIT")
                began = False
                committed = monotonic()
            try:
                rows = inbox.receive()
            except EOFError:
                return  # the import stopped: roll back what is not committed (below)
            if rows == DONE:
                if began:
                    driver.commit() if postgres else driver.execute("COMMIT")
                    began = False
                pipe.send(("done", _peak_kb()))
                return
            if not began:
                if postgres:
                    # A batch lost in a crash is loaded again by the re-run: no need to wait for the disk.
                    driver.execute("SET LOCAL synchronous_commit = off")
                else:
                    driver.execute("BEGIN IMMEDIATE")  # waiting its turn among SQLite's writers
                began = True
            with rows.cast("q") as packed:
                pipe.send(("ok", write_sorted(driver, postgres, unpacked_parts(packed), import_id, give_way)))
            rows.release()
            if monotonic() - committed >= commit_seconds:
                driver.commit() if postgres else driver.execute("COMMIT")
                began = False
                if not postgres:
                    sleep(GIVE_WAY_SECONDS)  # a writer waiting in SQLite's busy handler polls: let it look
                committed = monotonic()
    except Exception as exc:  # told to the import, which fails the run with it
        try:
            pipe.send(("error", f"the database refused a batch of check-ins: {_reason(exc)}"))
        except OSError:
            traceback.print_exc()
    finally:
        if began:
            with contextlib.suppress(Exception):  # the connection went with the error: nothing to undo
                driver.rollback() if postgres else driver.execute("ROLLBACK")
        driver.close()


def connect(postgres: bool, where: str) -> Any:
    """The driver's own connection, set as Fangyi's engines set theirs (SQLite's pragmas; on
    PostgreSQL, psycopg's defaults): SQLAlchemy is not loaded for it."""
    if postgres:
        import psycopg

        return psycopg.connect(where)
    import sqlite3

    driver = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
    for pragma in SQLITE_PRAGMAS:
        driver.execute(pragma)
    return driver


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
