"""The command office's daily report page and its Excel download."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fangyi.command import epi
from fangyi.command.report import daily, write_xlsx
from fangyi.deps import SessionDep, Viewer
from fangyi.timeutil import today
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
def report_page(request: Request, session: SessionDep, user: Viewer, date: str = "") -> HTMLResponse:
    day = _day(date)
    error = None
    if day is None:
        # The typed value comes back with the reason, and today's figures meanwhile.
        error = f"{date!r}: YYYY-MM-DD"
        day = today()
    report = daily(session, user, day)
    sections = [(key, values) for key, values in report.items() if key != "date" and isinstance(values, dict)]
    # The curve and Rt up to the day shown, as the command read them that evening.
    days = epi.curve(session, user, until=day)
    estimates = epi.rt(session, user, until=day) if days else []
    lang = lang_of(request)
    words = {key: translate(f"epi.{key}", lang) for key in ("local", "imported", "interval", "cases")}
    chart = json.dumps(epi.figure(days, estimates, words), ensure_ascii=False) if days else None
    latest = estimates[-1] if estimates and estimates[-1]["date"] == day.isoformat() else None
    return render(request, "report.html", status_code=422 if error else 200, user=user, day=day,
                  sections=sections, error=error, typed=date, chart=chart, latest_rt=latest)


@router.get("/report.xlsx", openapi_extra=needs("read_report"))
def report_xlsx(request: Request, session: SessionDep, user: Viewer, date: str = "") -> Response:
    day = _day(date) or today()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        write_xlsx(daily(session, user, day), path)
        content = path.read_bytes()
    return attachment(content, f"{translate('report.title', lang_of(request))}-{day.isoformat()}.xlsx")
