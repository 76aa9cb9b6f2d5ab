"""Imports over the API: upload a file of one kind, read the report of past runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Security, UploadFile
from pydantic import BaseModel

from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Invalid
from fangyi.imports import service
from fangyi.imports.models import ImportRun
from fangyi.web.http import API_TOKEN, needs, problems

router = APIRouter(
    prefix="/api/v1/imports", tags=["imports"], dependencies=[Security(API_TOKEN)],
    responses=problems(401, 403, 404, 422),
)

MAX_ID = 2**62


class ProblemRow(BaseModel):
    line: int
    column: str | None
    reason: str


class ReportOut(BaseModel):
    """The row report of an import just run."""

    import_id: int | None
    kind: str
    filename: str
    status: str  # done | partial | rejected | failed
    exit_code: int
    rows_total: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    ignored_columns: list[str]
    message: str | None
    problems: list[ProblemRow]


class RunOut(BaseModel):
    import_id: int
    kind: str
    filename: str
    sha256: str | None
    status: str
    strict: bool
    rows_total: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    message: str | None
    started_at: datetime
    finished_at: datetime | None


class RunDetail(RunOut):
    problems: list[ProblemRow]


def _run_out(run: ImportRun) -> RunOut:
    return RunOut(
        import_id=run.id, kind=run.kind, filename=run.filename, sha256=run.sha256, status=run.status,
        strict=run.strict, rows_total=run.rows_total, rows_loaded=run.rows_loaded,
        rows_unchanged=run.rows_unchanged, rows_rejected=run.rows_rejected, message=run.message,
        started_at=run.started_at, finished_at=run.finished_at,
    )


@router.post("/{kind}", response_model=ReportOut, status_code=201, responses=problems(400),
             openapi_extra=needs("import"))
def upload(
    kind: Annotated[str, Path(max_length=30, pattern=r"^[a-z_-]+$", description="areas, persons, venues, checkins")],
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or Excel .xlsx, one header row")],
    user: ApiUser,
    session: SessionDep,
    strict: Annotated[bool, Query(description="load nothing if any row is bad")] = False,
) -> ReportOut:
    """Import a file; the answer is the row report (rejected rows with line, column and reason).

    A file that cannot be read at all is a 422 problem, and its run is still recorded. Each kind
    is loaded by the roles its part names; rows outside your jurisdiction are rejected.
    """
    report = service.upload(session, user, kind, file.file, filename=file.filename, strict=strict)
    session.commit()
    body = report.to_dict()
    if report.status == "failed":
        raise Invalid(report.message or "the file cannot be read", import_id=report.import_id, report=body)
    return ReportOut.model_validate(body)


@router.get("", response_model=list[RunOut], openapi_extra=needs("import"))
def recent(
    user: ApiUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[RunOut]:
    """The latest runs of the kinds your role may import, newest first: yours, or all if you see the county."""
    return [_run_out(run) for run in service.recent_runs(session, user, offset=offset, limit=limit)]


@router.get("/{import_id}", response_model=RunDetail, openapi_extra=needs("import"))
def report(import_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: ApiUser, session: SessionDep) -> RunDetail:
    """One run with its rejected rows (the first 10,000); yours, or any if you see the county."""
    run, found = service.get_run(session, user, import_id)
    return RunDetail(**_run_out(run).model_dump(),
                     problems=[ProblemRow(line=p.line, column=p.column, reason=p.reason) for p in found])
