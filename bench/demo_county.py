"""Benchmark: `fangyi demo --size county --no-serve`, build time and database size.

    .venv/bin/python -m bench.demo_county [--size county] [--databases sqlite]

The build runs as its own process (the real command). The baseline, measured
in the same run, is the driver's raw bulk path writing as many check-in rows
(the bulk of the database) into a table of the same shape: the ratio says how
much of the build is the county's generation rather than the writing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import database_size, fresh_database, raw_load
from fangyi.db.session import engine_for

# The build reports its own peak RSS (VmHWM) at exit: ru_maxrss would include this parent's.
COMMAND = (
    "import atexit, sys; from bench.import_child import peak_rss_kb; "
    "atexit.register(lambda: print(f'peak_rss_kb={peak_rss_kb()}', file=sys.stderr)); "
    "from fangyi.cli.main import app; app()"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="county", help="tiny, small or county")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.databases.split(","):
        url = fresh_database(kind, args.workdir, "fangyi_bench_demo")
        env = os.environ | {"FANGYI_DATABASE_URL": url}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", COMMAND, "demo", "--size", args.size, "--no-serve"],
                              env=env, stderr=subprocess.PIPE, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"[{kind}] fangyi demo failed:\n{done.stderr}")
        peak = int(done.stderr.rsplit("peak_rss_kb=", 1)[1].split()[0])
        size = database_size(url)
        with engine_for(url).connect() as conn:
            counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                      for table in ("persons", "venues", "checkins")}
            persons, venues = counts["persons"], counts["venues"]
        engine_for(url).dispose()
        base = 1_647_446_400
        rows = [(i % persons + 1, i % venues + 1, base + i, None) for i in range(counts["checkins"])]
        # The demo's writer gives SQLite a 256 MB page cache; the baseline gets the same.
        ceiling = raw_load(url, rows, sqlite_cache_mb=256)
        del rows
        results.append((kind, elapsed, size, counts, ceiling, peak / 1024))
        print(f"[{kind}] built in {elapsed:.0f} s; raw bulk write of {counts['checkins']:,} rows "
              f"{ceiling:.0f} s", flush=True)
    print(f"\n{'database':<11} {'persons':>9} {'check-ins':>11} {'build':>8} {'raw write':>10} {'ratio':>6} "
          f"{'size':>9} {'peak RSS':>9}")
    for kind, elapsed, size, counts, ceiling, rss in results:
        print(f"{kind:<11} {counts['persons']:>9,} {counts['checkins']:>11,} {elapsed:>7.0f}s {ceiling:>9.0f}s "
              f"{ceiling / elapsed:>6.0%} {size / 1e6:>6,.0f} MB {rss:>6,.0f} MB")


if __name__ == "__main__":
    main()
