"""Benchmark: from a case being entered to its stored close and secondary contact lists.

    .venv/bin/python -m bench.tracing [--size small] [--databases sqlite,postgresql] [--cases 10]

On a demo county, cases are drawn from persons whose derivation finds about 10,
100 and 1,000 close contacts; for each, the time of create_case (checks, both
interval joins, storing the lists, assignment) is measured, rolled back, and
repeated. The baseline, measured in the same run, answers the same question
(how many close and secondary contacts) with DuckDB scanning the whole check-in
table in memory, and the counts of both must agree.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import fresh_database
from fangyi.audit.service import SYSTEM
from fangyi.config import get_settings
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo import SIZES, DemoSpec, build
from fangyi.protocols.reader import current
from fangyi.registry.models import Checkin, Person
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.derivation import derive, epoch
from fangyi.tracing.models import Case

CONFIRMED = datetime(2022, 3, 30, 2, 0, tzinfo=UTC)  # 10:00 in Hengdong, the demo's last day
TARGETS = (10, 100, 1000)


def _fields(person: Person, case_no: str) -> CaseFields:
    return CaseFields(case_no, person.id_number, "confirmed", CONFIRMED.date() - timedelta(days=1),
                      CONFIRMED - timedelta(hours=20), CONFIRMED, "local")


def _pick(session: Session, wanted: int, tries: int, rng: random.Random) -> list[tuple[int, int]]:
    """Persons whose close contacts number near each target: (target, person id)."""
    protocol, tz = current(), get_settings().tz
    top = int(session.scalar(select(func.max(Person.id))) or 0)
    found: dict[int, list[tuple[float, int]]] = {target: [] for target in TARGETS}
    for _ in range(tries):
        # A case that is never stored: derive only, to see how many close contacts it would have.
        probe = Case(id=0, person_id=rng.randint(1, top), classification="confirmed",
                     onset_date=CONFIRMED.date() - timedelta(days=1), sampled_at=CONFIRMED - timedelta(hours=20),
                     confirmed_at=CONFIRMED, isolated_at=None)
        derived = derive(session, probe, protocol, tz, epoch(CONFIRMED), {})
        size = len(derived.close)
        for target in TARGETS:
            if size and 0.5 * target <= size <= 2 * target:
                found[target].append((abs(size - target) / target, probe.person_id))
    return [(target, pid) for target in TARGETS for _, pid in sorted(found[target])[:wanted]]


def _duckdb_counts(db: Any, person_id: int, household: int | None, start: int, end: int, now: int,
                   secondary_kinds: tuple[str, ...]) -> tuple[int, int, float]:
    kinds = ", ".join(f"'{kind}'" for kind in secondary_kinds)
    sql = f"""
    WITH mine AS (
        SELECT venue_id, greatest(in_at, {start}) s, least(e, {end}) e FROM st
        WHERE person_id = {person_id} AND in_at <= {end} AND greatest(in_at, {start}) <= least(e, {end})),
    venue_close AS (
        SELECT o.person_id p, min(greatest(m.s, o.in_at)) f
        FROM mine m JOIN st o ON o.venue_id = m.venue_id AND o.in_at <= m.e AND o.e >= m.s
        WHERE o.person_id <> {person_id} GROUP BY o.person_id),
    home_close AS (
        SELECT id p, {start} f FROM persons
        WHERE household_id = {household if household is not None else -1} AND id <> {person_id}),
    close AS (SELECT p, min(f) f FROM (SELECT p, f FROM venue_close UNION ALL SELECT p, f FROM home_close) GROUP BY p),
    theirs AS (
        SELECT c.p cc, st.venue_id, greatest(st.in_at, c.f) s, least(st.e, {now}) e FROM close c
        JOIN st ON st.person_id = c.p WHERE st.kind IN ({kinds}) AND greatest(st.in_at, c.f) <= least(st.e, {now})),
    secondary AS (
        SELECT DISTINCT o.person_id p FROM theirs t JOIN st o ON o.venue_id = t.venue_id AND o.in_at <= t.e
        AND o.e >= t.s
        UNION SELECT pe.id FROM close c JOIN persons h ON h.id = c.p JOIN persons pe
        ON pe.household_id = h.household_id AND pe.id <> c.p)
    SELECT (SELECT count(*) FROM close),
           (SELECT count(*) FROM secondary WHERE p <> {person_id} AND p NOT IN (SELECT p FROM close))
    """
    started = time.perf_counter()
    close, secondary = db.execute(sql).fetchone()
    return int(close), int(secondary), time.perf_counter() - started


def _load_duckdb(session: Session, workdir: Path) -> Any:
    protocol = current()
    path = workdir / "tracing-checkins.csv"
    defaults = {kind: 60 * protocol.contacts.stay_minutes(kind)
                for kind in ("household", "restaurant", "market", "shop", "workplace", "school", "clinic", "vehicle",
                             "transport_hub", "gathering", "other")}
    venues = {vid: (kind, 60 * minutes if minutes else defaults.get(kind, defaults["other"]))
              for vid, kind, minutes in session.execute(text("SELECT id, kind, default_stay_minutes FROM venues"))}
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["person_id", "venue_id", "in_at", "e", "kind"])
        for person_id, venue_id, in_at, out_at in session.execute(
            select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at)
        ).yield_per(100_000):
            kind, stay = venues[venue_id]
            out.writerow([person_id, venue_id, in_at, out_at if out_at is not None else in_at + stay, kind])
    homes = workdir / "tracing-persons.csv"
    with homes.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "household_id"])
        for row in session.execute(select(Person.id, Person.household_id).where(Person.merged_into_id.is_(None))):
            out.writerow(row)
    db = duckdb.connect()
    db.execute(f"CREATE TABLE st AS SELECT * FROM read_csv('{path}', header=true)")
    db.execute(f"CREATE TABLE persons AS SELECT * FROM read_csv('{homes}', header=true)")
    return db


def run(kind: str, size: str, cases: int, workdir: Path, rng: random.Random) -> list[dict[str, Any]]:
    url = fresh_database(kind, workdir, "fangyi_bench_tracing")
    upgrade(url=url)
    engine = engine_for(url)
    with Session(engine) as session:
        started = time.perf_counter()
        counts = build(session, DemoSpec(SIZES[size]))
        session.commit()
        print(f"[{kind}] demo {size}: {counts.get('checkins', '?'):,} check-ins in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    if kind == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    results = []
    with Session(engine) as session:
        picked = _pick(session, cases, tries=60 * cases, rng=rng)
        ddb = _load_duckdb(session, workdir)
        kinds = current().contacts.secondary_contact_kinds
        for target in TARGETS:
            timings, baseline, sizes = [], [], []
            for n, (_, person_id) in enumerate(p for p in picked if p[0] == target):
                person = session.get(Person, person_id)
                assert person is not None
                outer = session.begin_nested()
                started = time.perf_counter()
                case = create_case(session, SYSTEM, _fields(person, f"BENCH-{target}-{n}"))
                timings.append(time.perf_counter() - started)
                derived_at = epoch(case.derived_at or CONFIRMED)
                close = session.scalar(text("SELECT count(*) FROM contacts WHERE case_id = :c AND degree = 'close'"),
                                       {"c": case.id})
                secondary = session.scalar(
                    text("SELECT count(*) FROM contacts WHERE case_id = :c AND degree = 'secondary'"), {"c": case.id}
                )
                outer.rollback()
                start = int((datetime.combine(CONFIRMED.date() - timedelta(days=1 + current().contacts.lookback_days),
                                              datetime.min.time(), tzinfo=get_settings().tz)).timestamp())
                d_close, d_secondary, seconds = _duckdb_counts(ddb, person.id, person.household_id, start,
                                                               epoch(CONFIRMED), derived_at, kinds)
                baseline.append(seconds)
                sizes.append((close, secondary))
                if (close, secondary) != (d_close, d_secondary):
                    print(f"  ! counts differ for person {person.id}: fangyi {close}/{secondary}, "
                          f"duckdb {d_close}/{d_secondary}", flush=True)
            if timings:
                results.append(_summary(kind, target, timings, baseline, sizes))
            if kind == "postgresql":
                # Each measured case was rolled back: clear the dead rows it left before the next group.
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE contacts"))
        session.rollback()
    engine.dispose()
    return results


def _summary(kind: str, target: int, timings: list[float], baseline: list[float],
             sizes: list[tuple[int, int]]) -> dict[str, Any]:
    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    return {
        "database": kind, "target": target, "n": len(timings),
        "close": statistics.median(c for c, _ in sizes), "secondary": statistics.median(s for _, s in sizes),
        "p50_ms": 1000 * statistics.median(timings), "p95_ms": 1000 * p95(timings),
        "duckdb_p50_ms": 1000 * statistics.median(baseline),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="small", help="tiny, small or county")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--cases", type=int, default=10, help="cases per target size")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.databases.split(","):
        results += run(kind, args.size, args.cases, args.workdir, random.Random(2022))
    print(f"\n{'database':<11} {'target':>6} {'n':>3} {'close':>6} {'second.':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'duckdb ms':>10} {'ratio':>6}")
    for r in results:
        print(f"{r['database']:<11} {r['target']:>6} {r['n']:>3} {r['close']:>6.0f} {r['secondary']:>8.0f} "
              f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['duckdb_p50_ms']:>10.1f} "
              f"{r['p50_ms'] / r['duckdb_p50_ms']:>6.2f}")


if __name__ == "__main__":
    main()
