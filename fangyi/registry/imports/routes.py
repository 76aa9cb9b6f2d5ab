"""Imports over the API: upload a file of one kind, read the report of past runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import select

from fangyi.auth.models import User
from fangyi.auth.roles import IMPORT_KINDS, Role
from fangyi.auth.service import require
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Invalid, NotFound
from fangyi.registry.imports.service import MAX_PROBLEMS, run_import
from fangyi.registry.models import ImportProblem, ImportRun

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])


def visible_kinds(user: User) -> list[str]:
    """A user sees the runs of the kinds their role may import."""
    return [kind for kind, roles in IMPORT_KINDS.items() if Role(user.role) in roles]


def run_summary(run: ImportRun) -> dict[str, Any]:
    return {
        "import_id": run.id, "kind": run.kind, "filename": run.filename, "sha256": run.sha256,
        "status": run.status, "strict": run.strict, "rows_total": run.rows_total, "rows_loaded": run.rows_loaded,
        "rows_unchanged": run.rows_unchanged, "rows_rejected": run.rows_rejected, "message": run.message,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


@router.post("/{kind}", status_code=201)
def upload(
    kind: str,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or Excel .xlsx")],
    user: ApiUser,
    session: SessionDep,
    strict: Annotated[bool, Query(description="load nothing if any row is bad")] = False,
) -> JSONResponse:
    """Import a file; the answer is the row report. A file that cannot be read is a 422, still recorded."""
    require(user, "import")
    report = run_import(session, user, kind, file.file, filename=file.filename, strict=strict)
    session.commit()
    if report.status == "failed":
        raise Invalid(report.message or "the file cannot be read", import_id=report.import_id,
                      report=report.to_dict())
    return JSONResponse(report.to_dict(), status_code=201)


@router.get("")
def recent(
    user: ApiUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    require(user, "import")
    runs = session.scalars(
        select(ImportRun).where(ImportRun.kind.in_(visible_kinds(user)))
        .order_by(ImportRun.id.desc()).offset(offset).limit(limit)
    )
    return [run_summary(run) for run in runs]


@router.get("/{import_id}")
def report(import_id: int, user: ApiUser, session: SessionDep) -> dict[str, Any]:
    require(user, "import")
    run = session.get(ImportRun, import_id)
    if run is None or run.kind not in visible_kinds(user):
        raise NotFound(f"import {import_id} not found")
    problems = session.scalars(
        select(ImportProblem).where(ImportProblem.import_id == run.id)
        .order_by(ImportProblem.line, ImportProblem.id).limit(MAX_PROBLEMS)
    )
    return run_summary(run) | {
        "problems": [{"line": p.line, "column": p.column, "reason": p.reason} for p in problems],
    }
