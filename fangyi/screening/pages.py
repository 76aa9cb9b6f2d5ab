"""Screening pages: the sampling point's scanning page, and a round's coverage, turnaround and advice.

The scanning page is built for a keyboard-wedge scanner, which types the code
and then Enter: one input takes both tube barcodes and identity numbers. It
works as a plain form post (the scan_id is in the form, so a resubmitted form
is still one scan); a little script posts to the scan API instead, keeps the
page in place, and holds scans while the network is down.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import require
from fangyi.areacodes import AreaCodeError, within
from fangyi.auth.models import User
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import Forbidden, NotFound
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.screening.advice import advise_pool_size, tests_per_person
from fangyi.screening.common import round_for
from fangyi.screening.figures import missing_by_household, round_coverage, turnaround
from fangyi.screening.models import SamplingPoint, Scan, ScreeningRound, Tube
from fangyi.screening.scans import ScanInput, record_scans
from fangyi.screening.words import SCAN_WORDS
from fangyi.timeutil import now
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)

ID_LIKE = re.compile(r"^(\d{17}[\dXx]|[PpOo]:.+)$")
RECENT = 8
MISSING_SHOWN = 500


def message(outcome: dict[str, Any], lang: str) -> str:
    template = translate(f"scan.code.{outcome.get('code')}", lang)
    try:
        return template.format(**outcome.get("params", {}))
    except (KeyError, IndexError):
        return str(outcome.get("message", ""))


def _point(session: Session, code: str) -> SamplingPoint:
    point = session.scalar(select(SamplingPoint).where(SamplingPoint.code == code))
    if point is None:
        raise NotFound(f"no sampling point {code}")
    return point


def _scan_page(request: Request, session: Session, user: User, point: SamplingPoint, *,
               outcome: dict[str, Any] | None = None, tube: str = "", pool_size: int | None = None) -> HTMLResponse:
    lang = lang_of(request)
    found = round_for(session, point.area_code, now())
    hour_ago = now() - timedelta(hours=1)
    per_hour = session.scalar(select(func.count()).select_from(Scan).where(
        Scan.point_id == point.id, Scan.at >= hour_ago)) or 0
    recent = session.scalars(select(Scan).where(Scan.point_id == point.id).order_by(Scan.at.desc(), Scan.id.desc())
                             .limit(RECENT)).all()
    # The point's queue: tubes still open here, which a sampler may go back to.
    open_tubes = session.execute(
        select(Tube.barcode, Tube.members, Tube.pool_size).where(Tube.point_id == point.id, Tube.state == "open")
        .order_by(Tube.opened_at.desc()).limit(RECENT)).all()
    words = {key.removeprefix("scan.code."): translate(key, lang) for key in SCAN_WORDS}
    words |= {"repeated": translate("scan.repeated", lang), "offline": translate("scan.offline", lang),
              "none": translate("scan.none", lang)}
    return render(
        request, "screening_scan.html", user=user, point=point, round=found, per_hour=per_hour,
        recent=[(scan, message(scan.outcome or {}, lang)) for scan in recent], outcome=outcome,
        feedback=message(outcome, lang) if outcome else None, tube=tube, scan_id=uuid.uuid4().hex,
        sizes=current().screening.pool_sizes, pool_size=pool_size or (found.pool_size if found else None),
        words=json.dumps(words, ensure_ascii=False), open_tubes=open_tubes,
    )


@router.get("/screening")
def screening_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    require(user, "read_screening")
    rounds = session.scalars(select(ScreeningRound).order_by(ScreeningRound.starts_at.desc()).limit(50)).all()
    points = session.scalars(select(SamplingPoint).order_by(SamplingPoint.code).limit(500)).all()
    return render(request, "screening_index.html", user=user, rounds=rounds, points=points)


@router.get("/screening/points/{code}/scan")
def scan_page(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    require(user, "scan_samples")
    return _scan_page(request, session, user, _point(session, code))


@router.post("/screening/points/{code}/scan")
async def scan_post(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    require(user, "scan_samples")
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    point = _point(session, code)
    text = str(form.get("scan") or "").strip()
    tube = str(form.get("tube") or "").strip()
    size_text = str(form.get("pool_size") or "")
    size = int(size_text) if size_text.isdigit() else None
    scan_id = str(form.get("scan_id") or uuid.uuid4().hex)[:64]
    if form.get("close"):
        item = ScanInput(scan_id, "close", barcode=tube, point_code=point.code)
    elif ID_LIKE.match(text):
        item = ScanInput(scan_id, "person", barcode=tube, point_code=point.code, id_number=text,
                         name=str(form.get("name") or "").strip() or None)
    else:
        item = ScanInput(scan_id, "open", barcode=text, point_code=point.code, pool_size=size)
    # End the read that signing in began: the scan's own transaction then starts with the write
    # lock on SQLite (fangyi.db.session.write_first) and cannot fail at its first write.
    session.commit()
    outcome = record_scans(session, user, [item])[0]
    session.commit()
    shown = outcome.get("tube") or {}
    if outcome.get("status") == "ok":
        tube = shown.get("barcode", "") if shown.get("state") == "open" else ""
    return _scan_page(request, session, user, point, outcome=outcome, tube=tube, pool_size=size)


# --- a round: coverage, turnaround, missing by household, pool size advice -------------


def _area_for(user: User, area: str) -> str:
    """The area asked for when it lies in the user's jurisdiction, else the jurisdiction itself:
    a village doctor sees the missing of their own township only."""
    try:
        return area if area and within(area, user.area_code) else user.area_code
    except AreaCodeError:
        return user.area_code


def _round(session: Session, code: str) -> ScreeningRound:
    found = session.scalar(select(ScreeningRound).where(ScreeningRound.code == code))
    if found is None:
        raise NotFound(f"no round {code}")
    return found


@router.get("/screening/rounds/{code}")
def round_page(request: Request, session: SessionDep, user: Viewer, code: str, area: str = "",
               prevalence: float = 0.001) -> HTMLResponse:
    require(user, "read_screening")
    found = _round(session, code)
    areas = round_coverage(session, found)
    sizes = current().screening.pool_sizes
    prevalence = min(max(prevalence, 0.0), 1.0)
    advised = advise_pool_size(prevalence, sizes)
    missing = missing_by_household(session, found, _area_for(user, area), limit=MISSING_SHOWN)
    return render(
        request, "screening_round.html", user=user, round=found, areas=areas,
        target=sum(a.target for a in areas), sampled=sum(a.sampled for a in areas), times=turnaround(session, found),
        overdue_hours=current().screening.result_overdue_hours, missing=missing, area=area,
        prevalence=prevalence, advised=advised, tests=round(tests_per_person(advised, prevalence), 3),
        mask_id=mask_id_number,
    )


@router.get("/screening/rounds/{code}/missing.xlsx")
def missing_xlsx(request: Request, session: SessionDep, user: Viewer, code: str, area: str = "") -> Response:
    require(user, "read_screening")
    found = _round(session, code)
    lang = lang_of(request)
    rows = [(key, person.name, mask_id_number(person.id_number), person.phone or "", person.address or "",
             person.area_code)
            for key, persons in missing_by_household(session, found, _area_for(user, area)) for person in persons]
    header = [translate("round.household", lang), translate("common.name", lang), "身份证号 id_number",
              "电话 phone", translate("common.address", lang), translate("common.area", lang)]
    return attachment(workbook_bytes(translate("round.missing", lang), header, rows), f"{found.code}-未采人员.xlsx")
