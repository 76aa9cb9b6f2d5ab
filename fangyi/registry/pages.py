"""Registry pages: the area tree, person search and detail, venues, and their Excel exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import Forbidden, Invalid
from fangyi.identity import mask_id_number, mask_phone
from fangyi.registry import service as registry_service
from fangyi.registry.models import VENUE_KINDS, Area, Venue
from fangyi.registry.persons import PersonFile, export_persons, person_file, search_persons
from fangyi.timeutil import format_date, format_datetime, now, to_local
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.paging import Page
from fangyi.web.render import lang_of, query_with, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)

EXPORT_MAX = 100_000  # several townships; a whole county would need a background job
MASKS: dict[str, Any] = {"mask_id": mask_id_number, "mask_phone": mask_phone}


def _area_names(session: Session, codes: set[str]) -> dict[str, str]:
    # Names of areas the service already gave (a listed record's own area): no check needed here.
    if not codes:
        return {}
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def _area_options(session: Session, user: User, lang: str) -> list[tuple[str, str]]:
    areas = registry_service.area_choices(session, user)
    indent = {"county": "", "township": "\u3000", "village": "\u3000\u3000"}
    return [("", translate("common.all", lang))] + [
        (area.code, f"{indent.get(area.level, '')}{area.name}") for area in areas
    ]


def _filter(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


# --- areas -----------------------------------------------------------------------


@router.get("/areas", openapi_extra=needs("read_registry"))
def areas_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    tree = registry_service.area_tree(session, user)
    return render(request, "areas.html", user=user, roots=tree.roots, kids=tree.kids, counts=tree.persons)


# --- persons ---------------------------------------------------------------------


@router.get("/persons", openapi_extra=needs("read_registry"))
def persons_page(
    request: Request, session: SessionDep, user: Viewer, q: str = "", area: str = "", page: int = 1
) -> HTMLResponse:
    paging = Page.of(page)
    error = None
    try:
        persons, total = search_persons(
            session, user, q=_filter(q), area_code=_filter(area), offset=paging.offset, limit=paging.size
        )
    except Invalid as exc:
        persons, total, error = [], 0, exc.detail
    return render(
        request, "persons.html", user=user, persons=persons, page=paging.with_total(total), q=q, area=area,
        error=error, area_options=_area_options(session, user, lang_of(request)),
        area_names=_area_names(session, {p.area_code for p in persons}),
        export_url=query_with(request, page=None).replace("/persons", "/persons/export", 1), **MASKS,
    )


@router.get("/persons/export", openapi_extra=needs("read_registry"))
def persons_export(request: Request, session: SessionDep, user: Viewer, q: str = "", area: str = "") -> Response:
    lang = lang_of(request)
    persons, total = export_persons(session, user, q=_filter(q), area_code=_filter(area), limit=EXPORT_MAX)
    names = _area_names(session, {p.area_code for p in persons})
    header = [translate(key, lang) for key in (
        "common.name", "persons.id_number", "persons.phone", "persons.sex", "common.area", "common.address")]
    # No birth date: it is the masked middle of a resident number.
    rows: list[list[Any]] = [
        [p.name, mask_id_number(p.id_number), mask_phone(p.phone),
         translate(f"persons.sex.{p.sex}", lang) if p.sex else "",
         names.get(p.area_code, p.area_code), p.address or ""]
        for p in persons
    ]
    if total > len(persons):
        rows.append([translate("common.truncated", lang).format(n=len(persons), total=total)])
    content = workbook_bytes(translate("nav.persons", lang), header, rows)
    session.commit()
    return attachment(content, f"{translate('nav.persons', lang)}-{to_local(now()):%Y%m%d-%H%M}.xlsx")


def _person_page(request: Request, session: Session, user: User, shown: PersonFile) -> HTMLResponse:
    lang = lang_of(request)
    person = shown.person
    checkins = [[venue, _epoch(in_at, lang), _epoch(out_at, lang)] for venue, in_at, out_at in shown.stays]
    return render(
        request, "person.html", user=user, person=person, revealed=shown.revealed, members=shown.members,
        checkins=checkins, merges=shown.merges, area_names=_area_names(session, {person.area_code}),
        here=f"/persons/{person.id}", **MASKS,
    )


def _epoch(value: int | None, lang: str) -> str:
    return "" if value is None else format_datetime(datetime.fromtimestamp(value, UTC), lang)


@router.get("/persons/{person_id}", openapi_extra=needs("read_registry"))
def person_page(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    return _person_page(request, session, user, person_file(session, user, person_id))


@router.post("/persons/{person_id}/reveal", openapi_extra=needs("see_identity"))
async def person_reveal(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    shown = person_file(session, user, person_id, reveal=True)
    session.commit()
    return _person_page(request, session, user, shown)


# --- venues ----------------------------------------------------------------------


def _kind_options(lang: str) -> list[tuple[str, str]]:
    return [("", translate("common.all", lang))] + [
        (kind, translate(f"venue.kind.{kind}", lang)) for kind in VENUE_KINDS
    ]


def _venues(session: Session, user: User, q: str, kind: str, area: str, **paging: int) -> tuple[list[Venue], int]:
    return registry_service.list_venues(
        session, user, q=_filter(q), kind=_filter(kind), area_code=_filter(area), **paging
    )


@router.get("/venues", openapi_extra=needs("read_registry"))
def venues_page(
    request: Request, session: SessionDep, user: Viewer, q: str = "", kind: str = "", area: str = "",
    page: int = 1,
) -> HTMLResponse:
    lang = lang_of(request)
    paging = Page.of(page)
    error = None
    try:
        venues, total = _venues(session, user, q, kind, area, offset=paging.offset, limit=paging.size)
    except Invalid as exc:
        venues, total, error = [], 0, exc.detail
    return render(
        request, "venues.html", user=user, venues=venues, page=paging.with_total(total), q=q, kind=kind,
        area=area, error=error, kind_options=_kind_options(lang), area_options=_area_options(session, user, lang),
        area_names=_area_names(session, {v.area_code for v in venues}),
        export_url=query_with(request, page=None).replace("/venues", "/venues/export", 1),
    )


@router.get("/venues/export", openapi_extra=needs("read_registry"))
def venues_export(
    request: Request, session: SessionDep, user: Viewer, q: str = "", kind: str = "", area: str = ""
) -> Response:
    lang = lang_of(request)
    venues, total = registry_service.export_venues(
        session, user, q=_filter(q), kind=_filter(kind), area_code=_filter(area), limit=EXPORT_MAX
    )
    names = _area_names(session, {v.area_code for v in venues})
    header = [translate(key, lang) for key in (
        "common.code", "common.name", "venues.kind", "common.area", "common.address", "venues.stay")]
    rows: list[list[Any]] = [
        [v.code, v.name, translate(f"venue.kind.{v.kind}", lang), names.get(v.area_code, v.area_code),
         v.address or "", v.default_stay_minutes]
        for v in venues
    ]
    if total > len(venues):
        rows.append([translate("common.truncated", lang).format(n=len(venues), total=total)])
    content = workbook_bytes(translate("nav.venues", lang), header, rows)
    session.commit()
    return attachment(content, f"{translate('nav.venues', lang)}-{format_date(to_local(now()).date(), 'en')}.xlsx")
