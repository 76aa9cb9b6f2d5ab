"""Transport pages: the dispatcher's board (open tasks by priority and age, the 2-hour clock on each
case transfer, late tasks in red, the fleet by state on a schematic drawn from area coordinates, a
suggestion to accept), the driver's phone page (the current trip and its buttons), and the receiving
side's arrivals to confirm.

Each page declares the permission its service checks (`needs`) and calls that service; a refused
form comes back as the page with the reason, under the refusal's status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.transport import service
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    out: dict[str, Any] = {key: str(value) for key, value in form.items()}
    out["person_ids"] = [str(v) for v in form.getlist("person_id")]
    return out


def _ints(text: str, column: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise Invalid(f"{text!r} is not a list of numbers", column=column) from None


def _trips(text: str) -> list[list[int]]:
    """Trips as the suggestion's accept form writes them: task ids by commas, trips by semicolons."""
    return [_ints(trip, "trips") for trip in text.split(";") if trip.strip()]


def _schematic(board: service.Board) -> dict[str, Any]:
    """Where the vehicles and the open pick-ups are, scaled into a 300×200 box (no map tiles)."""
    points = [(t.from_lat, t.from_lon) for t in board.tasks]
    spots = {v.id: board.spots.get(v.id) for v in board.vehicles}
    points += [p for p in spots.values() if p is not None]
    if not points:
        return {"tasks": [], "vehicles": []}
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        x = 10 + 280 * ((lon - west) / (east - west) if east > west else 0.5)
        y = 10 + 180 * ((north - lat) / (north - south) if north > south else 0.5)
        return round(x, 1), round(y, 1)

    return {"tasks": [(*xy(t.from_lat, t.from_lon), board.late(t)) for t in board.tasks],
            "vehicles": [(*xy(*spot), v.plate, v.state) for v in board.vehicles
                         if (spot := spots.get(v.id)) is not None]}


def _board(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    board = service.board(session, user)
    cases = [t for t in board.tasks if t.kind == "hospital"]
    return render(request, "transport_board.html", status_code=status, user=user, board=board, cases=cases,
                  schematic=_schematic(board), **extra)


@router.get("/transport", openapi_extra=needs("read_transport"))
def board_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _board(request, session, user)


@router.post("/transport/suggest", openapi_extra=needs("dispatch"))
async def suggest_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    await _form(request)
    suggestion = service.suggest(session, user)
    session.commit()
    return _board(request, session, user, suggestion=suggestion)


@router.post("/transport/vehicles/{vehicle_id}/assign", openapi_extra=needs("dispatch"))
async def assign_page(request: Request, session: SessionDep, user: Viewer, vehicle_id: int) -> Response:
    form = await _form(request)
    try:
        version = _ints(form.get("version", ""), "version")
        service.assign(session, user, vehicle_id, version[0] if version else 0, _trips(form.get("trips", "")))
    except (Conflict, Invalid) as exc:
        session.rollback()
        return _board(request, session, user, status=exc.status, error=exc.detail)
    session.commit()
    return RedirectResponse("/transport", status_code=303)


def _driver(request: Request, session: Session, user: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
    work = service.driver_work(session, user)
    return render(request, "transport_driver.html", status_code=status, user=user, work=work, **extra)


@router.get("/transport/driver", openapi_extra=needs("drive"))
def driver_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    page = _driver(request, session, user)
    session.commit()  # tasks called off because their placement ended
    return page


@router.post("/transport/driver/step", openapi_extra=needs("drive"))
async def step_page(request: Request, session: SessionDep, user: Viewer) -> Response:
    form = await _form(request)
    try:
        service.driver_step(session, user, form.get("step", ""), task_ids=_ints(form.get("task_ids", ""), "task_ids"),
                            person_ids=[int(p) for p in form["person_ids"] if p.isdigit()])
    except (Conflict, Invalid, NotFound) as exc:
        session.rollback()
        return _driver(request, session, user, status=exc.status, error=exc.detail)
    session.commit()
    return RedirectResponse("/transport/driver", status_code=303)


def _arrivals(request: Request, session: Session, user: Principal, *, status: int = 200,
              **extra: Any) -> HTMLResponse:
    tasks = service.arrivals(session, user)
    return render(request, "transport_arrivals.html", status_code=status, user=user, tasks=tasks, **extra)


@router.get("/transport/arrivals", openapi_extra=needs("receive_transport"))
def arrivals_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _arrivals(request, session, user)


@router.post("/transport/tasks/{task_id}/confirm", openapi_extra=needs("receive_transport"))
async def confirm_page(request: Request, session: SessionDep, user: Viewer, task_id: int) -> Response:
    await _form(request)
    try:
        service.confirm_arrival(session, user, task_id)
    except Conflict as exc:
        session.rollback()
        return _arrivals(request, session, user, status=exc.status, error=exc.detail)
    session.commit()
    return RedirectResponse("/transport/arrivals", status_code=303)
