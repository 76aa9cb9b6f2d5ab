"""The import page: upload a CSV or Excel file of one kind and read the row report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import DomainError
from fangyi.imports.models import ImportRun
from fangyi.imports.rows import Problem
from fangyi.imports.service import ImportReport, get_run, kinds_of, recent_runs, upload
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)

RECENT_RUNS = 20
PROBLEMS_SHOWN = 1000  # the rest are in the CLI's report; a page of 100k rows helps nobody


@dataclass
class ReportView:
    """What the page shows of a run, whether it just finished or is read back later."""

    import_id: int | None
    kind: str
    filename: str
    status: str
    rows_total: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    message: str | None = None
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @classmethod
    def of_report(cls, report: ImportReport) -> ReportView:
        return cls(
            report.import_id, report.kind, report.filename or "", report.status, report.rows_total,
            report.rows_loaded, report.rows_unchanged, report.rows_rejected, report.message,
            [(p.line, p.column or "", p.reason) for p in report.problems[:PROBLEMS_SHOWN]],
            list(report.ignored_columns or []),
        )

    @classmethod
    def of_run(cls, run: ImportRun, problems: list[Problem]) -> ReportView:
        return cls(
            run.id, run.kind, run.filename, run.status, run.rows_total, run.rows_loaded, run.rows_unchanged,
            run.rows_rejected, run.message, [(p.line, p.column or "", p.reason) for p in problems],
        )


def _form(
    request: Request, session: Session, user: User, *, status_code: int = 200, kind: str = "",
    strict: bool = False, error: str | None = None, file_error: str | None = None,
    report: ReportView | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    # The service refuses a role that may not import, whatever brought the form back.
    runs = recent_runs(session, user, limit=RECENT_RUNS)
    kinds = kinds_of(user)
    return render(
        request, "imports.html", status_code=status_code, user=user, runs=runs, report=report,
        kind=kind or (kinds[0] if kinds else ""), strict=strict, error=error, file_error=file_error,
        kind_options=[(k, translate(f"imports.kind.{k}", lang)) for k in kinds],
    )


@router.get("/imports", openapi_extra=needs("import"))
def imports_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _form(request, session, user)


@router.post("/imports", openapi_extra=needs("import"))
def imports_upload(
    request: Request,
    session: SessionDep,
    user: Viewer,
    kind: Annotated[str, Form()] = "",
    strict: Annotated[bool, Form()] = False,
    csrf: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    lang = lang_of(request)
    if not csrf_ok(request, csrf):
        error = translate("error.csrf", lang)
        return _form(request, session, user, status_code=403, error=error, kind=kind, strict=strict)
    if kind not in kinds_of(user):
        # Said before the file is asked for; run_import refuses it the same way.
        return _form(request, session, user, status_code=403, error=translate("imports.kind_refused", lang),
                     kind=kind, strict=strict)
    if file is None or not file.filename:
        return _form(request, session, user, status_code=422, file_error=translate("imports.no_file", lang),
                     kind=kind, strict=strict)
    try:
        report = upload(session, user, kind, file.file, filename=file.filename, strict=strict)
    except DomainError as exc:
        session.rollback()
        return _form(request, session, user, status_code=exc.status, error=exc.detail, kind=kind, strict=strict)
    session.commit()
    return _form(request, session, user, report=ReportView.of_report(report), kind=kind, strict=strict)


@router.get("/imports/{import_id}", openapi_extra=needs("import"))
def import_run_page(request: Request, session: SessionDep, user: Viewer, import_id: int) -> HTMLResponse:
    run, problems = get_run(session, user, import_id, problems=PROBLEMS_SHOWN)
    return render(request, "import_run.html", user=user, report=ReportView.of_run(run, problems))
