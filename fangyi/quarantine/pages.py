"""Quarantine pages: the site manager's board (with a check form), the command office's allocation page,
a person's quarantine history, and the printable notices and release certificates.

Each page declares the permission its service checks (`needs`) and calls that service; a refused
form comes back as the page with the reason, under the refusal's status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal, can
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import DomainError, Forbidden, Invalid
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.quarantine import board as read
from fangyi.quarantine import care, placing, queues, sites
from fangyi.timeutil import now, parse_instant, today
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)


def _form_ok(request: Request, form: Any) -> None:
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))


def _gap_text(gap: dict[str, Any], lang: str) -> str:
    return translate(f"q.missing.{gap['code']}", lang).format(**gap["params"])


@router.get("/quarantine/sites", openapi_extra=needs("read_quarantine"))
def sites_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return render(request, "quarantine_sites.html", user=user, lines=sites.sites(session, user))


def _board_page(request: Request, session: Session, user: Principal, code: str, *, for_checks: bool = False,
                status: int = 200, **extra: Any) -> HTMLResponse:
    the_board = read.board(session, user, code, today(), for_checks=for_checks)
    return render(request, "quarantine_board.html", status_code=status, user=user, board=the_board, today=today(),
                  mask_id=mask_id_number, **extra)


@router.get("/quarantine/sites/{code}", openapi_extra=needs("read_quarantine"))
def board_page(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    return _board_page(request, session, user, code)


@router.post("/quarantine/sites/{code}/checks", openapi_extra=needs("record_checks"))
async def board_check(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    lang = lang_of(request)
    raw_person, raw_temperature = str(form.get("person_id") or ""), str(form.get("temperature") or "")
    try:
        try:
            temperature = float(raw_temperature.replace("，", ".").replace(",", "."))
        except ValueError:
            raise Invalid(f"{raw_temperature!r} is not a temperature", column="temperature") from None
        done = care.check_at_site(session, user, code, person_id=int(raw_person) if raw_person.isdigit() else 0,
                                  temperature=temperature, symptoms=str(form.get("symptoms") or ""))
    except DomainError as exc:  # refused before anything was written
        return _board_page(request, session, user, code, for_checks=True, status=exc.status, error=exc.detail,
                           form=dict(form))
    session.commit()
    words = {"name": done.name, "temperature": f"{done.check.temperature:g}"}
    message = translate("q.fever_alert" if done.alert else "q.check_saved", lang).format(**words)
    return _board_page(request, session, user, code, for_checks=True, message=message, fever=done.alert is not None)


@router.post("/quarantine/rooms/{room_id}/cleaned", openapi_extra=needs("record_checks"))
async def room_cleaned(request: Request, session: SessionDep, user: Viewer, room_id: int) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    line = sites.room_cleaned(session, user, room_id)
    session.commit()
    return _board_page(request, session, user, line.site.code, for_checks=True)


def _allocate_page(request: Request, session: Session, user: Principal, *, status: int = 200,
                   **extra: Any) -> HTMLResponse:
    view = queues.allocation(session, user, today())
    return render(request, "quarantine_allocate.html", status_code=status, user=user, requests=view.requests,
                  lines=view.lines, total=view.total, transports=view.transports, mask_id=mask_id_number, **extra)


@router.get("/quarantine/allocate", openapi_extra=needs("allocate"))
def allocate_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _allocate_page(request, session, user)


@router.post("/quarantine/allocate", openapi_extra=needs("allocate"))
async def allocate_post(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    lang = lang_of(request)
    ids = [int(str(v)) for v in form.getlist("request") if str(v).isdigit() and len(str(v)) < 18]
    try:
        rooms = {i: placing.room_by_label(session, user, str(form.get(f"room_{i}") or ""))
                 for i in ids if form.get(f"room_{i}")}
        outcome = placing.allocate(session, user, ids, rooms=rooms, partial=bool(form.get("partial")))
    except DomainError as exc:  # a batch is checked whole before anything is written
        return _allocate_page(request, session, user, status=exc.status, error=exc.detail)
    session.commit()
    message = translate("q.allocated", lang).format(n=len(outcome.placements), t=len(outcome.transports))
    return _allocate_page(request, session, user, message=message, placed=outcome.placements,
                          unplaced=outcome.unplaced)


@router.post("/quarantine/transport/{transport_id}/done", openapi_extra=needs("work_transport"))
async def transport_done(request: Request, session: SessionDep, user: Viewer, transport_id: int) -> Response:
    form = await request.form()
    _form_ok(request, form)
    care.transport_done(session, user, transport_id)
    session.commit()
    if can(user, "allocate"):
        return _allocate_page(request, session, user)
    # A dispatcher works the transports but not the allocation page: back to the sites.
    return RedirectResponse("/quarantine/sites", status_code=303)


def _history_page(request: Request, session: Session, user: Principal, person_id: int, *,
                  for_checks: bool = False) -> HTMLResponse:
    lang = lang_of(request)
    person, stays = read.history(session, user, person_id, today(), for_checks=for_checks)
    shown = [{"view": stay.view, "gaps": [_gap_text(g, lang) for g in stay.view["missing"]], "checks": stay.checks,
              "tests": stay.tests, "alerts": stay.alerts} for stay in stays]
    return render(request, "quarantine_person.html", user=user, person=person, stays=shown, mask_id=mask_id_number)


@router.get("/quarantine/persons/{person_id}", openapi_extra=needs("read_quarantine"))
def history_page(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    return _history_page(request, session, user, person_id)


@router.post("/quarantine/persons/{person_id}/tests", openapi_extra=needs("record_checks"))
async def history_test(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    """A test result typed by site staff: the clock's day it belongs to, the result and the reagent."""
    form = await request.form()
    _form_ok(request, form)
    phase, _, day = str(form.get("day") or "").partition(":")
    sampled_text = str(form.get("sampled_at") or "").strip()
    try:
        sampled = parse_instant(sampled_text) if sampled_text else now()
    except ValueError:
        raise Invalid(f"{sampled_text!r} is not a time (YYYY-MM-DD HH:MM)", column="sampled_at") from None
    care.record_test(session, user, person_id=person_id, phase=phase or "quarantine",
                     day=int(day) if day.isdigit() and len(day) < 5 else None,
                     result=str(form.get("result") or ""), reagent=str(form.get("reagent") or ""),
                     sampled_at=sampled)
    session.commit()
    return _history_page(request, session, user, person_id, for_checks=True)


