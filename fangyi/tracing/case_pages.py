"""Tracing pages, the case's side: the list of cases and clusters, the new-case form, the case page
(window, contacts with their reasons, the trace, the chain graph, the investigation forms) and the
printable investigation report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fangyi.access import can
from fangyi.auth.models import User
from fangyi.config import get_settings
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import DomainError, Forbidden, NotFound
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.registry import service as registry
from fangyi.registry.models import VENUE_KINDS, Checkin, Person, Venue
from fangyi.registry.persons import FieldError
from fangyi.timeutil import aware, format_date, format_datetime, now, to_local
from fangyi.tracing import cases as service
from fangyi.tracing import chains, investigation, printed, review
from fangyi.tracing import queue as queue_service
from fangyi.tracing.derivation import exposure_window, from_epoch
from fangyi.tracing.models import CLASSIFICATIONS, FOUND_BY, SOURCES, Case, Contact
from fangyi.tracing.trace import DEGREES, contact_counts, contact_page, trace_report
from fangyi.web.forms import checked_form
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.paging import Page
from fangyi.web.render import lang_of, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("case_no", "id_number", "classification", "onset_date", "sampled_at", "confirmed_at", "source",
               "origin", "infected_by", "isolated_at", "found_by")


# --- the list ----------------------------------------------------------------------


@router.get("/tracing/cases", openapi_extra=needs("read_cases"))
def cases_page(request: Request, session: SessionDep, user: Viewer, page: int = 1) -> HTMLResponse:
    paging = Page.of(page)
    rows, total = service.list_cases(session, user, offset=paging.offset, limit=paging.size)
    ids = [case.id for case, _ in rows]
    counts: dict[tuple[int, str], int] = {}
    if ids:
        for case_id, degree, n in session.execute(
            select(Contact.case_id, Contact.degree, func.count(func.distinct(Contact.person_id)))
            .where(Contact.case_id.in_(ids), Contact.stale.is_(False), Contact.status != "rejected")
            .group_by(Contact.case_id, Contact.degree)
        ):
            counts[(case_id, degree)] = int(n)
    return render(request, "tracing_cases.html", user=user, rows=rows, counts=counts,
                  page=paging.with_total(total), clusters=service.clusters_seen(session, user),
                  mask_id=mask_id_number)


# --- a new case --------------------------------------------------------------------


def _new_page(request: Request, user: User, values: dict[str, str], error: str | None = None,
              column: str | None = None, editing: str | None = None, *, status: int = 422) -> HTMLResponse:
    return render(request, "tracing_case_new.html", status_code=status if error else 200, user=user, values=values,
                  error=error, column=column, classifications=CLASSIFICATIONS, sources=SOURCES, editing=editing,
                  found_by_choices=[(v, translate(f"tr.found_by.{v}", lang_of(request))) for v in FOUND_BY])


@router.get("/tracing/cases/new", openapi_extra=needs("edit_cases"))
def new_case_page(request: Request, user: Viewer) -> HTMLResponse:
    service.may_enter_cases(user)
    return _new_page(request, user, {"classification": "confirmed", "source": "local"})


@router.post("/tracing/cases/new", openapi_extra=needs("edit_cases"))
async def new_case_post(request: Request, session: SessionDep, user: Viewer) -> Response:
    service.may_enter_cases(user)
    form = await checked_form(request)
    values = {name: form.get(name, "").strip() for name in FORM_FIELDS}
    tz = get_settings().tz
    try:
        fields = service.clean_case({k: v or None for k, v in values.items()}, tz)
        case = service.create_case(session, user, fields)
    except FieldError as exc:
        return _new_page(request, user, values, f"{exc.column}: {exc.reason}", exc.column)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        # Nothing was written: every check runs before the case is added.
        return _new_page(request, user, values, exc.detail, exc.extra.get("column"), status=exc.status)
    session.commit()
    return RedirectResponse(f"/tracing/cases/{case.case_no}", status_code=303)


def _local_text(moment: datetime | None) -> str:
    return "" if moment is None else to_local(moment).strftime("%Y-%m-%dT%H:%M")


@router.get("/tracing/cases/{case_no}/edit", openapi_extra=needs("edit_cases"))
def edit_case_page(request: Request, session: SessionDep, user: Viewer, case_no: str) -> HTMLResponse:
    case = service.get_case(session, user, case_no, need="edit_cases")
    fields = service.case_fields(session, case)
    # A role that sees numbers masked edits the case with its person's number masked; sent back
    # unchanged, the stored number stands (edit_case_post).
    shown = fields.id_number if can(user.role, "see_identity") else mask_id_number(fields.id_number)
    values = {
        "case_no": fields.case_no, "id_number": shown, "classification": fields.classification,
        "onset_date": fields.onset_date.isoformat() if fields.onset_date else "",
        "sampled_at": _local_text(fields.sampled_at), "confirmed_at": _local_text(fields.confirmed_at),
        "source": fields.source, "origin": fields.origin or "", "infected_by": fields.infected_by or "",
        "isolated_at": _local_text(fields.isolated_at), "found_by": fields.found_by or "",
    }
    return _new_page(request, user, values, editing=case.case_no)


@router.post("/tracing/cases/{case_no}/edit", openapi_extra=needs("edit_cases"))
async def edit_case_post(request: Request, session: SessionDep, user: Viewer, case_no: str) -> Response:
    form = await checked_form(request)
    case = service.get_case(session, user, case_no, need="edit_cases")
    values = {name: form.get(name, "").strip() for name in FORM_FIELDS} | {"case_no": case.case_no}
    stored = service.case_fields(session, case).id_number
    sent = {**values, "id_number": stored} if values["id_number"] == mask_id_number(stored) else values
    try:
        fields = service.clean_case({k: v or None for k, v in sent.items()}, get_settings().tz)
        service.update_case(session, user, case, fields)
    except FieldError as exc:
        return _new_page(request, user, values, f"{exc.column}: {exc.reason}", exc.column, editing=case.case_no)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        return _new_page(request, user, values, exc.detail, exc.extra.get("column"), editing=case.case_no,
                         status=exc.status)
    session.commit()
    return RedirectResponse(f"/tracing/cases/{case.case_no}", status_code=303)


# --- the case page -----------------------------------------------------------------


PER_PAGE = 100  # contacts on a page of the case page's lists


def _page_number(query: Mapping[str, str], key: str, pages: int) -> int:
    try:
        return min(max(int(query.get(key, "1")), 1), pages)
    except ValueError:
        return 1


def _case_view(session: Session, user: User, case: Case, *, revealed: bool,
               query: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the case page shows. Each list a page at a time, read from the stored contacts (a heavy
    case lists 17,000 secondary contacts: the page reads 100 of them, not the whole report)."""
    protocol = current()
    start, end = exposure_window(case, protocol, get_settings().tz)
    person = session.get(Person, case.person_id)
    source = session.get(Case, case.infected_by_case_id) if case.infected_by_case_id else None
    counts = contact_counts(session, case)
    lists: dict[str, dict[str, Any]] = {}
    report = None
    if sum(counts.values()) <= 2 * PER_PAGE:  # short: the whole report, its JSON shown on the page too
        report = trace_report(session, case, unmasked=revealed)
    for degree in DEGREES:
        pages = max(1, -(-counts[degree] // PER_PAGE))
        page = _page_number(query or {}, f"{degree}_page", pages)
        items = (report[f"{degree}_contacts"][(page - 1) * PER_PAGE : page * PER_PAGE] if report is not None else
                 contact_page(session, case, degree, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, unmasked=revealed))
        lists[degree] = {"items": items, "total": counts[degree], "page": page, "pages": pages}
    cluster = service.cluster_of(session, user, case)
    places, named = investigation.investigation_of(session, case)
    return {
        "case": case, "person": person, "source": source, "window": (from_epoch(start), from_epoch(end)),
        "lists": lists, "counts": counts,
        "trace_json": None if report is None else json.dumps(report, ensure_ascii=False, indent=2),
        "cluster": cluster, "figure": json.dumps(chains.chain_figure(cluster), ensure_ascii=False),
        "places": places, "named": named, "progress": queue_service.progress(session, user, case_id=case.id),
        "protocol": protocol,
        "venues": registry.venue_names(session, user, (
            r.get("venue_code", "") for entry in lists.values() for item in entry["items"]
            for r in item["reasons"])),
    }


def _case_page(request: Request, session: Session, user: User, case: Case, *, revealed: bool = False,
               error: str | None = None, form: dict[str, str] | None = None, done: str = "",
               status: int = 422) -> HTMLResponse:
    view = _case_view(session, user, case, revealed=revealed, query=request.query_params)
    return render(request, "tracing_case.html", status_code=status if error else 200, user=user, revealed=revealed,
                  error=error, form=form or {}, done=done, kinds=VENUE_KINDS, mask_id=mask_id_number,
                  here=f"/tracing/cases/{case.case_no}", area_list=registry.area_label_choices(session, user),
                  **view)


@router.get("/tracing/cases/{case_no}", openapi_extra=needs("read_cases"))
def case_page(request: Request, session: SessionDep, user: Viewer, case_no: str, done: str = "") -> HTMLResponse:
    return _case_page(request, session, user, service.get_case(session, user, case_no), done=done)


@router.post("/tracing/cases/{case_no}/reveal", openapi_extra=needs("see_identity"))
async def case_reveal(request: Request, session: SessionDep, user: Viewer, case_no: str) -> HTMLResponse:
    await checked_form(request)
    case = service.reveal_case(session, user, case_no, note="case page")
    session.commit()
    return _case_page(request, session, user, case, revealed=True)


def _moment(form: dict[str, str], name: str) -> datetime:
    raw = form.get(name, "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"{name}: {raw!r} is not a time (YYYY-MM-DDTHH:MM)") from None
    return aware(moment)


@router.post("/tracing/cases/{case_no}/places", openapi_extra=needs("edit_cases"))
async def add_place(request: Request, session: SessionDep, user: Viewer, case_no: str) -> Response:
    form = await checked_form(request)
    case = service.get_case(session, user, case_no, need="edit_cases")
    # A known venue by its name, a choice of the list, or its code; else a new place by name.
    typed, name = (form.get("venue") or form.get("venue_code", "")).strip(), form.get("place_name", "").strip()
    try:
        code = registry.find_venue(session, user, typed).code if typed else ""
        # A new place's area by its 乡镇/村/组 name (or code), as the list offers it.
        new_place = investigation.NewPlace(name, form.get("kind", ""),
                                           registry.find_area(session, user, form.get("area_code", ""),
                                                              column="area_code")) if name and not code else None
        investigation.add_place(session, user, case, start_at=_moment(form, "start_at"),
                                end_at=_moment(form, "end_at"), venue_code=code or None, new_place=new_place,
                                note=form.get("note", "").strip() or None)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        return _case_page(request, session, user, case, error=exc.detail, status=exc.status, form=form)
    session.commit()
    return RedirectResponse(f"/tracing/cases/{case.case_no}?done=place#investigation", status_code=303)


@router.post("/tracing/cases/{case_no}/rule-out", openapi_extra=needs("edit_cases"))
async def rule_out(request: Request, session: SessionDep, user: Viewer, case_no: str) -> Response:
    form = await checked_form(request)
    case = service.get_case(session, user, case_no, need="edit_cases")
    try:
        review.rule_out_case(session, user, case.case_no, form.get("reason", ""))
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        return _case_page(request, session, user, case, error=exc.detail, status=exc.status, form=form)
    session.commit()
    return RedirectResponse(f"/tracing/cases/{case.case_no}?done=rule_out", status_code=303)


@router.post("/tracing/cases/{case_no}/named", openapi_extra=needs("edit_cases"))
async def add_named(request: Request, session: SessionDep, user: Viewer, case_no: str) -> Response:
    form = await checked_form(request)
    case = service.get_case(session, user, case_no, need="edit_cases")
    try:
        investigation.add_named_contact(
            session, user, case, id_number=form.get("id_number", ""), relationship=form.get("relationship", ""),
            last_contact_at=_moment(form, "last_contact_at"), note=form.get("note", "").strip() or None)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        return _case_page(request, session, user, case, error=exc.detail, status=exc.status, form=form)
    session.commit()
    return RedirectResponse(f"/tracing/cases/{case.case_no}?done=named#investigation", status_code=303)


# --- the printable report ------------------------------------------------------------


def _timeline(session: Session, case: Case, start: int, end: int) -> list[dict[str, Any]]:
    """The case's places in the window: from the interview and from their own check-ins, in time order."""
    places, _ = investigation.investigation_of(session, case)
    lines = [{"start": p.start_at, "end": p.end_at, "venue": v, "how": "interview", "note": p.note}
             for p, v in places if to_local(p.end_at) >= to_local(from_epoch(start))]
    for checkin, venue in session.execute(
        select(Checkin, Venue).join(Venue, Venue.id == Checkin.venue_id)
        .where(Checkin.person_id == case.person_id, and_(Checkin.in_at >= start - 86400, Checkin.in_at <= end))
        .order_by(Checkin.in_at)
    ):
        if (checkin.out_at or checkin.in_at) >= start:
            lines.append({"start": from_epoch(checkin.in_at),
                          "end": from_epoch(checkin.out_at) if checkin.out_at else None, "venue": venue,
                          "how": "checkin", "note": None})
    lines.sort(key=lambda line: to_local(line["start"]))  # type: ignore[arg-type]
    return lines


@router.get("/tracing/cases/{case_no}/report", openapi_extra=needs("read_cases"))
def report_page(request: Request, session: SessionDep, user: Viewer, case_no: str) -> HTMLResponse:
    case = service.get_case(session, user, case_no)
    view = _case_view(session, user, case, revealed=False)
    start, end = exposure_window(case, view["protocol"], get_settings().tz)
    return render(request, "tracing_report.html", user=user, timeline=_timeline(session, case, start, end),
                  contacts=printed.printed(session, case, view["counts"]), in_full=printed.IN_FULL,
                  mask_id=mask_id_number, generated=now(), zdt=lambda moment: format_datetime(moment, "zh"),
                  zd=lambda day: format_date(day, "zh"), **view)


# --- a list in Excel -----------------------------------------------------------------


@router.get("/tracing/cases/{case_no}/{degree}.xlsx", openapi_extra=needs("read_cases"))
def list_export(request: Request, session: SessionDep, user: Viewer, case_no: str, degree: str) -> Response:
    """One of the case's lists, every contact, numbers masked (the export is audited)."""
    if degree not in DEGREES:
        raise NotFound(f"no list {degree!r}: close or secondary")
    case = service.get_case(session, user, case_no)
    lang = lang_of(request)
    total, entries = printed.export_list(session, user, case, degree)
    words = ["common.name", "tr.id_number", "tr.first_exposure", "tr.last_exposure", "tr.reasons"]
    words += ["tr.via"] if degree == "secondary" else []
    header = [translate(word, lang) for word in [*words, "tr.status"]]
    rows: list[list[Any]] = []
    for item in entries:
        row = [item["name"], item["id_number"], printed.local_minute(item["first_exposure"]),
               printed.local_minute(item["last_exposure"]), "；".join(_why(r, lang) for r in item["reasons"])]
        row += [", ".join(item["via"])] if degree == "secondary" else []
        rows.append([*row, translate(f"tr.status.{item['status']}", lang)])
    if total > len(rows):
        rows.append([translate("tr.export_truncated", lang).format(n=len(rows), total=total)])
    # The sheet named by the list alone: Excel refuses some characters a case number may hold.
    content = workbook_bytes(translate(f"tr.{degree}", lang), header, rows)
    session.commit()
    return attachment(content, f"{case.case_no} {translate(f'tr.{degree}', lang)}-{to_local(now()):%Y%m%d-%H%M}.xlsx")


def _why(reason: dict[str, Any], lang: str) -> str:
    """A reason in a cell: its kind, and where and when for a shared place (local minutes)."""
    said = translate(f"tr.reason.{reason['kind']}", lang)
    if reason.get("venue_code"):
        said += f" {reason['venue_code']} {printed.local_minute(reason['from'])}–{reason['to'][11:16]}"
    if reason.get("relationship"):
        said += f"（{reason['relationship']}）"
    return said
