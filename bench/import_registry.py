"""Benchmark: `fangyi import persons` and `fangyi import venues` of a county's files against the
driver's own bulk path, in the same run.

    .venv/bin/python -m bench.import_registry [--databases sqlite,postgresql]

Builds a registry of county size (200,000 persons in about 67,000 households, about 6,000
venues) in a source database, writes its persons and venues to CSV files in random order (every
optional column filled where the registry has it), then for each database: a fresh database with
the county's areas only, the whole `fangyi import persons FILE` and `fangyi import venues FILE`
commands timed in a child process (start-up included; the child reports its peak memory), and
the ceiling: the same rows, already parsed and sorted by their key, written by executemany
(SQLite) or COPY (PostgreSQL) into tables of the same shape and indexes (households first, as the
import makes them).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.common import fresh_database
from bench.import_checkins import CHILD, make_registry
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for

PERSON_COLUMNS = ("id_number", "name", "sex", "birth_date", "phone", "area_code", "address", "household")
VENUE_COLUMNS = ("code", "name", "kind", "area_code", "address", "default_stay_minutes", "lat", "lon")
Rows = dict[str, list[tuple[Any, ...]]]
STAMP = "2026-12-04 00:00:00.000000"  # created_at and updated_at: one value, as a batch's

# The ceiling's tables: the shape, keys and indexes of households, persons and venues.
SCRATCH = (
    "CREATE TABLE ceiling_households (id {pk}, code VARCHAR(64) NOT NULL UNIQUE, "
    "area_code VARCHAR(15) NOT NULL REFERENCES areas(code), import_id INTEGER)",
    "CREATE INDEX ix_ceiling_households_area ON ceiling_households (area_code)",
    "CREATE TABLE ceiling_persons (id {pk}, id_number VARCHAR(40) NOT NULL UNIQUE, doc_kind VARCHAR(10) NOT NULL, "
    "name VARCHAR(100) NOT NULL, sex VARCHAR(1), birth_date DATE, phone VARCHAR(20), "
    "area_code VARCHAR(15) NOT NULL REFERENCES areas(code), address VARCHAR(200), "
    "household_id BIGINT REFERENCES ceiling_households(id), merged_into_id BIGINT REFERENCES ceiling_persons(id), "
    "import_id INTEGER, created_at {stamp} NOT NULL, updated_at {stamp} NOT NULL)",
    "CREATE INDEX ix_ceiling_persons_area ON ceiling_persons (area_code)",
    "CREATE INDEX ix_ceiling_persons_household ON ceiling_persons (household_id)",
    "CREATE INDEX ix_ceiling_persons_merged ON ceiling_persons (merged_into_id)",
    "CREATE TABLE ceiling_venues (id {pk}, code VARCHAR(64) NOT NULL UNIQUE, name VARCHAR(200) NOT NULL, "
    "kind VARCHAR(20) NOT NULL, area_code VARCHAR(15) NOT NULL REFERENCES areas(code), address VARCHAR(200), "
    "default_stay_minutes INTEGER, lat FLOAT, lon FLOAT, import_id INTEGER)",
    "CREATE INDEX ix_ceiling_venues_kind ON ceiling_venues (kind)",
    "CREATE INDEX ix_ceiling_venues_area ON ceiling_venues (area_code)",
)
DROP = ("DROP TABLE IF EXISTS ceiling_venues", "DROP TABLE IF EXISTS ceiling_persons",
        "DROP TABLE IF EXISTS ceiling_households")


def write_files(source: str, workdir: Path) -> tuple[Path, Path, Path, Rows]:
    """areas.csv, persons.csv and venues.csv from the source registry (persons and venues in random
    order), and the rows as the ceiling writes them."""
    rng = random.Random(5)
    with engine_for(source).connect() as conn:
        areas = conn.execute(text(
            "SELECT code, name, level, parent_code FROM areas ORDER BY length(code), code")).all()
        persons = [list(row) for row in conn.execute(text(
            "SELECT p.id_number, p.name, p.sex, p.birth_date, p.phone, p.area_code, p.address, h.code "
            "FROM persons p LEFT JOIN households h ON h.id = p.household_id"))]
        venues = [list(row) for row in conn.execute(text(f"SELECT {', '.join(VENUE_COLUMNS)} FROM venues"))]
    rng.shuffle(persons)
    rng.shuffle(venues)
    paths = (workdir / "areas.csv", workdir / "persons.csv", workdir / "venues.csv")
    for path, header, rows in zip(paths, (("code", "name", "level", "parent_code"), PERSON_COLUMNS,
                                          VENUE_COLUMNS), (areas, persons, venues), strict=True):
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(header)
            out.writerows(["" if cell is None else str(cell) for cell in row] for row in rows)
    households = sorted({(row[7], row[5]) for row in persons if row[7]})
    household_id = {code: n for n, (code, _) in enumerate(households, 1)}
    ceiling: Rows = {
        "households": [(n, code, area) for n, (code, area) in enumerate(households, 1)],
        "persons": sorted(
            (row[0], "resident", row[1], row[2], str(row[3]) if row[3] else None, row[4], row[5], row[6],
             household_id.get(row[7]), STAMP, STAMP) for row in persons),
        "venues": sorted(tuple(row) for row in venues),
    }
    return (*paths, ceiling)


def run_child(url: str, kind: str, path: Path) -> tuple[float, float]:
    """Seconds of the whole command and its peak RSS in MB."""
    command = [sys.executable, str(CHILD), url, str(path), "", kind]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import {kind} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    report = json.loads("\n".join(done.stdout.strip().splitlines()[:-1]))
    if report["status"] != "done" or report["rows_rejected"]:
        raise SystemExit(f"import {kind}: {report}")
    return seconds, child["maxrss_kb"] / 1024


INSERTS = {
    "households": "INSERT INTO ceiling_households (id, code, area_code) VALUES ({})",
    "persons": "INSERT INTO ceiling_persons (id_number, doc_kind, name, sex, birth_date, phone, area_code, address, "
               "household_id, created_at, updated_at) VALUES ({})",
    "venues": f"INSERT INTO ceiling_venues ({', '.join(VENUE_COLUMNS)}) VALUES ({{}})",
}


def ceiling(url: str, rows: Rows) -> dict[str, float]:
    """Seconds to write persons (with their households) and venues by the driver's bulk path."""
    seconds: dict[str, float] = {}
    if url.startswith("sqlite"):
        lite = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            lite.execute(f"PRAGMA {pragma}")
        for statement in (*DROP, *SCRATCH):
            lite.execute(statement.format(pk="INTEGER PRIMARY KEY", stamp="DATETIME"))
        for what, tables in (("persons", ("households", "persons")), ("venues", ("venues",))):
            started = time.perf_counter()
            lite.execute("BEGIN")
            for table in tables:
                width = len(rows[table][0])
                lite.executemany(INSERTS[table].format(", ".join("?" * width)), rows[table])
            lite.execute("COMMIT")
            seconds[what] = time.perf_counter() - started
        for statement in DROP:
            lite.execute(statement)
        lite.close()
        return seconds
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        for statement in (*DROP, *SCRATCH):
            conn.execute(statement.format(pk="BIGSERIAL PRIMARY KEY", stamp="TIMESTAMPTZ"))
        conn.commit()
        for what, tables in (("persons", ("households", "persons")), ("venues", ("venues",))):
            started = time.perf_counter()
            with conn.cursor() as cursor:
                for table in tables:
                    columns = INSERTS[table].split("(", 1)[1].split(")", 1)[0]
                    with cursor.copy(f"COPY ceiling_{table} ({columns}) FROM STDIN") as copy:
                        for row in rows[table]:
                            copy.write_row(row)
            conn.commit()
            seconds[what] = time.perf_counter() - started
        for statement in DROP:
            conn.execute(statement)
        conn.commit()
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = fresh_database("sqlite", args.workdir, "fangyi_bench_registry_source")
    make_registry(source)
    areas, persons, venues, rows = write_files(source, args.workdir)
    print(f"files: {len(rows['persons']):,} persons in {len(rows['households']):,} households, "
          f"{len(rows['venues']):,} venues", flush=True)
    results = []
    for kind in args.databases.split(","):
        url = fresh_database(kind, args.workdir, "fangyi_bench_registry")
        upgrade(url=url)
        run_child(url, "areas", areas)
        imported = {}
        for what, path in (("persons", persons), ("venues", venues)):
            imported[what] = run_child(url, what, path)
            print(f"[{kind}] {what}: import {imported[what][0]:.1f} s, peak RSS {imported[what][1]:.0f} MB",
                  flush=True)
        floor = ceiling(url, rows)
        results += [(kind, what, len(rows[what]), *imported[what], floor[what]) for what in imported]
        engine_for(url).dispose()
    print(f"\n{'database':<11} {'file':<8} {'rows':>8} {'import rows/s':>14} {'ceiling rows/s':>15} {'ratio':>6} "
          f"{'peak RSS':>9}")
    for kind, what, count, seconds, rss, floor_seconds in results:
        print(f"{kind:<11} {what:<8} {count:>8,} {count / seconds:>14,.0f} {count / floor_seconds:>15,.0f} "
              f"{floor_seconds / seconds:>6.0%} {rss:>6,.0f} MB")


if __name__ == "__main__":
    main()
