"""`fangyi trace batch CASES.csv --engine duckdb|spark [--master URL] --out PATH`: the work of the
command line, kept out of the CLI module so that `fangyi --help` loads none of it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fangyi.imports.read import Refused, open_table, scan
from fangyi.tracing.batch import engines
from fangyi.tracing.batch.inputs import gather, rules_of


@dataclass
class Outcome:
    cases: int  # cases traced
    contacts: int  # contacts written
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)


def read_cases(path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str, str]]]:
    """The case numbers of a cases file (CSV or Excel, a `case_no` column), each with its line."""
    with path.open("rb") as fh:
        table = open_table(fh, path.name, scan(fh), ("case_no",), ())
        numbers, problems = [], []
        for line, values in table.rows:
            if isinstance(values, Refused):
                problems.append((line, values.column or "case_no", values.reason))
                continue
            # One column: the reader's picker hands a CSV row's one cell over as itself.
            cell = values if isinstance(values, str) or values is None else values[0]
            if cell is None or not cell.strip():
                problems.append((line, "case_no", "case_no is empty"))
            else:
                numbers.append((line, cell.strip()))
    return numbers, problems


def trace_batch(cases_file: Path, log: Path, out: Path, *, engine: str = "duckdb", master: str | None = None,
                at: int | None = None, step: Callable[[str], None] | None = None, work: Path | None = None) -> Outcome:
    """Trace every case of the file over the log; the contacts to `out` (formats.md, "contacts").
    `work`: where the gathered tables go (a temporary folder in it; on a cluster, storage every
    worker reads, as the log); default the system's temporary folder."""
    from time import time

    from fangyi.config import get_settings
    from fangyi.db.session import session_scope
    from fangyi.protocols.reader import current

    numbers, problems = read_cases(cases_file)
    settings, protocol = get_settings(), current()
    now = int(time()) if at is None else at
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fangyi-batch-", dir=work) as scratch:
        if step is not None:
            step("gather")
        with session_scope() as session:
            gathered = gather(session, numbers, protocol, settings.tz, now, Path(scratch))
        problems += [(line, "case_no", reason) for line, _, reason in gathered.problems]
        result = engines.run(engine, gathered.tables, log, rules_of(protocol, settings.tz), out, master=master,
                             progress=step, work=Path(scratch))
    # Whole identity numbers of every contact left the database for the file: on the record, as
    # `fangyi trace --json` is.
    from fangyi.access import SYSTEM
    from fangyi.audit import service as audit

    with session_scope() as session:
        for case_id in gathered.case_ids:
            audit.record(session, SYSTEM, "view_identity", "case", case_id, note=f"fangyi trace batch --out {out.name}")
    return Outcome(gathered.cases, result.rows, sorted(problems))
