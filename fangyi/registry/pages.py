"""Registry pages: the area tree, person search and detail, venues, and their Excel exports."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import in_jurisdiction, require
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import Forbidden, Invalid
from fangyi.identity import mask_id_number, mask_phone
from fangyi.registry import service as registry_service
from fangyi.registry.models import VENUE_KINDS, Area, Checkin, Person, PersonMerge, Venue
from fangyi.registry.persons import get_person, reveal_identity, search_persons
from fangyi.timeutil import format_date, format_datetime, now, to_local
from fangyi.web.i18n import translate
from fangyi.web.paging import Page
from fangyi.web.render import lang_of, query_with, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)

EXPORT_MAX = 100_000  # several townships; a whole county would need a background job
RECENT_CHECKINS = 20
MASKS: dict[str, Any] = {"mask_id": mask_id_number, "mask_phone": mask_phone}


def _area_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def _area_options(session: Session, user: User, lang: str) -> list[tuple[str, str]]:
    # Groups are left out: a county has thousands, and a village narrows enough.
    areas = session.scalars(
        select(Area).where(in_jurisdiction(user, Area.code), Area.level != "group").order_by(Area.code)
    ).all()
    indent = {"county": "", "township": "\u3000", "village": "\u3000\u3000"}
    return [("", translate("common.all", lang))] + [
        (area.code, f"{indent.get(area.level, '')}{area.name}") for area in areas
    ]


def _filter(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


# --- areas -----------------------------------------------------------------------


@router.get("/areas")
def areas_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    require(user, "read_registry")
    areas = session.scalars(select(Area).where(in_jurisdiction(user, Area.code)).order_by(Area.code)).all()
    by_code = {area.code: area for area in areas}
    kids: dict[str, list[Area]] = defaultdict(list)
    roots = []
    for area in areas:
        if area.parent_code in by_code:
            kids[area.parent_code].append(area)
        else:
            roots.append(area)
    # One grouped count, rolled up the tree in Python: cheap even for a county.
    counts: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(Person.area_code, func.count())
        .where(Person.merged_into_id.is_(None), in_jurisdiction(user, Person.area_code))
        .group_by(Person.area_code)
    )
    for code, count in rows:
        at: str | None = code
        while at is not None and at in by_code:
            counts[at] += count
            at = by_code[at].parent_code
    return render(request, "areas.html", user=user, roots=roots, kids=kids, counts=counts)


# --- persons ---------------------------------------------------------------------


@router.get("/persons")
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


@router.get("/persons/export")
def persons_export(request: Request, session: SessionDep, user: Viewer, q: str = "", area: str = "") -> Response:
    lang = lang_of(request)
    persons, total = search_persons(session, user, q=_filter(q), area_code=_filter(area), limit=EXPORT_MAX)
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
    audit.record(session, user, "export", "person", None,
                 after={"q": q, "area": area, "rows": len(persons), "total": total, "masked": True})
    session.commit()
    return attachment(content, f"{translate('nav.persons', lang)}-{to_local(now()):%Y%m%d-%H%M}.xlsx")


def _person_page(request: Request, session: Session, user: User, person: Person, *, revealed: bool) -> HTMLResponse:
    lang = lang_of(request)
    members: list[Person] = []
    if person.household_id is not None:
        members = list(session.scalars(
            select(Person).where(
                Person.household_id == person.household_id, Person.id != person.id,
                Person.merged_into_id.is_(None), in_jurisdiction(user, Person.area_code),
            ).order_by(Person.name)
        ))
    stays = session.execute(
        select(Checkin.in_at, Checkin.out_at, Venue.name)
        .join(Venue, Venue.id == Checkin.venue_id)
        .where(Checkin.person_id == person.id)
        .order_by(Checkin.in_at.desc())
        .limit(RECENT_CHECKINS)
    )
    checkins = [[venue, _epoch(in_at, lang), _epoch(out_at, lang)] for in_at, out_at, venue in stays]
    merges = session.scalars(
        select(PersonMerge)
        .where(or_(PersonMerge.survivor_id == person.id, PersonMerge.merged_id == person.id))
        .order_by(PersonMerge.at.desc())
    ).all()
    return render(
        request, "person.html", user=user, person=person, revealed=revealed, members=members,
        checkins=checkins, merges=merges, area_names=_area_names(session, {person.area_code}),
        here=f"/persons/{person.id}", **MASKS,
    )


def _epoch(value: int | None, lang: str) -> str:
    return "" if value is None else format_datetime(datetime.fromtimestamp(value, UTC), lang)


@router.get("/persons/{person_id}")
def person_page(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    return _person_page(request, session, user, get_person(session, user, person_id), revealed=False)


@router.post("/persons/{person_id}/reveal")
async def person_reveal(request: Request, session: SessionDep, user: Viewer, person_id: int) -> HTMLResponse:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    person = get_person(session, user, person_id)
    if not reveal_identity(session, user, person):
        raise Forbidden(translate("error.403", lang_of(request)))
    session.commit()
    return _person_page(request, session, user, person, revealed=True)


# --- venues ----------------------------------------------------------------------


def _kind_options(lang: str) -> list[tuple[str, str]]:
    return [("", translate("common.all", lang))] + [
        (kind, translate(f"venue.kind.{kind}", lang)) for kind in VENUE_KINDS
    ]


def _venues(session: Session, user: User, q: str, kind: str, area: str, **paging: int) -> tuple[list[Venue], int]:
    return registry_service.list_venues(
        session, user, q=_filter(q), kind=_filter(kind), area_code=_filter(area), **paging
    )


@router.get("/venues")
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


@router.get("/venues/export")
def venues_export(
    request: Request, session: SessionDep, user: Viewer, q: str = "", kind: str = "", area: str = ""
) -> Response:
    lang = lang_of(request)
    venues, total = _venues(session, user, q, kind, area, limit=EXPORT_MAX)
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
    audit.record(session, user, "export", "venue", None,
                 after={"q": q, "kind": kind, "area": area, "rows": len(venues), "total": total})
    session.commit()
    return attachment(content, f"{translate('nav.venues', lang)}-{format_date(to_local(now()).date(), 'en')}.xlsx")
