"""`fangyi import cases`: the cases file of formats.md, through the registry's import pipeline.

Each row is checked like a case typed on the page (same rules, same reasons)
and written with its contacts derived at once. A row naming as its source a
case that comes later in the same file is tried again at the end.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.errors import DomainError
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.imports.service import ImportReport, run_import
from fangyi.registry.persons import FieldError
from fangyi.tracing.cases import CaseFields, case_fields, check_case, clean_case, create_case, update_case
from fangyi.tracing.contacts import within
from fangyi.tracing.models import Case

KEPT_WHEN_ABSENT = ("onset_date", "origin", "infected_by", "isolated_at", "found_by")


class Cases(Handler):
    required = ("case_no", "id_number", "classification", "sampled_at", "confirmed_at", "source")
    optional = ("onset_date", "origin", "infected_by", "isolated_at", "found_by")
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[str, int] = {}
        self.waiting: list[tuple[int, CaseFields]] = []

    def take(self, line: int, values: Values) -> Problem | None:
        try:
            fields = clean_case(self.row(values), self.ctx.tz)
        except FieldError as exc:
            return Problem(line, exc.column, exc.reason)
        if (first := self.seen.get(fields.case_no)) is not None:
            return Problem(line, "case_no", f"case_no {fields.case_no} appears already on line {first}")
        self.seen[fields.case_no] = line
        if fields.infected_by is not None and not self._exists(fields.infected_by):
            self.waiting.append((line, fields))  # its source case may come further down the file
            return None
        return self._write(line, fields)

    def _exists(self, case_no: str) -> bool:
        return self.ctx.session.scalar(select(Case.id).where(Case.case_no == case_no)) is not None

    def _write(self, line: int, fields: CaseFields) -> Problem | None:
        session, actor = self.ctx.session, self.ctx.actor
        case = session.scalar(select(Case).where(Case.case_no == fields.case_no))
        try:
            if case is not None:
                stored = case_fields(session, case)
                fields = replace(fields, **{
                    name: getattr(stored, name) for name in KEPT_WHEN_ABSENT if name not in self.ctx.present
                })
                if fields == stored:
                    self.unchanged += 1
                    return None
            if self.dry:
                person, _ = check_case(session, fields, case)
                within(session, actor, person.id)
                return None
            with session.begin_nested():
                if case is None:
                    create_case(session, actor, fields)
                else:
                    within(session, actor, case.person_id)
                    update_case(session, actor, case, fields)
        except DomainError as exc:
            column = exc.extra.get("column")
            return Problem(line, str(column) if column else None, exc.detail)
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []

    def finish(self) -> list[Problem]:
        # Source cases further down the file exist now; the rest get their reason.
        problems: list[Problem] = []
        for line, fields in self.waiting:
            if (problem := self._write(line, fields)) is not None:
                problems.append(problem)
        self.waiting.clear()
        return problems




def import_cases(
    session: Session, actor: Principal, source: Path | BinaryIO, *, filename: str | None = None,
    strict: bool = False,
) -> ImportReport:
    """Import a cases file; the report is the same as for the registry's kinds. The caller commits."""
    return run_import(session, actor, "cases", source, filename=filename, strict=strict)
