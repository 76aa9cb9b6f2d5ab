"""The boxes page: pack closed tubes (barcodes scanned or typed, one per line), hand a box over, receive it
at the lab, and the list as Excel. Plain forms: a refused form comes back with what was typed and why."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer
from fangyi.errors import DomainError, Forbidden, Invalid, NotFound
from fangyi.screening.boxes import BOX_STATES, hand_over, labs, list_boxes, pack_box, receive_box
from fangyi.screening.rounds import list_points
from fangyi.timeutil import aware, format_datetime
from fangyi.web.forms import checked_form
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.paging import Page
from fangyi.web.render import lang_of, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)
EXPORT_MAX = 20_000


def _filters(state: str, lab: str) -> tuple[str, str]:
    # A bad filter in a link shows everything rather than an error page.
    return (state if state in BOX_STATES else ""), lab.strip()[:40]


def _page(request: Request, session: Session, user: User, *, state: str = "", lab: str = "", page: int = 1,
          done: str = "", error: str | None = None, values: dict[str, str] | None = None,
          row_form: str = "") -> HTMLResponse:
    state, lab = _filters(state, lab)
    paging = Page.of(page)
    rows, total = list_boxes(session, user, state=state, lab=lab, offset=paging.offset, limit=paging.size)
    return render(request, "screening_boxes.html", status_code=422 if error else 200, user=user, rows=rows,
                  page=paging.with_total(total), state=state, lab=lab, labs=labs(session, user),
                  points=list_points(session, user), states=BOX_STATES,
                  done=done, error=error, values=values or {}, row_form=row_form, here="/screening/boxes")


@router.get("/screening/boxes", openapi_extra=needs("read_screening"))
def boxes_page(request: Request, session: SessionDep, user: Viewer, state: str = "", lab: str = "",
               page: int = 1, done: str = "") -> HTMLResponse:
    return _page(request, session, user, state=state, lab=lab, page=page, done=done)


def _refused(exc: DomainError) -> None:
    # A role's refusal, or a box, point or tube out of sight, is an error page; anything else goes back
    # to the form with the reason. The services check everything before they write, so a refused form
    # has written nothing: no rollback needed.
    if isinstance(exc, Forbidden | NotFound):
        raise exc


@router.post("/screening/boxes", openapi_extra=needs("scan_samples"))
async def pack_post(request: Request, session: SessionDep, user: Viewer) -> Response:
    form = await checked_form(request)
    values = {name: form.get(name, "").strip() for name in ("code", "lab_code", "point_code", "barcodes")}
    try:
        box = pack_box(session, user, values["code"], values["barcodes"].split(), values["lab_code"] or None,
                       values["point_code"] or None)
    except DomainError as exc:
        _refused(exc)
        return _page(request, session, user, error=exc.detail, values=values)
    session.commit()
    return RedirectResponse(f"/screening/boxes?done=pack:{box.code}", status_code=303)


def _moment(raw: str) -> datetime | None:
    """A datetime-local field: empty is now; the time is the deployment's local time."""
    text = raw.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a time (YYYY-MM-DDTHH:MM)", column="at") from None
    return aware(moment)


@router.post("/screening/boxes/{code}/hand-over", openapi_extra=needs("scan_samples"))
async def hand_over_post(request: Request, session: SessionDep, user: Viewer, code: str) -> Response:
    form = await checked_form(request)
    try:
        hand_over(session, user, code, form.get("handed_over_by", ""), form.get("carried_by", ""),
                  at=_moment(form.get("at", "")))
    except DomainError as exc:
        _refused(exc)
        return _page(request, session, user, error=f"{code}: {exc.detail}", values=form, row_form=code)
    session.commit()
    return RedirectResponse(f"/screening/boxes?done=hand_over:{code}", status_code=303)


@router.post("/screening/boxes/{code}/receive", openapi_extra=needs("record_results"))
async def receive_post(request: Request, session: SessionDep, user: Viewer, code: str) -> Response:
    form = await checked_form(request)
    try:
        receive_box(session, user, code, form.get("received_by", ""), at=_moment(form.get("at", "")))
    except DomainError as exc:
        _refused(exc)
        return _page(request, session, user, error=f"{code}: {exc.detail}", values=form, row_form=code)
    session.commit()
    return RedirectResponse(f"/screening/boxes?done=receive:{code}", status_code=303)


@router.get("/screening/boxes.xlsx", openapi_extra=needs("read_screening"))
def boxes_xlsx(request: Request, session: SessionDep, user: Viewer, state: str = "", lab: str = "") -> Response:
    state, lab = _filters(state, lab)
    lang = lang_of(request)
    rows, _ = list_boxes(session, user, state=state, lab=lab, limit=EXPORT_MAX)
    words = ("box.code", "box.state", "box.point", "box.lab", "box.tubes", "box.packed_at", "box.handed_over_by",
             "box.carried_by", "box.handed_over", "box.received_by", "box.received")
    header = [translate(word, lang) for word in words]

    def at(moment: datetime | None) -> str:
        return format_datetime(moment, lang) if moment else ""

    lines = [(r.box.code, translate(f"box.state.{r.state}", lang), r.point_code or "", r.box.lab_code or "",
              r.tubes, at(r.box.packed_at), r.box.handed_over_by or "", r.box.carried_by or "",
              at(r.box.handed_over_at), r.box.received_by or "", at(r.box.received_at)) for r in rows]
    return attachment(workbook_bytes(translate("box.title", lang), header, lines), "样本转运箱.xlsx")
