"""Quarantine pages: the site manager's board (with a check form), the command office's allocation page,
a person's quarantine history, and the printable notices and release certificates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import check_area, in_jurisdiction, require
from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import DomainError, Forbidden, Invalid, NotFound
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.quarantine import board as read
from fangyi.quarantine import care, placing
from fangyi.quarantine.figures import forecast
from fangyi.quarantine.models import (
    Alert,
    HealthCheck,
    Placement,
    PlacementRequest,
    QuarantineSite,
    QuarantineTest,
    Room,
    TransportRequest,
)
from fangyi.registry.models import Person
from fangyi.timeutil import now, parse_instant, today
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)
PRINT_LIMIT = 500  # notices in one print run: a batch, not the county


def _form_ok(request: Request, form: Any) -> None:
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))


def _gap_text(gap: dict[str, Any], lang: str) -> str:
    return translate(f"q.missing.{gap['code']}", lang).format(**gap["params"])


@router.get("/quarantine/sites")
def sites_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return render(request, "quarantine_sites.html", user=user, lines=read.sites(session, user))


def _board_page(request: Request, session: Session, user: User, code: str, **extra: Any) -> HTMLResponse:
    the_board = read.board(session, user, code, today())
    return render(request, "quarantine_board.html", user=user, board=the_board, today=today(),
                  mask_id=mask_id_number, **extra)


@router.get("/quarantine/sites/{code}")
def board_page(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    return _board_page(request, session, user, code)


@router.post("/quarantine/sites/{code}/checks")
async def board_check(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    require(user, "record_checks")
    form = await request.form()
    _form_ok(request, form)
    site = read.site_by_code(session, user, code)
    lang = lang_of(request)
    raw_person, raw_temperature = str(form.get("person_id") or ""), str(form.get("temperature") or "")
    symptoms = str(form.get("symptoms") or "")
    try:
        person_id = int(raw_person) if raw_person.isdigit() else 0
        placement = read.active_for_person(session, user, person_id)
        if placement is None or placement.site_id != site.id:
            raise NotFound(f"person {raw_person} is not placed at {site.name}")
        try:
            temperature = float(raw_temperature.replace("，", ".").replace(",", "."))
        except ValueError:
            raise DomainError(f"{raw_temperature!r} is not a temperature") from None
        check, alert = care.record_check(session, user, person_id=person_id, temperature=temperature,
                                         symptoms=symptoms)
    except DomainError as exc:  # refused before anything was written
        return _board_page(request, session, user, code, error=exc.detail, form=dict(form))
    session.commit()
    name = care.person_name(session, person_id)
    words = {"name": name, "temperature": f"{check.temperature:g}"}
    message = translate("q.fever_alert" if alert else "q.check_saved", lang).format(**words)
    return _board_page(request, session, user, code, message=message, fever=alert is not None)


@router.post("/quarantine/rooms/{room_id}/cleaned")
async def room_cleaned(request: Request, session: SessionDep, user: Viewer, room_id: int) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    room = session.get(Room, room_id)
    site = session.get(QuarantineSite, room.site_id) if room else None
    if room is None or site is None:
        raise NotFound(f"room {room_id} not found")
    check_area(user, site.area_code)
    care.room_cleaned(session, user, room_id)
    session.commit()
    return _board_page(request, session, user, site.code)


def _allocate_page(request: Request, session: Session, user: User, **extra: Any) -> HTMLResponse:
    require(user, "allocate")
    rows = session.execute(select(PlacementRequest, Person).join(Person, Person.id == PlacementRequest.person_id)
                           .where(PlacementRequest.status == "open", in_jurisdiction(user, Person.area_code))
                           .order_by(PlacementRequest.id).limit(1000)).all()
    lines, total = forecast(session, today())
    transports = session.execute(select(TransportRequest, Person).join(Person, Person.id == TransportRequest.person_id)
                                 .where(TransportRequest.status == "open").order_by(TransportRequest.id)
                                 .limit(200)).all()
    return render(request, "quarantine_allocate.html", user=user, requests=rows, lines=lines, total=total,
                  transports=transports, mask_id=mask_id_number, **extra)


@router.get("/quarantine/allocate")
def allocate_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _allocate_page(request, session, user)


@router.post("/quarantine/allocate")
async def allocate_post(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    require(user, "allocate")
    form = await request.form()
    _form_ok(request, form)
    lang = lang_of(request)
    ids = [int(str(v)) for v in form.getlist("request") if str(v).isdigit() and len(str(v)) < 18]
    try:
        rooms = {i: _room_choice(session, str(form.get(f"room_{i}") or "")) for i in ids if form.get(f"room_{i}")}
        outcome = placing.allocate(session, user, ids, rooms=rooms, partial=bool(form.get("partial")))
    except DomainError as exc:  # a batch is checked whole before anything is written
        return _allocate_page(request, session, user, error=exc.detail)
    session.commit()
    message = translate("q.allocated", lang).format(n=len(outcome.placements), t=len(outcome.transports))
    return _allocate_page(request, session, user, message=message, placed=outcome.placements,
                          unplaced=outcome.unplaced)


def _room_choice(session: Session, typed: str) -> int | str:
    """The command office's choice as typed: "home", or a site code and room, "GL-01/101"."""
    typed = typed.strip()
    if typed.lower() in (placing.HOME, "居家"):
        return placing.HOME
    code, _, number = typed.partition("/")
    room_id = session.scalar(select(Room.id).join(QuarantineSite, QuarantineSite.id == Room.site_id)
                             .where(QuarantineSite.code == code.strip(), Room.room == number.strip()))
    if room_id is None:
        raise NotFound(f"no room {typed!r} (site code/room, e.g. GL-01/101, or home)")
    return int(room_id)


