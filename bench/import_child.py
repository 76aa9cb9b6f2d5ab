"""Run one `fangyi import checkins` in this process and report time and peak memory as JSON.

Run as a child of bench/import_checkins.py so that its ru_maxrss is the import's alone.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import sys
import time
from pathlib import Path


def peak_rss_kb() -> int:
    """This process's own peak RSS. ru_maxrss is not: Linux carries the parent's high-water mark
    across fork and exec, and the parent holds the million parsed rows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    url, csv_path = sys.argv[1], Path(sys.argv[2])
    profile_to = sys.argv[3] if len(sys.argv) > 3 else None
    os.environ["FANGYI_DATABASE_URL"] = url
    from fangyi.access import SYSTEM
    from fangyi.db.session import session_scope
    from fangyi.imports.service import run_import

    profiler = cProfile.Profile() if profile_to else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with session_scope() as session:
        report = run_import(session, SYSTEM, "checkins", csv_path)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler and profile_to:
        with open(profile_to, "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(json.dumps({
        "seconds": elapsed, "status": report.status, "rows_total": report.rows_total,
        "rows_loaded": report.rows_loaded, "rows_rejected": report.rows_rejected,
        "maxrss_kb": peak_rss_kb(),
    }))


if __name__ == "__main__":
    main()
