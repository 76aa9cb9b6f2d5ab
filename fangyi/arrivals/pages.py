"""Arrivals pages, phone-first: the village doctor's day (each item done in a tap or two, a
temperature typed once), the arrivals list, and the checkpoint's form for a car's occupants (the
plate once, one identity number a line).

The fever sentinels' page: the report form (clinics' and pharmacies' fever desks, village doctors)
through the same outbox, and the people to watch.

Each page declares the permission its service checks (`needs`) and calls that service; a refused
form comes back as the page with the reason, under the refusal's status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.arrivals import sentinels, service
from fangyi.arrivals.rules import origin_name, rules_of
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import Conflict, DomainError, Invalid, NotFound
from fangyi.protocols.reader import current
from fangyi.timeutil import now, parse_instant, today
from fangyi.web.forms import checked_form
from fangyi.web.http import ANYONE, needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
OUTBOX_WORDS = {key: f"arrivals.{word}" for key, word in (
    ("offline", "outbox_offline"), ("sent", "outbox_sent"), ("signin", "outbox_signin"), ("refused", "outbox_refused"),
    ("queued", "queued"), ("ask_again", "ask_again"), ("bad_count", "bad_count"), ("bad_id", "bad_id"),
    ("bad_origin", "bad_origin"), ("leave", "outbox_leave"), ("server_error", "outbox_server"),
    ("kept", "outbox_kept"), ("kept_undated", "outbox_kept_undated"), ("renew", "outbox_renew"))}


def _outbox(request: Request) -> dict[str, Any]:
    """What the page's outbox script needs: its words in the reader's language, the plausible readings."""
    lang = lang_of(request)
    low, high = rules_of(current()).plausible_celsius
    return {"words": {key: translate(word, lang) for key, word in OUTBOX_WORDS.items()}, "low": low, "high": high}


@router.get("/arrivals/sw.js", openapi_extra=needs(ANYONE))
def service_worker() -> FileResponse:
    """The village line's service worker, served under /arrivals/ so that its scope covers the pages."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/arrivals/offline.js", openapi_extra=needs(ANYONE))
