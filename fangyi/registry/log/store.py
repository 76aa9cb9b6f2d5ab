"""The check-in log's files: write (merging into the partitions touched), read, export, prune.

Everything goes through an in-memory DuckDB connection: its Parquet writer lays out the
partitions (COPY ... PARTITION_BY), and its reader takes them back with the partition columns.

One writer at a time: export, an import into the log and prune each hold the log's writer lock
(`writing`: an flock on PATH/.writer.lock, released by the kernel when its process ends, however it
ends) for their whole run; a second writer is refused at once with who holds it. Every write ends
by dropping the days past retention (`keep_retention`).
"""

from __future__ import annotations

import csv
import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BUCKETS = 16  # partitions of one day, by venue id: a venue's stays of a day sit in one folder
COLUMNS = ("person_id", "venue_id", "in_at", "out_at")
EXPORT_CHUNK = 200_000
# The margin kept beyond the edition's look-back: cases are traced days after their onset, and a
# close contact's secondary window runs from the first exposure to now.
RETENTION_MARGIN_DAYS = 14
MARGIN_SETTING = "FANGYI_CHECKIN_LOG_MARGIN_DAYS"  # the margin writes keep, in days; "off": writes keep every day
LOCK_FILE = ".writer.lock"  # hidden: DuckDB's and Spark's readers pass over it
# The longest stay with a check-out written so far, in seconds: a batch reads only the days from
# its earliest window start less this (a leading "_": Spark's reader passes over it too).
LONGEST_FILE = "_longest_stay.json"


