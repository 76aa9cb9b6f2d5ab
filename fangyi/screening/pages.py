"""Screening pages: the sampling point's scanning page, and a round's coverage, turnaround and advice.

The scanning page is built for a keyboard-wedge scanner, which types the code
and then Enter: one input takes both tube barcodes and identity numbers. It
works as a plain form post (the scan_id is in the form, so a resubmitted form
is still one scan); a little script posts to the scan API instead, keeps the
page in place, and holds scans while the network is down.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from fangyi.access import can
from fangyi.deps import SessionDep, Viewer, csrf_ok
from fangyi.errors import Forbidden
from fangyi.identity import mask_id_number, mask_phone
from fangyi.protocols.reader import current
from fangyi.screening.advice import advise_pool_size, tests_per_person
from fangyi.screening.desk import Desk, DeskScan, desk, scan_at
from fangyi.screening.rounds import list_points, list_rounds, missing, round_report
from fangyi.screening.words import SCAN_WORDS
from fangyi.web.http import needs
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of, render
from fangyi.web.xlsx import attachment, workbook_bytes

router = APIRouter(include_in_schema=False)

MISSING_SHOWN = 500


def message(outcome: Mapping[str, Any], lang: str) -> str:
    template = translate(f"scan.code.{outcome.get('code')}", lang)
    try:
        return template.format(**outcome.get("params", {}))
    except (KeyError, IndexError):
        return str(outcome.get("message", ""))


def _scan_page(request: Request, found: Desk, *, outcome: Mapping[str, Any] | None = None, tube: str = "",
               pool_size: int | None = None) -> HTMLResponse:
    lang = lang_of(request)
    words = {key.removeprefix("scan.code."): translate(key, lang) for key in SCAN_WORDS}
    words |= {"repeated": translate("scan.repeated", lang), "offline": translate("scan.offline", lang),
              "none": translate("scan.none", lang)}
    return render(
        request, "screening_scan.html", user=request.state.user, point=found.point, round=found.round,
        per_hour=found.per_hour, recent=[(scan, message(scan.outcome or {}, lang)) for scan in found.recent],
        outcome=outcome, feedback=message(outcome, lang) if outcome else None, tube=tube, scan_id=uuid.uuid4().hex,
        sizes=current().screening.pool_sizes,
        pool_size=pool_size or (found.round.pool_size if found.round else None),
        words=json.dumps(words, ensure_ascii=False), open_tubes=found.open_tubes,
    )


@router.get("/screening", openapi_extra=needs("read_screening"))
def screening_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    rounds = list_rounds(session, user, limit=50)
    return render(request, "screening_index.html", user=user, rounds=rounds, points=list_points(session, user))


@router.get("/screening/points/{code}/scan", openapi_extra=needs("scan_samples"))
def scan_page(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    return _scan_page(request, desk(session, user, code))


@router.post("/screening/points/{code}/scan", openapi_extra=needs("scan_samples"))
async def scan_post(request: Request, session: SessionDep, user: Viewer, code: str) -> HTMLResponse:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    size_text = str(form.get("pool_size") or "")
    size = int(size_text) if size_text.isdigit() else None
    tube = str(form.get("tube") or "").strip()
    outcome = scan_at(session, user, code, DeskScan(
        text=str(form.get("scan") or "").strip(), tube=tube, pool_size=size, scan_id=str(form.get("scan_id") or ""),
        name=str(form.get("name") or "").strip() or None, close=bool(form.get("close"))))
    session.commit()
    shown = outcome.get("tube")
    if outcome["status"] == "ok":
        tube = shown["barcode"] if shown and shown["state"] == "open" else ""
    return _scan_page(request, desk(session, user, code), outcome=outcome, tube=tube, pool_size=size)


# --- a round: coverage, turnaround, missing by household, pool size advice -------------


@router.get("/screening/rounds/{code}", openapi_extra=needs("read_screening"))
def round_page(request: Request, session: SessionDep, user: Viewer, code: str, area: str = "",
               prevalence: float = 0.001) -> HTMLResponse:
    report, people = round_report(session, user, code, area, limit=MISSING_SHOWN)
    sizes = current().screening.pool_sizes
    prevalence = min(max(prevalence, 0.0), 1.0)
    advised = advise_pool_size(prevalence, sizes)
    return render(
        request, "screening_round.html", user=user, round=report.round, areas=report.areas,
        target=report.target, sampled=report.sampled, times=report.times,
        overdue_hours=current().screening.result_overdue_hours, missing=people, area=area,
        prevalence=prevalence, advised=advised, tests=round(tests_per_person(advised, prevalence), 3),
        mask_id=mask_id_number,
    )


@router.get("/screening/rounds/{code}/missing.xlsx", openapi_extra=needs("read_screening"))
def missing_xlsx(request: Request, session: SessionDep, user: Viewer, code: str, area: str = "") -> Response:
    found, people = missing(session, user, code, area)
    lang = lang_of(request)
    # Masked as the pages and the persons export mask them: whole phone numbers only for who may see them.
    unmasked = can(user.role, "see_identity")
    rows = [(key, person.name, mask_id_number(person.id_number),
             (person.phone if unmasked else mask_phone(person.phone)) if person.phone else "", person.address or "",
             person.area_code)
            for key, persons in people for person in persons]
    header = [translate("round.household", lang), translate("common.name", lang), "身份证号 id_number",
              "电话 phone", translate("common.address", lang), translate("common.area", lang)]
    return attachment(workbook_bytes(translate("round.missing", lang), header, rows), f"{found.code}-未采人员.xlsx")
