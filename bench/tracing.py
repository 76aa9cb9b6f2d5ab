"""Benchmark: from a case being entered to its stored close and secondary contact lists.

    .venv/bin/python -m bench.tracing [--size county] [--databases sqlite,postgresql] [--cases 5]
        [--repeat 2] [--growth 1,3] [--recent] [--reuse] [--seed 2022]

On the demo county (built once; --reuse keeps a built one), cases are drawn
from persons whose close contacts number about 10, 100 and 1,000 (counted by
DuckDB over a sample of persons). For each, create_case (checks, both interval
joins, storing both lists, assignment to tracers, audit) is timed, rolled back
and repeated --repeat times, each run a transaction of its own on a connection
that has served one untimed case first, as a server's pooled connections have
(a new backend's first case also pays for its catalog caches, compiled
triggers and temporary tables). The baseline, in the same run, answers the same
question (how many close and secondary contacts) with DuckDB scanning every
stay in memory (counting only, storing nothing); the counts of both must
agree, and the ratio Fangyi / DuckDB is printed.

--growth 1,3: the same measure on copies keeping the check-ins of a tenth and
three tenths of the venues (about 1M and 3M check-ins of the county's 9M),
cases drawn again from each copy, to show how the time grows with the table.
Cases there are smaller in secondary contacts, since their close contacts'
other venues are gone; --recent keeps instead only the check-ins from a day
before the cases' windows open (about a third of the table): the same cases
with the same contacts, on a smaller table.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench import tracing_data as data
from fangyi.access import SYSTEM
from fangyi.config import get_settings
from fangyi.db.session import engine_for
from fangyi.protocols.reader import current
from fangyi.registry.models import Person
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.derivation import FOUND, PAIRS, derive, epoch, scratch
from fangyi.tracing.models import Case

CONFIRMED = datetime(2022, 3, 30, 2, 0, tzinfo=UTC)  # 10:00 in Hengdong, the demo's last day
ONSET = CONFIRMED.date() - timedelta(days=1)
TARGETS = (10, 100, 1000)


def _fields(person: Person, case_no: str) -> CaseFields:
    return CaseFields(case_no, person.id_number, "confirmed", ONSET, CONFIRMED - timedelta(hours=20), CONFIRMED,
                      "local")


def _window() -> tuple[int, int]:
    day = ONSET - timedelta(days=current().contacts.lookback_days)
    start = datetime.combine(day, datetime.min.time(), tzinfo=get_settings().tz)
    return int(start.timestamp()), epoch(CONFIRMED)


def _pick(session: Session, ddb: Any, wanted: int, targets: tuple[int, ...], rng: random.Random,
          sample: int = 6000) -> dict[int, list[int]]:
    """Persons whose close contacts number near each target (within -30 %..+40 %), nearest first."""
    top = int(session.scalar(text("SELECT max(id) FROM persons")) or 0)
    counts = data.close_counts(ddb, sorted({rng.randint(1, top) for _ in range(sample)}), *_window())
    picked = {}
    for target in targets:
        near = sorted((abs(n - target), pid) for pid, n in counts.items() if 0.7 * target <= n <= 1.4 * target)
        picked[target] = [pid for _, pid in near[:wanted]]
    return picked


def _reset(session: Session, engine: Any, kind: str) -> None:
    """After a timed run, rolled back: the state a committed case leaves a server's connection in.

    PostgreSQL empties the derivation's temporary tables at commit (ON COMMIT DELETE ROWS) but not
    at a rollback, which leaves their rows dead; TRUNCATE is what the commit does. Each run's 3,700
    rolled-back contacts would likewise stay as dead rows for the next runs to step over (the
    day's load reads the tracer's contacts: 21 ms instead of 3-4 with some 40,000 dead rows),
    which a committed case does not leave: cleared too. Untimed."""
    session.rollback()
    if kind == "postgresql":
        session.execute(text(f"TRUNCATE {PAIRS}, {FOUND}"))
        session.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM contacts"))


def _warm(session: Session, engine: Any, kind: str, person_id: int) -> float:
    """One untimed case on the session's connection, rolled back, as a running server's pooled
    connections have served cases before: a new backend's first statements fill its catalog
    caches and compile the key-check triggers' PL/pgSQL, and its temporary tables are made
    (committed, as the first case on a server's connection leaves them). The person is none of
    the measured ones. Returns the seconds it took."""
    scratch(session)
    session.commit()
    person = session.get(Person, person_id)
    assert person is not None
    began = time.perf_counter()
    create_case(session, SYSTEM, _fields(person, "BENCH-WARM"))
    seconds = time.perf_counter() - began
    _reset(session, engine, kind)
    return seconds


def measure(kind: str, url: str, label: str, cases: int, repeat: int, targets: tuple[int, ...],
            workdir: Path, rng: random.Random) -> list[dict[str, Any]]:
    engine = engine_for(url)
    started = time.perf_counter()
    ddb = data.load_duckdb(url, workdir)
    rows = int(ddb.execute("SELECT count(*) FROM st").fetchone()[0])
    print(f"[{kind} {label}] {rows:,} check-ins loaded into DuckDB in {time.perf_counter() - started:.0f} s",
          flush=True)
    kinds = current().contacts.secondary_contact_kinds
    start, end = _window()
    results = []
    with Session(engine) as session:
        # One more of the smallest size than is measured: the warm-up case.
        picked = _pick(session, ddb, cases + 1, targets, rng)
        session.rollback()
        spare = picked[targets[0]][cases:]
        if spare:
            print(f"  warm-up case ({targets[0]} close, untimed): "
                  f"{1000 * _warm(session, engine, kind, spare[0]):.0f} ms", flush=True)
        # A server worker leaves what it holds at start out of the collector's full passes
        # (fangyi.app._settled); so does this process with what it holds now (the drawing of
        # cases), else a full pass over it lands in one timed case (0.13 s measured).
        gc.collect()
        gc.freeze()
        for target in targets:
            timings, joins, scans, sizes = [], [], [], []
            for n, person_id in enumerate(picked[target][:cases]):
                for rep in range(repeat):
                    # Each run is a transaction of its own, as a request is, rolled back after.
                    person = session.get(Person, person_id)
                    assert person is not None
                    fields = _fields(person, f"BENCH-{target}-{n}-{rep}")
                    began = time.perf_counter()
                    case = create_case(session, SYSTEM, fields)
                    timings.append(time.perf_counter() - began)
                    derived_at = epoch(case.derived_at or CONFIRMED)
                    count = {str(degree): int(n) for degree, n in session.execute(
                        text("SELECT degree, count(*) FROM contacts WHERE case_id = :c GROUP BY degree"),
                        {"c": case.id})}
                    _reset(session, engine, kind)
                # Derivation alone (both joins, nothing stored), to tell it from storing the lists.
                probe = Case(id=0, person_id=person_id, classification="confirmed", onset_date=ONSET,
                             sampled_at=CONFIRMED - timedelta(hours=20), confirmed_at=CONFIRMED, isolated_at=None)
                began = time.perf_counter()
                derive(session, probe, current(), get_settings().tz, derived_at, {})
                joins.append(time.perf_counter() - began)
                _reset(session, engine, kind)
                close, secondary = int(count.get("close", 0)), int(count.get("secondary", 0))
                d_close, d_secondary, seconds = data.baseline(ddb, person_id, start, end, derived_at, kinds)
                scans.append(seconds)
                sizes.append((close, secondary))
                if (close, secondary) != (d_close, d_secondary):
                    print(f"  ! counts differ for person {person_id}: fangyi {close}/{secondary}, "
                          f"duckdb {d_close}/{d_secondary}", flush=True)
            if timings:
                results.append(_summary(kind, label, rows, target, timings, joins, scans, sizes, repeat))
                print("  " + _line(results[-1]), flush=True)
            if kind == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE contacts"))
        session.rollback()
    engine.dispose()
    ddb.close()
    return results


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, -(-95 * len(values) // 100) - 1)]


def _summary(kind: str, label: str, rows: int, target: int, timings: list[float], joins: list[float],
             scans: list[float], sizes: list[tuple[int, int]], repeat: int) -> dict[str, Any]:
    return {
        "database": kind, "label": label, "checkins": rows, "target": target, "cases": len(sizes),
        "n": len(timings), "close": statistics.median(c for c, _ in sizes),
        "secondary": statistics.median(s for _, s in sizes),
        "p50_ms": 1000 * statistics.median(timings), "p95_ms": 1000 * _p95(timings),
        # Each case's first run, the one whose pages no run of this benchmark has read yet.
        "first_max_ms": 1000 * max(timings[::repeat]),
        "derive_p50_ms": 1000 * statistics.median(joins), "derive_p95_ms": 1000 * _p95(joins),
        "duckdb_p50_ms": 1000 * statistics.median(scans),
    }


HEADER = (f"{'database':<11} {'check-ins':>10} {'target':>6} {'cases':>5} {'n':>3} {'close':>6} {'second.':>8} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'1st max':>8} {'derive p50':>10} {'p95':>7} {'duckdb ms':>10} {'ratio':>6}")


def _line(r: dict[str, Any]) -> str:
    return (f"{r['database']:<11} {r['checkins']:>10,} {r['target']:>6} {r['cases']:>5} {r['n']:>3} "
            f"{r['close']:>6.0f} {r['secondary']:>8.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['first_max_ms']:>8.1f} "
            f"{r['derive_p50_ms']:>10.1f} {r['derive_p95_ms']:>7.1f} "
            f"{r['duckdb_p50_ms']:>10.1f} {r['p50_ms'] / r['duckdb_p50_ms']:>6.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="county", help="tiny, small or county")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--cases", type=int, default=5, help="cases per target size")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per case")
    parser.add_argument("--growth", default="", help="tenths of the venues kept in cut copies, e.g. 1,3")
    parser.add_argument("--recent", action="store_true",
                        help="also on a copy keeping the check-ins from a day before the cases' windows")
    parser.add_argument("--copies-only", action="store_true", help="measure only the cut copies")
    parser.add_argument("--reuse", action="store_true", help="keep an already built demo database")
    parser.add_argument("--seed", type=int, default=2022,
                        help="draws the cases: another seed, other cases (none of whose pages earlier runs read)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.databases.split(","):
        url = data.county(kind, args.size, args.workdir, args.reuse)
        if not args.copies_only:
            results += measure(kind, url, args.size, args.cases, args.repeat, TARGETS, args.workdir,
                               random.Random(args.seed))
        if args.recent:
            # The same cases on a table of only their last days: the same answers, a smaller table.
            copy = data.recent(kind, url, _window()[0] - 86_400, args.workdir)
            results += measure(kind, copy, "recent days", args.cases, args.repeat, TARGETS[:2], args.workdir,
                               random.Random(args.seed))
        for tenths in [int(t) for t in args.growth.split(",") if t]:
            cut = data.sampled(kind, url, tenths, args.workdir)
            results += measure(kind, cut, f"{tenths}/10 venues", args.cases, args.repeat, TARGETS[:2],
                               args.workdir, random.Random(args.seed))
    print(f"\n{HEADER}")
    print("p50/p95: create_case to stored lists; 1st max: the slowest of the cases' first runs; "
          "derive: the joins alone, nothing stored; ratio: Fangyi p50 / DuckDB full scan p50")
    for r in results:
        print(_line(r))


if __name__ == "__main__":
    main()
