"""Setting a round up from a page: code, name, areas, start, deadline and pool size, with the Dorfman advice
for the prevalence the user types; and a form for sampling points and door-to-door teams.

No script needed: the advice is a second button of the round form (it writes nothing and keeps what was
typed), or a ?prevalence= link. A refused form comes back with the input and the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import DomainError, Forbidden, Invalid, NotFound
from fangyi.protocols.reader import current
from fangyi.screening.advice import advise_pool_size, tests_per_person
from fangyi.screening.models import POINT_KINDS
from fangyi.screening.setup import RoundFields, area_choices, check_code_and_name, create_point, create_round
from fangyi.timeutil import aware, now, to_local
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)
ROUND_FIELDS = ("code", "name", "starts_at", "deadline_at", "pool_size", "prevalence")
POINT_FIELDS = ("code", "name", "kind", "area_code", "address", "hours", "staff")


async def _form(request: Request) -> tuple[dict[str, str], list[str]]:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    return {key: str(value).strip() for key, value in form.items()}, [str(v) for v in form.getlist("area_codes")]


def parse_prevalence(text: str) -> float | None:
    """A fraction (0.002) or a percentage (0.2%); empty is no advice asked for."""
    raw = text.strip().replace("％", "%")
    if not raw:
        return None
    try:
        value = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        raise Invalid(f"prevalence {raw!r} is not a number: a fraction like 0.002, or 0.2%",
                      column="prevalence") from None
    if not 0.0 <= value <= 1.0:
        raise Invalid(f"prevalence {raw!r} lies outside 0–1 (0%–100%)", column="prevalence")
    return value


def advice(prevalence: float | None) -> dict[str, Any] | None:
    if prevalence is None:
        return None
    sizes = current().screening.pool_sizes
    advised = advise_pool_size(prevalence, sizes)
    return {"prevalence": prevalence, "advised": advised, "tests": round(tests_per_person(advised, prevalence), 3),
            "table": [(size, round(tests_per_person(size, prevalence), 4)) for size in sizes]}


def _moment(values: dict[str, str], name: str) -> datetime | None:
    text = values.get(name, "")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a time (YYYY-MM-DDTHH:MM)", column=name) from None
    return aware(moment)


def _page(request: Request, session: Session, user: User, *, values: dict[str, str] | None = None,
          areas: list[str] | None = None, point: dict[str, str] | None = None, error: str | None = None,
          column: str | None = None, form: str = "", done: str = "") -> HTMLResponse:
    rules = current().screening
    start = to_local(now()).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    shown = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"),
             "pool_size": str(rules.pool_sizes[-2 if len(rules.pool_sizes) > 1 else -1])} | (values or {})
    prevalence_error = None
    try:
        advised = advice(parse_prevalence(shown.get("prevalence", "")))
    except Invalid as exc:
        advised, prevalence_error = None, exc.detail
    choices = area_choices(session, user)
    return render(request, "screening_setup.html", status_code=422 if error else 200, user=user, values=shown,
                  chosen=set(areas or []), point=point or {"kind": "fixed"}, error=error, column=column, form=form,
                  done=done, advice=advised, prevalence_error=prevalence_error, sizes=rules.pool_sizes,
                  deadline_hours=rules.round_deadline_hours, areas=choices, kinds=POINT_KINDS,
                  here="/screening/setup")


@router.get("/screening/setup", openapi_extra=needs("manage_screening"))
def setup_page(request: Request, session: SessionDep, user: Viewer, prevalence: str = "",
               done: str = "") -> HTMLResponse:
    return _page(request, session, user, values={"prevalence": prevalence[:20]}, done=done)


@router.post("/screening/setup/round", openapi_extra=needs("manage_screening"))
async def round_post(request: Request, session: SessionDep, user: Viewer) -> Response:
    form, areas = await _form(request)
    values = {name: form.get(name, "") for name in ROUND_FIELDS}
    if form.get("advise"):
        # Asking for advice writes nothing; the advised size is chosen, the rest stays as typed.
        try:
            found = advice(parse_prevalence(values["prevalence"]))
        except Invalid as exc:
            return _page(request, session, user, values=values, areas=areas, error=exc.detail, column="prevalence",
                         form="round")
        if found is not None:
            values["pool_size"] = str(found["advised"])
        return _page(request, session, user, values=values, areas=areas, form="round")
    try:
        check_code_and_name(values["code"], values["name"])
        starts_at = _moment(values, "starts_at")
        if starts_at is None:
            raise Invalid("the start is required", column="starts_at")
        size = values["pool_size"]
        if size and not size.isdigit():
            raise Invalid(f"pool size {size!r} is not a number", column="pool_size")
        found_round = create_round(session, user, RoundFields(
            code=values["code"], name=values["name"], area_codes=areas, starts_at=starts_at,
            deadline_at=_moment(values, "deadline_at"), pool_size=int(size) if size else None))
    except DomainError as exc:
        if isinstance(exc, Forbidden | NotFound):  # a role's refusal, or an area out of sight: no form
            raise
        return _page(request, session, user, values=values, areas=areas, error=exc.detail,
                     column=exc.extra.get("column"), form="round")
    session.commit()
    return RedirectResponse(f"/screening/rounds/{found_round.code}", status_code=303)


@router.post("/screening/setup/point", openapi_extra=needs("manage_screening"))
async def point_post(request: Request, session: SessionDep, user: Viewer) -> Response:
    form, _ = await _form(request)
    # The point's code and name fields are named point_code / point_name: the round form above has its own.
    point = {name: form.get(name, "") for name in POINT_FIELDS} | {"code": form.get("point_code", ""),
                                                                   "name": form.get("point_name", "")}
    try:
        check_code_and_name(point["code"], point["name"])
        created = create_point(session, user, code=point["code"], name=point["name"],
                               area_code=point["area_code"], address=point["address"][:200] or None,
                               hours=point["hours"][:100] or None, kind=point["kind"],
                               staff=point["staff"][:500] or None)
    except DomainError as exc:
        if isinstance(exc, Forbidden | NotFound):  # a role's refusal, or an area out of sight: no form
            raise
        return _page(request, session, user, point=point, error=exc.detail, column=exc.extra.get("column"),
                     form="point")
    session.commit()
    return RedirectResponse(f"/screening/setup?done={created.code}", status_code=303)
