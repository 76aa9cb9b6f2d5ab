"""The command office's daily report page and its Excel download."""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal, can
from fangyi.command import closing, dashboard, epi
from fangyi.command.asof import report_as_of
from fangyi.command.report import NOT_FIGURES, daily, write_xlsx
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import Invalid
from fangyi.timeutil import parse_instant, to_local, today
from fangyi.web.forms import checked_form
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render
from fangyi.web.xlsx import attachment

router = APIRouter(include_in_schema=False)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else today()
    except ValueError:
        return None


@router.get("/report", openapi_extra=needs("read_report"))
def report_page(request: Request, session: SessionDep, user: Viewer, date: str = "",
                corrected: bool = False, as_of: str = "") -> HTMLResponse:
    day = _day(date)
    error = as_of_error = None
    if day is None:
        # The typed value comes back with the reason, and today's figures meanwhile.
        error = f"{date!r}: YYYY-MM-DD"
        day = today()
    moment = None
    if as_of.strip():
        try:
            moment = parse_instant(as_of)
        except ValueError:
            as_of_error = f"{as_of!r}: YYYY-MM-DDTHH:MM"
    return _report_page(request, session, user, day, corrected=corrected, error=error, typed=date,
                        as_of=moment, typed_as_of=as_of, as_of_error=as_of_error)


def _report_page(request: Request, session: Session, user: Principal, day: date, *, corrected: bool = False,
                 error: str | None = None, typed: str = "", status: int = 200, message: str | None = None,
                 as_of: datetime | None = None, typed_as_of: str = "", as_of_error: str | None = None
                 ) -> HTMLResponse:
    found = closing.report(session, user, day)
    report, changed, notes = found.figures, {}, {}
    if as_of is not None:
        # As the records stood at that moment, whatever was closed; what is not rebuilt says so.
        try:
            report = report_as_of(session, user, day, as_of)
            notes = report["notes"]
        except Invalid as exc:
            as_of_error = exc.detail
            as_of = None
    if as_of is not None:
        found = closing.Report(report, None)
    elif found.closed is not None and corrected:
        # As the records stand now, each figure that differs from what was reported marked.
        report = daily(session, user, day)
        changed = closing.corrections(found.figures, report)
    sections = [(key, values) for key, values in report.items() if key not in NOT_FIGURES and isinstance(values, dict)]
    # The curve and Rt up to the day shown, as the command read them that evening.
    days = epi.curve(session, user, until=day)
    estimates = epi.rt(session, user, until=day) if days else []
    lang = lang_of(request)
    words = {key: translate(f"epi.{key}", lang) for key in ("local", "imported", "interval", "cases")}
    chart = json.dumps(epi.figure(days, estimates, words), ensure_ascii=False) if days else None
    latest = estimates[-1] if estimates and estimates[-1]["date"] == day.isoformat() else None
    return render(request, "report.html", status_code=422 if error or as_of_error else status, user=user, day=day,
                  as_of=as_of, as_of_value=to_local(as_of).strftime("%Y-%m-%dT%H:%M") if as_of else "",
                  typed_as_of=typed_as_of, as_of_error=as_of_error, notes=notes,
                  sections=sections, error=error, typed=typed, chart=chart, latest_rt=latest, closed=found.closed,
                  corrected=corrected and found.closed is not None, changed=changed, message=message,
                  can_close=found.closed is None and day <= today() and can(user.role, "close_report"))


@router.post("/report/close", openapi_extra=needs("close_report"))
async def close_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    typed = (await checked_form(request)).get("date", "")
    day = _day(typed)
    if day is None or not typed.strip():
        return _report_page(request, session, user, today(), error=f"{typed!r}: YYYY-MM-DD", typed=typed)
    try:
        closing.close_day(session, user, day)
    except Invalid as exc:  # refused before anything was written
        session.rollback()
        return _report_page(request, session, user, day, error=exc.detail, typed=typed, status=exc.status)
    session.commit()
    return _report_page(request, session, user, day, message=translate("report.closed_now", lang_of(request)))


@router.get("/report.xlsx", openapi_extra=needs("read_report"))
def report_xlsx(request: Request, session: SessionDep, user: Viewer, date: str = "") -> Response:
    day = _day(date) or today()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        write_xlsx(closing.as_json(closing.report(session, user, day)), path)
        content = path.read_bytes()
    return attachment(content, f"{translate('report.title', lang_of(request))}-{day.isoformat()}.xlsx")


@router.get("/command", openapi_extra=needs("read_report"))
def dashboard_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    lang = lang_of(request)
    day = today()
    view = dashboard.view(session, user, day, lambda key: translate(key, lang))
    return render(request, "dashboard.html", user=user, day=day, refresh=dashboard.REFRESH_SECONDS, **view)
