"""协查 pages: the lists with their progress against the deadline, one list's people, and matching an
unmatched row by hand. The tracers work the matched people from their queue page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.access import can
from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok, safe_next
from fangyi.errors import DomainError, Forbidden, Invalid
from fangyi.identity import mask_id_number, mask_phone
from fangyi.tracing import assist
from fangyi.tracing import queue as queue_service
from fangyi.tracing.assist_models import AssistPerson
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)


@router.get("/tracing/assist", openapi_extra=needs("read_cases"))
def lists_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return render(request, "tracing_assist.html", user=user, lists=assist.lists(session, user))


def _list_page(request: Request, session: Session, user: User, list_id: int, *, error: str | None = None,
               done: str = "", form: dict[str, str] | None = None, status: int = 422) -> HTMLResponse:
    found = assist.get_list(session, user, list_id)
    people = assist.people(session, user, list_id)
    names = queue_service.tracer_names(session, {p.assigned_to_id for p in people if p.assigned_to_id})
    unmasked = can(user.role, "see_identity")
    if unmasked and any(p.person_id is None for p in people):
        # The unmatched rows show the numbers as sent, to find the person by; that view is on the record.
        audit.record(session, user, "view_identity", "assist_list", list_id, note="unmatched rows")
        session.commit()
    return render(request, "tracing_assist_list.html", status_code=status if error else 200, user=user,
                  the_list=found, progress=assist.progress(session, user, list_id), people=people, names=names,
                  error=error, done=done, form=form or {}, mask_id=mask_id_number, mask_phone=mask_phone,
                  unmasked=unmasked)


@router.get("/tracing/assist/{list_id}", openapi_extra=needs("read_cases"))
def list_page(request: Request, session: SessionDep, user: Viewer, list_id: int, done: str = "") -> HTMLResponse:
    return _list_page(request, session, user, list_id, done=done)


@router.post("/tracing/assist/persons/{item_id}/{action}", openapi_extra=needs("edit_cases"))
async def person_action(request: Request, session: SessionDep, user: Viewer, item_id: int,
                        action: str) -> Response:
    raw = await request.form()
    form = {key: str(value) for key, value in raw.items()}
    if not csrf_ok(request, form.get("csrf", "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    if not 1 <= item_id <= 2**62:
        raise Invalid(f"assist person {item_id} not found")
    try:
        if action == "match":
            item = assist.match_by_hand(session, user, item_id, form.get("id_number", ""))
        elif action == "reach":
            item = assist.log_attempt(session, user, item_id, form.get("outcome", ""))
        elif action == "control":
            item = assist.control(session, user, item_id)
        else:
            raise Invalid(f"unknown action {action!r}")
    except DomainError as exc:
        row = session.get(AssistPerson, item_id)
        if isinstance(exc, Forbidden) or row is None or action != "match":
            raise
        return _list_page(request, session, user, row.list_id, error=exc.detail, status=exc.status,
                          form=form | {"item": str(item_id)})
    session.commit()
    default = f"/tracing/assist/{item.list_id}"
    path, _, query = safe_next(form.get("next"), default).partition("?")
    kept = [pair for pair in query.split("&") if pair and not pair.startswith("done=")]
    return RedirectResponse(f"{path}?{'&'.join([*kept, f'done={action}'])}", status_code=303)


def queue_rows(session: Session, user: User) -> list[Any]:
    """The matched people in the user's queue, for the tracer's queue page."""
    return list(assist.queue(session, user))
