"""Benchmark: the whole `fangyi import checkins` of a county's real-shaped file against the
driver's own bulk path, in the same run.

    .venv/bin/python -m bench.import_checkins [--rows 1000000,3000000] [--databases sqlite,postgresql]

Builds a registry of county size (200,000 persons, about 6,000 venues, no check-ins), then for
each size writes a CSV shaped like what a county receives from the provincial platform: rows in
random order, times spelled four ways, 0.2% of the rows repeated identically further down. It
times the `fangyi import checkins FILE --json` command in a child process (start-up, reading,
parsing and writing; the child reports its peak memory and when each million rows was reached),
then loads the file's distinct rows, already parsed and sorted by the stay's key, by executemany
(SQLite, with the import's page cache and, as the import's writer, no foreign keys checked) or
COPY (PostgreSQL) into a table with the check-ins' shape, indexes and triggers in the same
database: the ceiling.
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
from itertools import pairwise
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import fresh_database, raw_load
from fangyi.app import install
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo.build import DemoSpec, Size, build
from fangyi.registry.imports.load import sqlite_cache_kib

REGISTRY = Size("county-registry", 200_000, 0.77, (6, 14))  # 200,000 persons, about 6,000 venues
LOCAL = timezone(timedelta(hours=8))
WINDOW_START = datetime(2022, 3, 17, tzinfo=LOCAL)
REPEATED = 0.002  # share of rows a platform sends twice
Stay = tuple[int, int, int, int | None]
# The child is run as a file, not as bench.import_child: the bench package installs the web app on
# import (bench/__init__.py), 25 MB that `fangyi import` never loads and that would be counted.
CHILD = Path(__file__).with_name("import_child.py")


def make_registry(url: str) -> None:
    install()
    upgrade(url=url)
    with Session(engine_for(url)) as session:
        build(session, DemoSpec(REGISTRY, seed=7, days=0))
        session.commit()


def _spell(epoch: int, how: int) -> str:
    """One instant, spelled as the platforms spell it: T or space, local or with an offset, or UTC."""
    local = datetime.fromtimestamp(epoch, UTC).astimezone(LOCAL)
    if how == 0:
        return local.strftime("%Y-%m-%dT%H:%M:%S")
    if how == 1:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if how == 2:
        return local.isoformat()  # +08:00
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_csv(url: str, path: Path, count: int) -> tuple[list[Stay], int]:
    """The file (count rows, some of them repeats) and its distinct stays, parsed, for the ceiling."""
    with engine_for(url).connect() as conn:
        persons = conn.execute(text("SELECT id, id_number FROM persons ORDER BY id")).all()
        venues = conn.execute(text("SELECT id, code FROM venues ORDER BY id")).all()
    rng = random.Random(11)
    start = int(WINDOW_START.timestamp())
    seen: set[tuple[int, int, int]] = set()
    stays: list[Stay] = []
    lines: list[list[str]] = []  # the written lines a repeat is taken from (a window, not the file)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id_number", "venue_code", "checked_in_at", "checked_out_at"])
        while written < count:
            if lines and rng.random() < REPEATED:
                out.writerow(lines[rng.randrange(len(lines))])
                written += 1
                continue
            person = persons[rng.randrange(len(persons))]
            venue = venues[rng.randrange(len(venues))]
            at = start + rng.randrange(14 * 86400)
            if (person[0], venue[0], at) in seen:
                continue
            seen.add((person[0], venue[0], at))
            leave = at + rng.randrange(300, 3 * 3600) if rng.random() < 0.8 else None
            how = rng.randrange(4)
            line = [person[1], venue[1], _spell(at, how), _spell(leave, how) if leave else ""]
            out.writerow(line)
            written += 1
            stays.append((person[0], venue[0], at, leave))
            if len(lines) < 50_000:
                lines.append(line)
            else:
                lines[rng.randrange(len(lines))] = line
    stays.sort()
    return stays, count - len(stays)


def run_child(url: str, path: Path, profile: Path | None) -> dict[str, object]:
    command = [sys.executable, str(CHILD), url, str(path)]
    if profile:
        command.append(str(profile))
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    *report_lines, last = done.stdout.strip().splitlines() or [""]
    if done.returncode != 0 or not report_lines:
        raise SystemExit(f"import failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    child: dict[str, object] = json.loads(last)
    return {**child, "report": json.loads("\n".join(report_lines)), "seconds": seconds}


def per_million(millions: list[float]) -> list[float]:
    """Rows per second of each whole million (the first from the command's start)."""
    marks = [0.0, *millions]
    return [1_000_000 / (b - a) for a, b in pairwise(marks)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="1000000", help="sizes, comma separated")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    parser.add_argument("--profile", action="store_true", help="cProfile the import; stats next to the CSV")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in [int(rows) for rows in args.rows.split(",")]:
        csv_path = args.workdir / f"checkins-{size}.csv"
        stays: list[Stay] | None = None
        for kind in args.databases.split(","):
            url = fresh_database(kind, args.workdir, "fangyi_bench")
            started = time.perf_counter()
            make_registry(url)
            print(f"[{kind}] registry built in {time.perf_counter() - started:.1f} s", flush=True)
            if stays is None:
                stays, repeats = write_csv(url, csv_path, size)
                print(f"CSV: {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB, {size:,} rows, "
                      f"{repeats:,} of them repeats)", flush=True)
            profile = args.workdir / f"profile-{kind}-{size}.txt" if args.profile else None
            imported = run_child(url, csv_path, profile)
            report: dict[str, int] = imported["report"]  # type: ignore[assignment]
            if report["rows_loaded"] != len(stays) or report["rows_total"] != size:
                raise SystemExit(f"[{kind}] import loaded {report['rows_loaded']} of {len(stays)}: {report}")
            seconds = float(imported["seconds"])  # type: ignore[arg-type]
            ceiling_millions: list[float] = []
            ceiling = raw_load(url, stays, sqlite_cache_mb=sqlite_cache_kib() // 1024, millions=ceiling_millions)
            rates = per_million(imported["millions"])  # type: ignore[arg-type]
            ceiling_rates = per_million(ceiling_millions)
            results.append((size, kind, size / seconds, len(stays) / ceiling, rates, ceiling_rates,
                            int(imported["maxrss_kb"]) / 1024,  # type: ignore[call-overload]
                            int(imported.get("writer_maxrss_kb", 0)) / 1024))  # type: ignore[call-overload]
            print(f"[{kind}] {size:,} rows: import {seconds:.1f} s, raw bulk path {ceiling:.1f} s", flush=True)
            engine_for(url).dispose()  # the next size makes the database again under the same name
    print(f"\n{'rows':>10} {'database':<11} {'import rows/s':>14} {'ceiling rows/s':>15} {'ratio':>6} "
          f"{'last/first million':>19} {'peak RSS':>9} {'+ writer':>9}  rows/s of each million (the ceiling's)")
    for size, kind, rate, ceiling_rate, rates, ceiling_rates, rss, writer_rss in results:
        flag = "" if rate / ceiling_rate >= 0.5 else "  (below the 50% target)"
        trend = f"{rates[-1] / rates[0]:>19.0%}" if len(rates) > 1 else f"{'':>19}"
        print(f"{size:>10,} {kind:<11} {rate:>14,.0f} {ceiling_rate:>15,.0f} {rate / ceiling_rate:>6.0%} {trend} "
              f"{rss:>6,.0f} MB {writer_rss:>6,.0f} MB  {', '.join(f'{r:,.0f}' for r in rates)} "
              f"({', '.join(f'{r:,.0f}' for r in ceiling_rates)}){flag}")


if __name__ == "__main__":
    main()
