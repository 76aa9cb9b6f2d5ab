"""Benchmark: `fangyi import checkins` of a large CSV against the driver's raw bulk path.

    .venv/bin/python -m bench.import_checkins [--rows 1000000] [--databases sqlite,postgresql]

Builds a demo-like registry (persons and venues, no check-ins), writes a CSV
of check-ins against it, times the import (run_import, in a child process
whose peak memory is read), then loads the same rows, already parsed, by
executemany (SQLite) or COPY (PostgreSQL) into a table of the same shape.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import Rows, fresh_database, raw_load
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo.build import DemoSpec, Size, build

REGISTRY = Size("bench", 60_000, 0.5, (4, 10))
LOCAL = timezone(timedelta(hours=8))
WINDOW_START = datetime(2022, 3, 17, tzinfo=LOCAL)


def make_registry(url: str) -> None:
    upgrade(url=url)
    with Session(engine_for(url)) as session:
        build(session, DemoSpec(REGISTRY, seed=7, days=0))
        session.commit()


def write_csv(url: str, path: Path, count: int) -> Rows:
    """The CSV the import reads, and the same rows as parsed tuples for the raw load."""
    with engine_for(url).connect() as conn:
        persons = conn.execute(text("SELECT id, id_number FROM persons ORDER BY id")).all()
        venues = conn.execute(text("SELECT id, code FROM venues ORDER BY id")).all()
    rng = random.Random(11)
    start = int(WINDOW_START.timestamp())
    seen: set[tuple[int, int, int]] = set()
    rows: list[tuple[int, int, int, int | None]] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id_number", "venue_code", "checked_in_at", "checked_out_at"])
        while len(rows) < count:
            person = persons[rng.randrange(len(persons))]
            venue = venues[rng.randrange(len(venues))]
            at = start + rng.randrange(14 * 86400)
            if (person[0], venue[0], at) in seen:
                continue
            seen.add((person[0], venue[0], at))
            leave = at + rng.randrange(300, 3 * 3600) if rng.random() < 0.8 else None
            out.writerow([person[1], venue[1], _local(at), _local(leave) if leave else ""])
            rows.append((person[0], venue[0], at, leave))
    return rows


def _local(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M:%S")


def run_child(url: str, path: Path, profile: Path | None) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.import_child", url, str(path)]
    if profile:
        command.append(str(profile))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    parser.add_argument("--profile", action="store_true", help="cProfile the import; stats next to the CSV")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    csv_path = args.workdir / f"checkins-{args.rows}.csv"
    rows: Rows | None = None
    results = []
    for kind in args.databases.split(","):
        url = fresh_database(kind, args.workdir, "fangyi_bench")
        started = time.perf_counter()
        make_registry(url)
        print(f"[{kind}] registry built in {time.perf_counter() - started:.1f} s", flush=True)
        if rows is None:
            rows = write_csv(url, csv_path, args.rows)
            print(f"CSV: {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB, {len(rows):,} rows)", flush=True)
        profile = args.workdir / f"profile-{kind}.txt" if args.profile else None
        imported = run_child(url, csv_path, profile)
        if imported["rows_loaded"] != len(rows):
            raise SystemExit(f"[{kind}] import loaded {imported['rows_loaded']} of {len(rows)}: {imported}")
        ceiling = raw_load(url, rows)
        import_rate = len(rows) / imported["seconds"]
        ceiling_rate = len(rows) / ceiling
        results.append((kind, import_rate, ceiling_rate, imported["maxrss_kb"] / 1024))
        print(f"[{kind}] import {imported['seconds']:.1f} s, raw bulk path {ceiling:.1f} s", flush=True)
    print(f"\n{'database':<11} {'import rows/s':>14} {'raw rows/s':>12} {'ratio':>7} {'import peak RSS':>16}")
    for kind, import_rate, ceiling_rate, rss in results:
        flag = "" if import_rate / ceiling_rate >= 0.5 else "  (below the 50% target)"
        print(f"{kind:<11} {import_rate:>14,.0f} {ceiling_rate:>12,.0f} {import_rate / ceiling_rate:>7.0%} "
              f"{rss:>13,.0f} MB{flag}")


if __name__ == "__main__":
    main()