@router.post("/quarantine/transport/{transport_id}/done")
async def transport_done(request: Request, session: SessionDep, user: Viewer, transport_id: int) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    care.transport_done(session, user, transport_id)
    session.commit()
    return _allocate_page(request, session, user)


@router.get("/quarantine/persons/{person_id}")
def history_page(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    require(user, "read_quarantine")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} not found")
    lang = lang_of(request)
    placements = session.scalars(select(Placement).where(Placement.person_id == person_id)
                                 .order_by(Placement.placed_at.desc())).all()
    stays = []
    for placement in placements:
        read.check_placement(session, user, placement)
        view = read.placement_view(session, placement, today())
        stays.append({
            "view": view, "gaps": [_gap_text(g, lang) for g in view["missing"]],
            "checks": session.scalars(select(HealthCheck).where(HealthCheck.placement_id == placement.id)
                                      .order_by(HealthCheck.at.desc()).limit(100)).all(),
            "tests": session.scalars(select(QuarantineTest).where(QuarantineTest.placement_id == placement.id)
                                     .order_by(QuarantineTest.id)).all(),
            "alerts": session.scalars(select(Alert).where(Alert.placement_id == placement.id)).all(),
        })
    if not stays:
        check_area(user, person.area_code)
    return render(request, "quarantine_person.html", user=user, person=person, stays=stays, mask_id=mask_id_number)


def _printables(session: Session, user: User, ids: list[int]) -> list[dict[str, Any]]:
    pages = []
    for placement_id in [i for i in ids if 0 < i < 2**62][:PRINT_LIMIT]:
        placement = read.placement_for(session, user, placement_id)
        person = session.get(Person, placement.person_id)
        assert person is not None
        site = session.get(QuarantineSite, placement.site_id) if placement.site_id else None
        pages.append({"placement": placement, "person": person, "site": site,
                      "view": read.placement_view(session, placement, today())})
    return pages


@router.post("/quarantine/persons/{person_id}/tests")
async def history_test(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    """A test result typed by site staff: the clock's day it belongs to, the result and the reagent."""
    require(user, "record_checks")
    form = await request.form()
    _form_ok(request, form)
    phase, _, day = str(form.get("day") or "").partition(":")
    placement = care.monitored_placement(session, person_id) if phase == "monitoring" else \
        care.active_placement(session, person_id)
    read.check_placement(session, user, placement)
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
    return history_page(request, session, user, person_id)


@router.get("/quarantine/notices")
def notices_page(request: Request, session: SessionDep, user: Viewer,
                 placement: list[int] = Query(default=[])) -> HTMLResponse:
    require(user, "read_quarantine")
    return render(request, "quarantine_print.html", user=user, kind="notice", pages=_printables(session, user,
                  placement), protocol=current(), mask_id=mask_id_number, today=today())


@router.get("/quarantine/placements/{placement_id}/certificate")
def certificate_page(request: Request, session: SessionDep, user: Viewer, placement_id: int) -> HTMLResponse:
    require(user, "read_quarantine")
    pages = _printables(session, user, [placement_id])
    if pages[0]["placement"].status != "released":
        raise NotFound(f"placement {placement_id} is not released")
    return render(request, "quarantine_print.html", user=user, kind="certificate", pages=pages,
                  protocol=current(), mask_id=mask_id_number, today=today())


@router.post("/quarantine/placements/{placement_id}/release")
async def release_post(request: Request, session: SessionDep, user: Viewer, placement_id: int) -> HTMLResponse:
    form = await request.form()
    _form_ok(request, form)
    placement = read.placement_for(session, user, placement_id)
    reason = str(form.get("override_reason") or "").strip() or None
    care.release(session, user, placement.id, override_reason=reason)  # refused: the error page says why
    session.commit()
    return certificate_page(request, session, user, placement_id)