class LogBusy(Exception):
    """Another writer holds the log."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def connect() -> Any:
    """An in-memory DuckDB connection (imported here: a county's commands never load DuckDB)."""
    import duckdb

    return duckdb.connect()


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pattern(path: str | Path) -> str:
    return f"{str(path).rstrip('/')}/day=*/bucket=*/*.parquet"


def has_files(path: str | Path) -> bool:
    root = Path(path)
    return root.is_dir() and any(root.glob("day=*/bucket=*/*.parquet"))


EMPTY_SQL = ("SELECT CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS BIGINT) AS venue_id, "
             "CAST(NULL AS BIGINT) AS in_at, CAST(NULL AS BIGINT) AS out_at WHERE FALSE")


def files(path: str | Path, since: date | None = None) -> list[Path]:
    """The log's Parquet files, of the days from `since` on (all without)."""
    root = Path(path)
    if not root.is_dir():
        return []
    return [f for day in days(root) if since is None or day >= since
            for f in sorted((root / f"day={day.isoformat()}").glob("bucket=*/*.parquet"))]


def read_sql(path: str | Path, since: date | None = None) -> str:
    """A SELECT of the log's stays (person_id, venue_id, in_at, out_at), empty when it has none.
    With `since`, of the days from then on only: the other days' files are not even opened."""
    if since is None:
        if not has_files(path):
            return EMPTY_SQL
        return (f"SELECT person_id, venue_id, in_at, out_at FROM read_parquet({_quoted(pattern(path))}, "
                "hive_partitioning = true, union_by_name = true)")
    listed = files(path, since)
    if not listed:
        return EMPTY_SQL
    named = ", ".join(_quoted(str(f)) for f in listed)
    return (f"SELECT person_id, venue_id, in_at, out_at FROM read_parquet([{named}], "
            "hive_partitioning = true, union_by_name = true)")


def longest_stay(path: str | Path) -> int | None:
    """The longest stay with a check-out the log has held, in seconds (LONGEST_FILE, kept by every
    write); None for a log written before it was kept (or by hand): then no day may be skipped."""
    try:
        return int(json.loads((Path(path) / LONGEST_FILE).read_text(encoding="utf-8"))["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def first_day_needed(path: str | Path, earliest: int, default_stay: int, tz: ZoneInfo) -> date | None:
    """The first local day whose stays can reach `earliest` (epoch seconds): a stay lasts at most
    the log's longest stay with a check-out, or `default_stay` (the longest default stay of any
    venue) without one. None: the log does not know its longest stay, every day is read."""
    longest = longest_stay(path)
    if longest is None:
        return None
    return datetime.fromtimestamp(earliest - max(longest, default_stay, 0), tz).date()


def _write_longest(root: Path, seconds: int) -> None:
    scratch = root / f".{LONGEST_FILE}.{uuid.uuid4().hex}"
    scratch.write_text(json.dumps({"seconds": int(seconds)}), encoding="utf-8")
    scratch.replace(root / LONGEST_FILE)


def _measure_longest(con: Any, root: Path) -> int:
    if not has_files(root):
        return 0
    found = con.execute(f"SELECT MAX(out_at - in_at) FROM read_parquet({_quoted(pattern(root))}, "
                        "union_by_name = true)").fetchone()
    return max(0, int(found[0] or 0)) if found else 0


def record_longest(path: str | Path) -> int:
    """Measure the longest stay over the whole log and keep it (for a log written without it: by
    hand, by an older Fangyi, or by bench/city.py's generator), holding the writer lock."""
    root = Path(path)
    with writing(root, "record the longest stay"):
        con = connect()
        try:
            seconds = _measure_longest(con, root)
        finally:
            con.close()
        _write_longest(root, seconds)
        return seconds


def day_sql(column: str, tz: ZoneInfo) -> str:
    """The local date of an epoch-seconds column, as DuckDB computes it."""
    return f"CAST(timezone({_quoted(str(tz.key))}, to_timestamp({column})) AS DATE)"


@dataclass
class Written:
    loaded: int  # stays new to the log, or given a check-out they lacked
    unchanged: int  # stays the log held already as given (or repeated in what was written)
    conflicts: list[tuple[int, str]]  # (line, reason): a check-out differing from the one kept
    partitions: int  # partitions written
    dropped: list[date] = field(default_factory=list)  # days dropped past retention after writing


STAGE = "log_stage"


def create_stage(con: Any) -> None:
    """The table append() takes its rows from: the stays and the line each came from."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} (person_id BIGINT, venue_id BIGINT, in_at BIGINT, "
                "out_at BIGINT, line BIGINT)")


def stage_rows(con: Any, rows: Iterable[tuple[int, int, int, int | None, int]]) -> None:
    """Rows into the stage, through a CSV file (DuckDB reads one far faster than it takes parameters)."""
    written = 0
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow("" if v is None else v for v in row)
            written += 1
        name = fh.name
    try:
        if written:
            con.execute(f"INSERT INTO {STAGE} SELECT * FROM read_csv({_quoted(name)}, header = false, columns = "
                        "{'person_id': 'BIGINT', 'venue_id': 'BIGINT', 'in_at': 'BIGINT', 'out_at': 'BIGINT', "
                        "'line': 'BIGINT'})")
    finally:
        Path(name).unlink(missing_ok=True)


def append(con: Any, path: str | Path, tz: ZoneInfo, *, write: bool = True) -> Written:
    """The staged stays into the log at `path`: each partition they touch is read, merged with them
    and written again, so that a stay is in the log once. As in the table, the first check-out
    recorded for a stay holds: a stay without one is given the first the rows bring, and a row
    bringing a different one is refused (its line returned)."""
    root = Path(path)
    if write:
        root.mkdir(parents=True, exist_ok=True)
    con.execute(f"CREATE OR REPLACE TEMP TABLE log_new AS SELECT *, {day_sql('in_at', tz)} AS day, "
                f"CAST(venue_id % {BUCKETS} AS INTEGER) AS bucket FROM {STAGE}")
    touched = con.execute("SELECT DISTINCT day, bucket FROM log_new ORDER BY 1, 2").fetchall()
    old_files = [f for day, bucket in touched for f in sorted(_folder(root, day, bucket).glob("*.parquet"))]
    con.execute("CREATE OR REPLACE TEMP TABLE log_old (person_id BIGINT, venue_id BIGINT, in_at BIGINT, "
                "out_at BIGINT, day DATE, bucket INTEGER)")
    if old_files:
        listed = ", ".join(_quoted(str(f)) for f in old_files)
        con.execute(f"INSERT INTO log_old SELECT person_id, venue_id, in_at, out_at, {day_sql('in_at', tz)}, "
                    f"CAST(venue_id % {BUCKETS} AS INTEGER) FROM read_parquet([{listed}])")
    # The check-out each stay keeps: the log's own, else the first the new rows give (by line).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE log_kept AS
        WITH firsts AS (
            SELECT person_id, venue_id, in_at, arg_min(out_at, line) FILTER (WHERE out_at IS NOT NULL) AS out_at,
                   MIN(line) AS line, ANY_VALUE(day) AS day, ANY_VALUE(bucket) AS bucket
            FROM log_new GROUP BY person_id, venue_id, in_at)
        SELECT COALESCE(o.person_id, f.person_id) AS person_id, COALESCE(o.venue_id, f.venue_id) AS venue_id,
               COALESCE(o.in_at, f.in_at) AS in_at, COALESCE(o.out_at, f.out_at) AS out_at,
               COALESCE(o.day, f.day) AS day, COALESCE(o.bucket, f.bucket) AS bucket,
               o.person_id IS NULL AS fresh, o.person_id IS NOT NULL AND o.out_at IS NULL AND f.out_at IS NOT NULL
                   AS filled
        FROM log_old o FULL JOIN firsts f USING (person_id, venue_id, in_at)
    """)
    conflicts = [(int(line), "a different check-out is already recorded for this stay") for (line,) in con.execute("""
        SELECT n.line FROM log_new n JOIN log_kept k USING (person_id, venue_id, in_at)
        WHERE n.out_at IS NOT NULL AND n.out_at <> k.out_at ORDER BY n.line""").fetchall()]
    changed = con.execute("""
        SELECT COUNT(*) FILTER (WHERE fresh OR filled) FROM log_kept""").fetchone()
    loaded = int(changed[0]) if changed else 0
    total = int(con.execute("SELECT COUNT(*) FROM log_new").fetchone()[0])
    if touched and write:
        # The longest stay only grows (pruning leaves it: a bound too long reads a day more, never
        # one too few). A log that predates the file is measured whole once, under the lock.
        known = longest_stay(root)
        if known is None:
            known = _measure_longest(con, root)
        new = con.execute("SELECT MAX(out_at - in_at) FROM log_kept").fetchone()
        _write_longest(root, max(known, int(new[0] or 0) if new else 0))
        scratch = root / f".writing-{uuid.uuid4().hex}"
        con.execute(f"COPY (SELECT person_id, venue_id, in_at, out_at, day, bucket FROM log_kept "
                    f"ORDER BY day, bucket, venue_id, in_at) TO {_quoted(str(scratch))} "
                    "(FORMAT parquet, PARTITION_BY (day, bucket), FILENAME_PATTERN 'part_{uuid}')")
        for day, bucket in touched:
            folder = _folder(root, day, bucket)
            folder.mkdir(parents=True, exist_ok=True)
            for done in _folder(scratch, day, bucket).glob("*.parquet"):
                done.replace(folder / done.name)
        for old in old_files:
            old.unlink(missing_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return Written(loaded, total - loaded - len(conflicts), conflicts, len(touched))


def _folder(root: Path, day: date, bucket: int) -> Path:
    # DuckDB names partitions by the value as written: day=2022-03-27, bucket=5.
    return root / f"day={day.isoformat()}" / f"bucket={int(bucket)}"


def export(session: Any, path: str | Path, tz: ZoneInfo, *, since: date | None = None,
           progress: Callable[[int, int], None] | None = None) -> Written:
    """The database's check-ins from local day `since` (all without) into the log at `path`,
    holding its writer lock; the days past retention dropped after."""
    with writing(path, "fangyi checkins export"):
        written = _export(session, path, tz, since, progress)
        written.dropped = keep_retention(path, tz)
        return written


def _export(session: Any, path: str | Path, tz: ZoneInfo, since: date | None,
            progress: Callable[[int, int], None] | None) -> Written:
    from sqlalchemy import func, select

    from fangyi.registry.models import Checkin

    start = None if since is None else int(datetime.combine(since, time.min, tzinfo=tz).timestamp())
    query = select(Checkin.id, Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at)
    counted = select(func.count(Checkin.id))
    if start is not None:
        query, counted = query.where(Checkin.in_at >= start), counted.where(Checkin.in_at >= start)
    total = int(session.scalar(counted) or 0)
    con = connect()
    create_stage(con)
    done, last = 0, 0
    while True:
        rows = session.execute(query.where(Checkin.id > last).order_by(Checkin.id).limit(EXPORT_CHUNK)).all()
        if not rows:
            break
        last = int(rows[-1][0])
        stage_rows(con, [(p, v, i, o, row_id) for row_id, p, v, i, o in rows])
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return append(con, path, tz)


def days(path: str | Path) -> list[date]:
    found = []
    for folder in Path(path).glob("day=*"):
        try:
            found.append(date.fromisoformat(folder.name.removeprefix("day=")))
        except ValueError:
            continue
    return sorted(found)


def retention_days(lookback_days: int, margin_days: int = RETENTION_MARGIN_DAYS) -> int:
    """How many local days the log keeps: the edition's look-back plus the margin."""
    return lookback_days + margin_days


def margin_days() -> int | None:
    """The margin every write keeps beyond the look-back (FANGYI_CHECKIN_LOG_MARGIN_DAYS, default 14),
    or None when it is "off" (the log is pruned by hand or not at all)."""
    value = os.environ.get(MARGIN_SETTING, str(RETENTION_MARGIN_DAYS)).strip()
    if value.lower() == "off":
        return None
    try:
        days_ = int(value)
    except ValueError:
        raise ValueError(f"{MARGIN_SETTING}={value!r} is not a number of days (or off)") from None
    if days_ < 0:
        raise ValueError(f"{MARGIN_SETTING}={value!r}: the margin cannot be negative")
    return days_


def prune(path: str | Path, today: date, keep_days: int) -> list[date]:
    """Drop the whole day partitions older than `keep_days` before `today`, holding the writer
    lock; the days dropped."""
    if not Path(path).is_dir():
        return []
    with writing(path, "fangyi checkins prune"):
        return _drop_before(path, today - timedelta(days=keep_days))


def _drop_before(path: str | Path, first_kept: date) -> list[date]:
    dropped = [day for day in days(path) if day < first_kept]
    for day in dropped:
        shutil.rmtree(Path(path) / f"day={day.isoformat()}")
    return dropped


def keep_retention(path: str | Path, tz: ZoneInfo, *, today: date | None = None) -> list[date]:
    """After a write (the caller holds the writer lock): drop the days older than the retention
    (the edition's look-back plus margin_days()) counted back from the log's latest day, or from
    today when that is later than today (a mistyped future date never empties the log). A log
    of past days (a replayed outbreak) keeps its latest days so. The days dropped."""
    margin = margin_days()
    held = days(path)
    if margin is None or not held:
        return []
    from fangyi.protocols.reader import current

    anchor = min(held[-1], today or datetime.now(tz).date())
    return _drop_before(path, anchor - timedelta(days=retention_days(current().contacts.lookback_days, margin)))


def _holder(fd: int) -> str:
    """Who holds the lock, as its file says: the command, process, machine and since when."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
        return (f"{info['what']} (process {info['pid']} on {info['host']}, since {info['since']})"
                if info else "another writer")
    except (OSError, ValueError, KeyError):
        return "another writer"


@contextmanager
def writing(path: str | Path, what: str) -> Iterator[None]:
    """Hold the log's writer lock for the block, or raise LogBusy at once naming who holds it.

    An flock on PATH/.writer.lock: the kernel releases it when its process ends, killed or not, so
    a writer that died leaves no lock behind (the file stays, saying who wrote last; it is never
    removed, which would let two writers lock two different files). It holds across processes
    and threads of one machine, and across machines on a file system that carries flock (NFS v4);
    an object store mounted by FUSE may lock on one machine only: write each log from one machine.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LogBusy(f"the check-in log {root} is being written by {_holder(fd)}: nothing was written; "
                          "run this again when that has finished") from None
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise LogBusy(f"the check-in log {root} is on a file system without file locks "
                              f"({os.strerror(exc.errno)}): nothing was written; keep the log where "
                              "flock works (a local disk, NFS v4)") from None
            raise
        since = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"what": what, "pid": os.getpid(), "host": socket.gethostname(),
                                  "since": since}).encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # the lock goes with the descriptor


def write_table(con: Any, name: str, columns: str, rows: Iterable[Sequence[Any]], path: Path) -> None:
    """A small table (a batch's cases, venues...) to one Parquet file, through a CSV file."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False, encoding="utf-8") as fh:
        writer = csv.writer(fh)
        count = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
        name_csv = fh.name
    try:
        if count:
            con.execute(f"INSERT INTO {name} SELECT * FROM read_csv({_quoted(name_csv)}, header = false, "
                        f"all_varchar = false, columns = {_columns_map(columns)}, quote = '\"', escape = '\"', "
                        "nullstr = '')")
    finally:
        Path(name_csv).unlink(missing_ok=True)
    con.execute(f"COPY {name} TO {_quoted(str(path))} (FORMAT parquet)")


def _columns_map(columns: str) -> str:
    pairs = []
    for part in columns.split(","):
        column, kind = part.strip().split(" ", 1)
        pairs.append(f"{_quoted(column)}: {_quoted(kind)}")
    return "{" + ", ".join(pairs) + "}"