def offline_script() -> FileResponse:
    return FileResponse(STATIC / "offline.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


def _day_page(request: Request, session: Session, user: Principal, *, status: int = 200,
              **extra: Any) -> HTMLResponse:
    tasks = service.village_day(session, user, today())
    extra.setdefault("form", {})
    # The fever sentinels' people still to be swabbed or watched in the doctor's villages.
    watching = sentinels.watch_list(session, user)
    return render(request, "arrivals_day.html", status_code=status, user=user, tasks=tasks, today=today(),
                  watching=watching,
                  origin_name=origin_name, outbox=_outbox(request), origins=service.origin_choices(user), **extra)


@router.get("/arrivals/day", openapi_extra=needs("arrival_work"))
def day_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _day_page(request, session, user)


@router.post("/arrivals/{arrival_id}/work", openapi_extra=needs("arrival_work"))
async def work(request: Request, session: SessionDep, user: Viewer, arrival_id: int) -> Response:
    form = await checked_form(request)
    temperature = None
    try:
        if form.get("temperature", "").strip():
            try:
                temperature = float(form["temperature"].replace(",", "."))
            except ValueError:
                raise Invalid(f"{form['temperature']!r} is not a temperature: take it again",
                              column="temperature") from None
        done = service.record_work(session, user, arrival_id=arrival_id, kind=form.get("kind", ""),
                                   temperature=temperature, label=form.get("label") or None)
    except (Conflict, Invalid) as exc:
        session.rollback()
        # An impossible reading is asked again, in the reader's words.
        error = (translate("arrivals.ask_again", lang_of(request)) if exc.extra.get("column") == "temperature"
                 else exc.detail)
        return _day_page(request, session, user, status=exc.status, error=error, asked=arrival_id)
    session.commit()
    if done.alert_id is not None:
        return _day_page(request, session, user, alert=translate("arrivals.fever_alert", lang_of(request)))
    return RedirectResponse("/arrivals/day", status_code=303)


def _list(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    rows = service.list_arrivals(session, user)
    return render(request, "arrivals_list.html", status_code=status, user=user, rows=rows,
                  origin_name=origin_name, measures_of=service.measures_of, **extra)


@router.get("/arrivals", openapi_extra=needs("read_arrivals"))
def list_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _list(request, session, user)


@router.get("/arrivals/checkpoint", openapi_extra=needs("register_arrivals"))
def checkpoint_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return render(request, "arrivals_checkpoint.html", user=user, form={}, done=[],
                  origins=service.origin_choices(user), outbox=_outbox(request))


def _lines(text: str) -> list[tuple[str, str]]:
    """One occupant a line: the identity number, then (for someone new to the registry) a name."""
    found = []
    for line in text.splitlines():
        parts = line.replace(",", " ").replace("，", " ").split(None, 1)
        if parts:
            found.append((parts[0], parts[1].strip() if len(parts) > 1 else ""))
    return found


@router.post("/arrivals/checkpoint", openapi_extra=needs("register_arrivals"))
async def register_car(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    form = await checked_form(request)
    occupants = _lines(form.get("occupants", ""))
    try:
        if not occupants:
            raise Invalid("type at least one identity number", column="occupants")
        text = form.get("arrived_at", "").strip()
        try:
            arrived_at = parse_instant(text) if text else now()
        except ValueError:
            raise Invalid(f"{text!r} is not a time (YYYY-MM-DD HH:MM)", column="arrived_at") from None
        done = []
        for number, name in occupants:
            try:
                done.append(service.register_arrival(
                    session, user, id_number=number, name=name, origin=form.get("origin_code", ""),
                    arrived_at=arrived_at, staying_area_code=form.get("staying_area_code", ""),
                    means="car", plate=form.get("plate") or None, registered_at=form.get("registered_at") or None))
            except DomainError as exc:
                raise type(exc)(f"{number[:6]}…: {exc.detail}", **exc.extra) from None
    except (Conflict, Invalid, NotFound) as exc:  # the car goes in whole or not at all
        session.rollback()
        return render(request, "arrivals_checkpoint.html", status_code=exc.status, user=user, form=form, done=[],
                      error=exc.detail, origins=service.origin_choices(user), outbox=_outbox(request))
    session.commit()
    # The checkpoint's name stays for the next car.
    return render(request, "arrivals_checkpoint.html", user=user, form={"registered_at": form.get("registered_at", "")},
                  done=done,
                  measures_of=service.measures_of, origin_name=origin_name, origins=service.origin_choices(user),
                  outbox=_outbox(request))



@router.post("/arrivals/register", openapi_extra=needs("arrival_work"))
async def register_one(request: Request, session: SessionDep, user: Viewer) -> Response:
    """The village doctor registers someone back from elsewhere found in the village (arrived now)."""
    form = await checked_form(request)
    try:
        done = service.register_at_the_village(
            session, user, id_number=form.get("id_number", "").strip(), name=form.get("name", ""),
            origin=form.get("origin_code", ""), arrived_at=now(), staying_area_code=form.get("staying_area_code", ""),
            phone=form.get("phone") or None, means=form.get("means") or None,
            registered_at=form.get("registered_at") or None)  # a checkpoint's name: none in the village
    except (Conflict, Invalid, NotFound) as exc:
        session.rollback()
        return _day_page(request, session, user, status=exc.status, error=exc.detail, form=form)
    session.commit()
    word = "arrivals.merged" if not done.new else "arrivals.registered"
    return _day_page(request, session, user, notice=f"{done.name} · {translate(word, lang_of(request))}")


def _sweep_page(request: Request, session: Session, user: Principal, village_code: str | None, *,
                status: int = 200, **extra: Any) -> HTMLResponse:
    villages = service.sweep_villages(session, user)
    code = village_code or (villages[0].code if len(villages) == 1 else None)
    village = next((v for v in villages if v.code == code), None)
    if code and village is None:
        raise NotFound("village not found in your jurisdiction")
    rows = service.sweep(session, user, village.code, today()) if village else []
    return render(request, "arrivals_sweep.html", status_code=status, user=user, villages=villages, village=village,
                  rows=rows, coverage=service.coverage(session, user, today()), outbox=_outbox(request), **extra)


@router.get("/arrivals/sweep", openapi_extra=needs("arrival_work"))
def sweep_page(request: Request, session: SessionDep, user: Viewer, village: str | None = None) -> HTMLResponse:
    return _sweep_page(request, session, user, village)


@router.post("/arrivals/sweep/{household_id}", openapi_extra=needs("arrival_work"))
async def visit(request: Request, session: SessionDep, user: Viewer, household_id: int) -> Response:
    form = await checked_form(request)
    village = form.get("village") or None
    try:
        text = form.get("returned", "0").strip() or "0"
        if not text.isdigit():
            raise Invalid(f"{text!r} is not a number of people", column="returned")
        service.visit_household(session, user, household_id=household_id, returned=int(text))
    except (Conflict, Invalid) as exc:
        session.rollback()
        return _sweep_page(request, session, user, village, status=exc.status, error=exc.detail)
    session.commit()
    return RedirectResponse("/arrivals/sweep" + (f"?village={village}" if village and village.isdigit() else ""),
                            status_code=303)


# ---- fever sentinels (预检分诊) ------------------------------------------------------------------


def _sentinels_page(request: Request, session: Session, user: Principal, *, status: int = 200,
                    form: dict[str, str] | None = None, picked: list[str] | None = None, **extra: Any) -> HTMLResponse:
    rows = sentinels.watch_list(session, user)
    reporting = sentinels.may_report(user)
    choices = sentinels.choices(user) if reporting else {"kinds": (), "symptoms": ()}
    lang = lang_of(request)
    return render(request, "arrivals_sentinels.html", status_code=status, user=user, rows=rows, reporting=reporting,
                  choices=choices, kind_options=[(k, translate(f"sentinels.kind.{k}", lang)) for k in choices["kinds"]],
                  hours=rules_of(current()).sentinel_test_hours, form=form or {}, picked=picked or [],
                  outbox=_outbox(request), **extra)


@router.get("/arrivals/sentinels", openapi_extra=needs("read_sentinels"))
def sentinels_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _sentinels_page(request, session, user)


@router.post("/arrivals/sentinels", openapi_extra=needs("report_sentinels"))
async def report_sentinel(request: Request, session: SessionDep, user: Viewer) -> Response:
    form = await checked_form(request)
    picked = [str(s) for s in (await request.form()).getlist("symptoms")]
    try:
        text = form.get("temperature", "").strip()
        try:
            temperature = float(text.replace(",", ".")) if text else None
        except ValueError:
            raise Invalid(f"{text!r} is not a temperature: take it again", column="temperature") from None
        done = sentinels.report_sentinel(
            session, user, id_number=form.get("id_number", "").strip(), name=form.get("name", ""),
            area_code=form.get("area_code", ""), symptoms=picked, temperature=temperature,
            reporter_kind=form.get("reporter_kind") or None, institution=form.get("institution") or None)
    except (Conflict, Invalid, NotFound) as exc:
        session.rollback()
        error = (translate("arrivals.ask_again", lang_of(request)) if exc.extra.get("column") == "temperature"
                 and "take it again" in exc.detail else exc.detail)
        return _sentinels_page(request, session, user, status=exc.status, error=error, form=form, picked=picked)
    session.commit()
    word = "sentinels.merged" if done.merged else "sentinels.reported"
    return _sentinels_page(request, session, user, notice=translate(word, lang_of(request)))
