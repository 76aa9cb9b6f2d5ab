"""Tracing pages, the tracer's side: the queue of contacts to confirm, call and hand over, with the
counts that show the day's progress, and a coordinator's reassignment. The case pages are in
case_pages.py and are served by this module's router too."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Role, can
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok, safe_next
from fangyi.errors import DomainError, Forbidden, Invalid
from fangyi.identity import mask_id_number, mask_phone
from fangyi.registry import service as registry
from fangyi.timeutil import today
from fangyi.tracing import assist_pages, review
from fangyi.tracing import contacts as contact_service
from fangyi.tracing import queue as service
from fangyi.tracing.cases import get_case
from fangyi.tracing.models import REACH_OUTCOMES, STATUSES, Case, ReachAttempt
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.paging import Page
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)
COUNTS = ("derived", "confirmed", "reached", "unreached", "handed_over")
QUEUE_PAGE = 20  # cards of contacts to call: a phone's few screens, not fifty cards


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    return {key: str(value) for key, value in form.items()}


def _tracers(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).where(User.role == Role.tracer.value, User.active.is_(True)).order_by(User.username)
    ))


def _queue_page(request: Request, session: Session, user: User, *, case: str = "", area: str = "",
                status: str = "", page: int = 1, error: str | None = None, done: str = "",
                here: str | None = None, tracer: str = "", code: int = 422) -> HTMLResponse:
    service.may_read_queue(user)
    paging = Page.of(page, QUEUE_PAGE)
    case_id = None
    rows: list[Any] = []
    total = 0
    try:
        if case:
            case_id = get_case(session, user, case.strip()).id
        if status and status not in STATUSES:
            raise Invalid(f"status {status!r} is not one of {', '.join(STATUSES)}", column="status")
        # A coordinator looks at one tracer's queue; a tracer always sees their own.
        tracer_id = int(tracer) if tracer.isdigit() and len(tracer) < 18 and user.role != Role.tracer.value else None
        rows, total = service.queue(session, user, tracer_id=tracer_id,
                                    area_code=registry.find_area(session, user, area) or None,
                                    case_id=case_id,
                                    status=status or None, offset=paging.offset, limit=paging.size)
    except DomainError as exc:
        if error is None:
            error = exc.detail
    ids = [contact.id for contact, _, _ in rows]
    attempts: dict[int, list[ReachAttempt]] = {i: [] for i in ids}
    if ids:
        for attempt in session.scalars(select(ReachAttempt).where(ReachAttempt.contact_id.in_(ids))
                                       .order_by(ReachAttempt.at)):
            attempts[attempt.contact_id].append(attempt)
    unmasked = can(user.role, "see_identity")
    if unmasked and rows:
        # Phones are shown to whoever must call them; that they were shown is on the record.
        audit.record(session, user, "view_identity", "contact_queue", rows[0][0].id,
                     note=f"phones of contacts {','.join(map(str, ids))}")
        session.commit()
    case_nos = sorted({case_no for _, _, case_no in rows})
    case_ids: dict[str, int] = {}
    ruled_out: set[str] = set()  # their contacts stay listed, flagged for review
    for no, i, out in session.execute(select(Case.case_no, Case.id, Case.ruled_out_at)
                                      .where(Case.case_no.in_(case_nos))):
        case_ids[str(no)] = int(i)
        if out is not None:
            ruled_out.add(str(no))
    per_case = {no: service.progress(session, user, case_id=case_ids[no]) for no in case_nos}
    if case_id is not None and case not in per_case:
        per_case[case] = service.progress(session, user, case_id=case_id)
    names = service.tracer_names(session, {c.assigned_to_id for c, _, _ in rows if c.assigned_to_id})
    coordinator = can(user.role, "assign_contacts")
    turned = [] if case else review.index_turned(session, user)
    codes = {person.area_code for _, person, _ in rows} | {
        one.person.area_code for event in turned for one in event.affected}
    return render(
        request, "tracing_queue.html", status_code=code if error else 200, user=user, rows=rows,
        attempts=attempts, page=paging.with_total(total), case=case, area=area, status=status, error=error,
        done=done, today_counts=service.progress(session, user, day=today()), per_case=per_case, counts=COUNTS,
        statuses=STATUSES, outcomes=REACH_OUTCOMES, names=names, tracers=_tracers(session) if coordinator else [],
        coordinator=coordinator, tracer=tracer, unmasked=unmasked, mask_id=mask_id_number, mask_phone=mask_phone,
        assist_rows=[] if case else assist_pages.queue_rows(session, user), ruled_out=ruled_out,
        index_turned=turned, areas=registry.area_labels(session, user, codes),
        area_list=registry.area_label_choices(session, user),
        here=here or str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.get("/tracing/queue", openapi_extra=needs("read_cases"))
def queue_page(request: Request, session: SessionDep, user: Viewer, case: str = "", area: str = "",
               status: str = "", page: int = 1, done: str = "", tracer: str = "") -> HTMLResponse:
    return _queue_page(request, session, user, case=case, area=area, status=status, page=page, done=done,
                       tracer=tracer)


def _back(form: dict[str, str], done: str) -> str:
    target = safe_next(form.get("next"), "/tracing/queue")
    path, _, query = target.partition("?")
    kept = [pair for pair in query.split("&") if pair and not pair.startswith("done=")]
    return f"{path}?{'&'.join([*kept, urlencode({'done': done})])}"


def _act(session: Session, user: User, action: str, contact_id: int, form: dict[str, str]) -> None:
    if action == "confirm":
        contact_service.confirm_contact(session, user, contact_id)
    elif action == "reject":
        contact_service.reject_contact(session, user, contact_id, form.get("reason", ""))
    elif action == "reach":
        note = form.get("note", "").strip() or None
        contact_service.log_reach_attempt(session, user, contact_id, form.get("outcome", ""), note)
    elif action == "hand_over":
        service.hand_over(session, user, contact_id)
    elif action == "assign":
        raw = form.get("tracer_id", "")
        if not raw.isdigit() or len(raw) > 18:
            raise Invalid("choose a tracer", column="tracer_id")
        service.reassign(session, user, contact_id, int(raw))
    else:
        raise Invalid(f"unknown action {action!r}")


@router.post("/tracing/contacts/{contact_id}/{action}", openapi_extra=needs("edit_cases"))
async def contact_action(request: Request, session: SessionDep, user: Viewer, contact_id: int,
                         action: str) -> Response:
    form = await form_of(request)
    action = action.replace("-", "_")
    try:
        if not 1 <= contact_id <= 2**62:
            raise Invalid(f"contact {contact_id} not found")
        _act(session, user, action, contact_id, form)
    except DomainError as exc:
        target = safe_next(form.get("next"), "/tracing/queue")
        # Refused before anything was written; outside the queue the error page says why.
        if isinstance(exc, Forbidden) or not target.startswith("/tracing/queue"):
            raise
        kept = dict(parse_qsl(target.partition("?")[2]))
        return _queue_page(request, session, user, error=exc.detail, code=exc.status, case=kept.get("case", ""),
                           area=kept.get("area", ""), status=kept.get("status", ""), here=target,
                           tracer=kept.get("tracer", ""))
    session.commit()
    return RedirectResponse(_back(form, action), status_code=303)


@router.post("/tracing/index-turned/{person_id}/handled", openapi_extra=needs("edit_cases"))
async def index_turned_handled(request: Request, session: SessionDep, user: Viewer, person_id: int) -> Response:
    form = await form_of(request)
    try:
        if not 1 <= person_id <= 2**62:
            raise Invalid(f"person {person_id} not found")
        review.handle_index_turned(session, user, person_id)
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        target = safe_next(form.get("next"), "/tracing/queue")
        return _queue_page(request, session, user, error=exc.detail, code=exc.status, here=target)
    session.commit()
    return RedirectResponse(_back(form, "index_turned"), status_code=303)


