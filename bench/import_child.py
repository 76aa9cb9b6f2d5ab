"""Run the whole `fangyi import KIND FILE --json` command (check-ins unless KIND is given) in this
process (start-up, reading, parsing and writing) and report, as JSON on the last line, the time
each million rows was reached and the peak memory of the process and of its writer process.

    python bench/import_child.py URL FILE [PROFILE_TO|""] [KIND]

Run as a child of bench/import_checkins.py and bench/import_registry.py, which time the process
from its start to its end; as a file, not a module of the bench package, so that it loads only
what the `fangyi` command loads.
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

STARTED = time.perf_counter()
MILLION = 1_000_000


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
    url, csv_path = sys.argv[1], sys.argv[2]
    profile_to = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    kind = sys.argv[4] if len(sys.argv) > 4 else "checkins"
    os.environ["FANGYI_DATABASE_URL"] = url
    from fangyi.cli.main import app
    from fangyi.registry.imports.load import Checkins
    from fangyi.registry.imports.writer import Batch, Writer

    # Each million rows timed when the batch holding its last row is written: the writer's answer
    # for it received (or, with no writer, the batch written here). Loaded, not only read: timed at
    # the hand-over, a million would not count the writing of the batch the writer has in hand.
    millions: list[float] = []
    in_flight: list[int] = []  # the last line of each batch the writer has in hand

    def reached(last_line: int) -> None:
        while last_line - 1 >= (len(millions) + 1) * MILLION:  # line 1 is the header
            millions.append(time.perf_counter() - STARTED)

    send, receive, flush = Writer.send, Writer.receive, Checkins.flush

    def timed_send(self: Writer, batch: Batch) -> None:
        in_flight.append(batch.last_line)
        send(self, batch)

    def timed_receive(self: Writer) -> tuple[int, list[int]]:
        answer = receive(self)
        reached(in_flight.pop(0))
        return answer

    def timed_flush(self: Checkins) -> list:  # type: ignore[type-arg]
        last = self.batch.last_line if len(self.batch) else 0
        problems = flush(self)
        if self.writer is None and last:
            reached(last)
        return problems

    Writer.send = timed_send  # type: ignore[method-assign]
    Writer.receive = timed_receive  # type: ignore[method-assign]
    Checkins.flush = timed_flush  # type: ignore[method-assign]
    # The writer process's own peak, which it tells when it finishes.
    writer_peaks: list[int] = []
    finish = Writer.finish

    def told_finish(self: Writer) -> int:
        writer_peaks.append(finish(self))
        return writer_peaks[-1]

    Writer.finish = told_finish  # type: ignore[method-assign]
    profiler = cProfile.Profile() if profile_to else None
    if profiler:
        profiler.enable()
    try:
        app(["import", kind, csv_path, "--json"])
    except SystemExit as exc:
        code = exc.code
    if profiler and profile_to:
        profiler.disable()
        with open(profile_to, "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(json.dumps({"exit_code": code, "millions": millions, "maxrss_kb": peak_rss_kb(),
                      "writer_maxrss_kb": max(writer_peaks, default=0)}))


if __name__ == "__main__":
    main()
