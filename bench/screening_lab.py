"""Benchmark: a round's lab results imported, with the positive pools' fan-out, on PostgreSQL.

    .venv/bin/python -m bench.screening_lab [--people 500000] [--positive 0.005]

A round of PEOPLE residents swabbed ten to a tube (COPY: persons, tubes,
samples), then `fangyi import lab-results` of one result per tube (positive
for the given share of pools, with Ct values). Each positive pool puts its ten
members under control and gives each a retest task, grouped by household.
The raw ceiling, in the same run: the same result rows COPY'd into a scratch
table of the lab_results shape.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from bench.common import fresh_database
from fangyi.db.migrate import upgrade
from fangyi.identity import make_id_number

DB_NAME = "fangyi_bench_screening_lab"
WORK = Path("/tmp/fangyi-bench")
COUNTY, TOWNSHIP, VILLAGE = "430424", "430424101000", "430424101001"
POOL = 10


def seed(dsn: str, people: int) -> int:
    """The round's people, tubes and samples; returns the number of tubes."""
    stamp = datetime(2022, 4, 1, 1, tzinfo=UTC)
    tubes = people // POOL
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO areas (code, name, level, parent_code) VALUES (%s, '衡东县', 'county', NULL), "
                     "(%s, '石滩乡', 'township', %s), (%s, '石金村', 'village', %s)",
                     (COUNTY, TOWNSHIP, COUNTY, VILLAGE, TOWNSHIP))
        conn.execute("INSERT INTO labs (code, name) VALUES ('LAB-1', '衡东县人民医院')")
        round_id = conn.execute(
            "INSERT INTO screening_rounds (code, name, area_codes, starts_at, deadline_at, pool_size, created_at) "
            "VALUES ('R-LAB', '压测轮次', %s, %s, %s, %s, %s) RETURNING id",
            ('["430424"]', stamp, stamp + timedelta(hours=24), POOL, stamp)).fetchone()
        assert round_id is not None
        with conn.cursor().copy("COPY households (id, code, area_code) FROM STDIN") as copy:
            for n in range(people // 3 + 1):
                copy.write_row((n + 1, f"HH{n:07d}", VILLAGE))
        with conn.cursor().copy("COPY persons (id, id_number, doc_kind, name, area_code, household_id, created_at, "
                                "updated_at) FROM STDIN") as copy:
            for n in range(people):
                born = date(1940, 1, 1) + timedelta(days=n // 1000)
                number = make_id_number(COUNTY, born, n % 500, "M" if (n // 500) % 2 else "F")
                copy.write_row((n + 1, number, "resident", f"居民{n}", VILLAGE, n // 3 + 1, stamp, stamp))
        with conn.cursor().copy("COPY tubes (id, barcode, round_id, pool_size, members, state, opened_at, closed_at) "
                                "FROM STDIN") as copy:
            for t in range(tubes):
                copy.write_row((t + 1, f"LT{t:08d}", round_id[0], POOL, POOL, "received", stamp, stamp))
        with conn.cursor().copy("COPY samples (tube_id, person_id, round_id, sampled_at) FROM STDIN") as copy:
            for n in range(tubes * POOL):
                copy.write_row((n // POOL + 1, n + 1, round_id[0], stamp))
        for table in ("households", "persons", "tubes"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute("ANALYZE")
    return tubes


def write_results(path: Path, tubes: int, positive: float) -> list[tuple[str, str, str, str, str, str]]:
    rng = random.Random(5)
    rows = []
    for t in range(tubes):
        hit = rng.random() < positive
        rows.append((f"LT{t:08d}", "positive" if hit else "negative", "2022-04-01 20:00", "LAB-1",
                     f"{rng.uniform(25, 35):.1f}" if hit else "", f"{rng.uniform(25, 35):.1f}" if hit else ""))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["barcode", "result", "tested_at", "lab_code", "ct_orf1ab", "ct_n"])
        writer.writerows(rows)
    return rows


def raw_copy(dsn: str, rows: list[tuple[str, str, str, str, str, str]]) -> float:
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS ceiling_results")
        conn.execute("CREATE TABLE ceiling_results (id bigserial PRIMARY KEY, barcode text, result text, "
                     "tested_at timestamptz, lab_code text, ct_orf1ab float8, ct_n float8)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY ceiling_results (barcode, result, tested_at, lab_code, ct_orf1ab, ct_n) "
                                "FROM STDIN") as copy:
            for barcode, result, tested, lab, ct1, ct2 in rows:
                copy.write_row((barcode, result, tested + "+08", lab, ct1 or None, ct2 or None))
        conn.commit()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--positive", type=float, default=0.005)
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    url = fresh_database("postgresql", WORK, DB_NAME)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    upgrade(url=url)
    started = time.perf_counter()
    tubes = seed(dsn, args.people)
    print(f"seeded {args.people:,} people in {tubes:,} tubes in {time.perf_counter() - started:.0f} s", flush=True)
    path = WORK / "lab_results.csv"
    rows = write_results(path, tubes, args.positive)
    started = time.perf_counter()
    fangyi = Path(sys.executable).parent / "fangyi"  # the installed command, as an operator runs it
    done = subprocess.run([str(fangyi), "import", "lab-results", str(path)],
                          env={**os.environ, "FANGYI_DATABASE_URL": url}, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    print(done.stdout.strip()[-400:], flush=True)
    with psycopg.connect(dsn) as conn:
        def count(sql: str) -> int:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0

        tested = count("SELECT count(*) FROM tubes WHERE result IS NOT NULL")
        pools = count("SELECT count(*) FROM tubes WHERE result = 'positive'")
        controls = count("SELECT count(*) FROM screening_controls")
        tasks = count("SELECT count(*) FROM retest_tasks")
        doors = count("SELECT count(DISTINCT group_key) FROM retest_tasks")
    raw = raw_copy(dsn, rows)
    print(f"lab results: {len(rows):,} rows in {elapsed:.1f} s = {len(rows) / elapsed:,.0f} rows/s "
          f"(exit {done.returncode}); tubes with a result {tested:,}")
    print(f"fan-out: {pools} positive pools -> {controls} people under control, {tasks} retest tasks at {doors} doors")
    print(f"raw COPY of the same rows: {raw:.2f} s = {len(rows) / raw:,.0f} rows/s; ratio {raw / elapsed:.3f}")


if __name__ == "__main__":
    main()
