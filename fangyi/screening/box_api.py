"""The boxes API under /api/v1/screening/boxes: tubes packed at a point, handed over, received by a lab.

Who may: scan_samples packs and hands over, record_results receives, read_screening reads; a box whose
point or tubes lie outside the user's jurisdiction is answered as absent. The service (boxes.py) checks
and audits every one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Security

from fangyi.deps import ApiUser, SessionDep
from fangyi.screening.box_schemas import (
    BoxIn,
    BoxOut,
    BoxPageOut,
    BoxRowOut,
    BoxState,
    BoxTubeOut,
    HandOverIn,
    ReceiveIn,
)
from fangyi.screening.boxes import BoxDetail, detail, get_box, hand_over, list_boxes, pack_box, receive_box
from fangyi.timeutil import aware
from fangyi.web.http import API_TOKEN, needs, problems
from fangyi.web.paging import Page

router = APIRouter(prefix="/api/v1/screening/boxes", tags=["screening"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

BoxCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


def _out(found: BoxDetail) -> BoxOut:
    tubes = [BoxTubeOut(barcode=t.barcode, state=t.state, members=t.members, pool_size=t.pool_size,
                        received_at=t.received_at, result=t.result) for t in found.tubes]
    return BoxOut(**found.row.as_dict(), tube_list=tubes)


@router.post("", response_model=BoxOut, status_code=201, responses=problems(404, 409),
             summary="Pack closed tubes into a box for a lab", openapi_extra=needs("scan_samples"))
def post_box(body: BoxIn, session: SessionDep, user: ApiUser) -> BoxOut:
    box = pack_box(session, user, body.code, list(body.barcodes), body.lab_code, body.point_code)
    session.commit()
    return _out(detail(session, box))


@router.post("/{code}/hand-over", response_model=BoxOut, responses=problems(404, 409),
             summary="Hand a packed box to its carrier: who, to whom, when", openapi_extra=needs("scan_samples"))
def post_hand_over(code: BoxCode, body: HandOverIn, session: SessionDep, user: ApiUser) -> BoxOut:
    box = hand_over(session, user, code, body.handed_over_by, body.carried_by, at=aware(body.at))
    session.commit()
    return _out(detail(session, box))


@router.post("/{code}/receive", response_model=BoxOut, responses=problems(404, 409),
             summary="The lab receives a box: its tubes become received", openapi_extra=needs("record_results"))
def post_receive(code: BoxCode, body: ReceiveIn, session: SessionDep, user: ApiUser) -> BoxOut:
    box = receive_box(session, user, code, body.received_by, at=aware(body.at))
    session.commit()
    return _out(detail(session, box))


@router.get("", response_model=BoxPageOut, summary="Boxes, latest first, by state and lab",
            openapi_extra=needs("read_screening"))
def get_boxes(
    session: SessionDep, user: ApiUser, state: BoxState | None = None,
    lab: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BoxPageOut:
    paging = Page.of(page, size)
    rows, total = list_boxes(session, user, state=state or "", lab=lab or "", offset=paging.offset,
                             limit=paging.size)
    return BoxPageOut(total=total, page=paging.number, size=paging.size,
                      boxes=[BoxRowOut(**row.as_dict()) for row in rows])


@router.get("/{code}", response_model=BoxOut, responses=problems(404), summary="One box with its tubes",
            openapi_extra=needs("read_screening"))
def get_one_box(code: BoxCode, session: SessionDep, user: ApiUser) -> BoxOut:
    return _out(get_box(session, user, code))
