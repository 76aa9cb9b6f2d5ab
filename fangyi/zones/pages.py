"""Zones pages: the zones and risk areas in force with their days to lift and criteria (proposals
first, for commanders to approve), one zone's criteria, residents and timeline, and its printable
notice with every version.

Each page declares the permission its service checks (`needs`) and calls that service; a refused
form comes back as the page with the reason, under the refusal's status."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import Conflict, Forbidden, Invalid
from fangyi.registry import service as registry
from fangyi.timeutil import parse_instant, today
from fangyi.web.forms import checked_form
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render
from fangyi.zones import service

router = APIRouter(include_in_schema=False)


def _at(form: dict[str, str]) -> datetime | None:
    text = form.get("at", "").strip()
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a time (YYYY-MM-DD HH:MM)", column="at") from None


def _days_to(view: service.ZoneView) -> int | None:
    on = view.lift_on
    return None if on is None else max(0, (on - today()).days)


@router.get("/zones", openapi_extra=needs("read_zones"))
def zones_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _list(request, session, user)


def _list(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    views = service.list_zones(session, user, today())
    waiting = [v for v in views if v.zone.state == "proposed" or v.zone.pending]
    in_force = [v for v in views if v.zone.state == "active"]
    with suppress(Forbidden):  # the daily check's state: for those who may run it
        extra.setdefault("last_run", service.last_daily_run(session, user))
    return render(request, "zones_list.html", status_code=status, user=user, waiting=waiting, in_force=in_force,
                  days_to=_days_to, today=today(), names=service.area_names(session, views), **extra)


@router.post("/zones/check", openapi_extra=needs("check_zones"))
async def check_now(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    await checked_form(request)
    service.check(session, user, today())
    session.commit()
    return _list(request, session, user, message=translate("zones.checked", lang_of(request)))


def _zone_page(request: Request, session: Session, user: Principal, zone_id: int, *, status: int = 200,
               **extra: Any) -> HTMLResponse:
    zone, decisions = service.timeline(session, user, zone_id)
    _, people = service.residents(session, user, zone_id)
    view = service.zone_view(session, user, zone_id, today())
    offer = None
    if zone.state == "active":
        try:
            offer = service.round_offer(session, user, zone_id)
        except Forbidden:  # rounds are the screening managers' (the command office)
            pass
        except Conflict as exc:
            extra.setdefault("round_refused", exc.detail)
    labels = registry.area_labels(session, user, zone.area_codes)  # the field shows names, not codes
    return render(request, "zones_zone.html", status_code=status, user=user, zone=zone, view=view,
                  decisions=decisions, residents=people, days_to=_days_to(view), offer=offer,
                  rounds=service.zone_rounds(session, user, zone_id),
                  names=service.area_names(session, [zone]),
                  areas_text=" ".join(labels.get(code, code) for code in zone.area_codes),
                  area_list=registry.area_label_choices(session, user), **extra)


@router.get("/zones/{zone_id}", openapi_extra=needs("read_zones"))
def zone_page(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> HTMLResponse:
    return _zone_page(request, session, user, zone_id)


async def _decide(request: Request, session: Session, user: Principal, zone_id: int, action: str) -> Response:
    form = await checked_form(request)
    try:
        if action == "approve":
            # Areas by their 乡镇/村/组 names (as the field shows them) or codes, one per word.
            areas = form.get("areas")
            codes = [registry.find_area(session, user, word, column="areas")
                     for word in re.split(r"[\s,，、;；]+", areas.strip()) if word] \
                if areas is not None and areas.strip() else None
            service.approve(session, user, zone_id, at=_at(form), area_codes=codes, note=form.get("note") or None)
        elif action == "reject":
            service.reject(session, user, zone_id, reason=form.get("reason", ""), at=_at(form))
        else:
            override = form.get("override", "").strip() or None
            service.lift(session, user, zone_id, at=_at(form), override=override)
    except (Conflict, Invalid) as exc:  # refused before anything was written
        session.rollback()
        return _zone_page(request, session, user, zone_id, status=exc.status, error=exc.detail, form=form)
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}", status_code=303)


@router.post("/zones/{zone_id}/approve", openapi_extra=needs("approve_zones"))
async def approve(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> Response:
    return await _decide(request, session, user, zone_id, "approve")


@router.post("/zones/{zone_id}/reject", openapi_extra=needs("approve_zones"))
async def reject(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> Response:
    return await _decide(request, session, user, zone_id, "reject")


@router.post("/zones/{zone_id}/lift", openapi_extra=needs("approve_zones"))
async def lift(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> Response:
    return await _decide(request, session, user, zone_id, "lift")


@router.post("/zones/{zone_id}/round", openapi_extra=needs("manage_screening"))
async def start_round(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> Response:
    form = await checked_form(request)
    try:
        service.start_round(session, user, zone_id, code=form.get("code") or None, name=form.get("name") or None)
    except (Conflict, Invalid) as exc:  # refused before anything was written
        session.rollback()
        return _zone_page(request, session, user, zone_id, status=exc.status, error=exc.detail, form=form)
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}#rounds", status_code=303)


def _notice_page(request: Request, session: Session, user: Principal, zone_id: int, *, status: int = 200,
                 **extra: Any) -> HTMLResponse:
    zone, found = service.zone_notices(session, user, zone_id)
    return render(request, "zones_notice.html", status_code=status, user=user, zone=zone, notices=found, **extra)


@router.get("/zones/{zone_id}/notice", openapi_extra=needs("read_zones"))
def notice_page(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> HTMLResponse:
    return _notice_page(request, session, user, zone_id)


@router.post("/zones/{zone_id}/notice", openapi_extra=needs("edit_notices"))
async def notice_edit(request: Request, session: SessionDep, user: Viewer, zone_id: int) -> Response:
    form = await checked_form(request)
    try:
        service.edit_notice(session, user, zone_id, title=form.get("title", ""), body=form.get("body", ""))
    except (Conflict, Invalid) as exc:
        session.rollback()
        return _notice_page(request, session, user, zone_id, status=exc.status, error=exc.detail, form=form)
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}/notice", status_code=303)