@router.get("/quarantine/notices", openapi_extra=needs("read_quarantine"))
def notices_page(request: Request, session: SessionDep, user: Viewer,
                 placement: list[int] = Query(default=[])) -> HTMLResponse:
    pages = read.printables(session, user, placement, today())
    return render(request, "quarantine_print.html", user=user, kind="notice", pages=pages, protocol=current(),
                  mask_id=mask_id_number, today=today())


def _certificate_page(request: Request, session: Session, user: Principal, placement_id: int) -> HTMLResponse:
    page = read.certificate(session, user, placement_id, today())
    return render(request, "quarantine_print.html", user=user, kind="certificate", pages=[page],
                  protocol=current(), mask_id=mask_id_number, today=today())


@router.get("/quarantine/placements/{placement_id}/certificate", openapi_extra=needs("read_quarantine"))
def certificate_page(request: Request, session: SessionDep, user: Viewer, placement_id: int) -> HTMLResponse:
    return _certificate_page(request, session, user, placement_id)


@router.post("/quarantine/placements/{placement_id}/release", openapi_extra=needs("release"))
async def release_post(request: Request, session: SessionDep, user: Viewer, placement_id: int) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    reason = str(form.get("override_reason") or "").strip() or None
    care.release(session, user, placement_id, override_reason=reason)  # refused: the error page says why
    session.commit()
    return _certificate_page(request, session, user, placement_id)
