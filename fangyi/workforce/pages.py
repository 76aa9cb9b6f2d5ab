"""Workforce pages: the command office's board (on duty now, posts short now and in the next 24
hours with a form to assign a person, people past their limits, shifts waiting for a post), a
post's week as a printable A4 landscape grid, and a staff member's own shifts with one-tap check-in.

Each page declares the permission its service checks (`needs`) and calls that service; a refused
form comes back as the page with the reason, under the refusal's status."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.timeutil import today
from fangyi.web.forms import checked_form
from fangyi.web.http import needs
from fangyi.web.render import render
from fangyi.workforce import service

router = APIRouter(include_in_schema=False)

# The board lists staff of a point where a positive pool was sampled in this many days back.
EXPOSED_DAYS = 14


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)", column="day") from None


def _board(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    board = service.on_duty(session, user)
    former = service.post_names(session, user, (e.former_post_id for e, _ in board.unassigned))
    exposed = service.positive_pool_staff(session, user, since=today() - timedelta(days=EXPOSED_DAYS))
    return render(request, "workforce_board.html", status_code=status, user=user, board=board, former=former,
                  exposed=exposed, **extra)


@router.get("/workforce", openapi_extra=needs("read_workforce"))
def board_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _board(request, session, user)


@router.post("/workforce/assign", openapi_extra=needs("manage_workforce"))
async def assign(request: Request, session: SessionDep, user: Viewer) -> Response:
    form = await checked_form(request)
    try:
        post_id = int(form.get("post_id", "0") or 0)
        person = service.staff_by_phone(session, user, form.get("phone", ""))
        service.assign(session, user, staff_id=person.id, post_id=post_id, day=_day(form.get("day"), today()),
                       shift=form.get("shift", ""), qualification=form.get("qualification") or None,
                       reason=form.get("reason") or None)
    except ValueError:
        session.rollback()
        return _board(request, session, user, status=422, error="post_id is not a number", form=form)
    except (Conflict, Invalid, NotFound) as exc:  # refused before anything was written
        session.rollback()
        return _board(request, session, user, status=exc.status, error=exc.detail, form=form,
                      warnings=exc.extra.get("warnings"))
    session.commit()
    return RedirectResponse("/workforce", status_code=303)


@router.get("/workforce/posts/{post_id}", openapi_extra=needs("read_workforce"))
def roster_page(request: Request, session: SessionDep, user: Viewer, post_id: int, week: str = "") -> HTMLResponse:
    grid = service.week_grid(session, user, post_id, _day(week, today()))
    shifts = [s.code for s in grid.slots[:len({s.code for s in grid.slots})]]
    return render(request, "workforce_roster.html", user=user, grid=grid, shifts=shifts,
                  prev_week=grid.week - timedelta(days=7), next_week=grid.week + timedelta(days=7))


def _mine(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    me, shifts = service.my_shifts(session, user, start=today() - timedelta(days=1))
    names = service.my_post_names(session, user, shifts)
    return render(request, "workforce_mine.html", status_code=status, user=user, me=me, shifts=shifts,
                  names=names, **extra)


@router.get("/workforce/me", openapi_extra=needs("own_shifts"))
def my_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _mine(request, session, user)


@router.post("/workforce/me/{assignment_id}/check-in", openapi_extra=needs("own_shifts"))
async def check_in(request: Request, session: SessionDep, user: Viewer, assignment_id: int) -> Response:
    await checked_form(request)
    try:
        service.check_in(session, user, assignment_id)
    except Conflict as exc:
        session.rollback()
        return _mine(request, session, user, status=exc.status, error=exc.detail)
    session.commit()
    return RedirectResponse("/workforce/me", status_code=303)
