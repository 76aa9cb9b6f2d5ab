"""The boxes API under /api/v1/screening/boxes: tubes packed at a point, handed over, received by a lab.

Who may: scan_samples packs and hands over, record_results receives, read_screening reads; a box from a
point outside the user's jurisdiction is answered as absent. Each write is audited by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security

from fangyi.access import require
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Invalid
from fangyi.screening.box_schemas import BoxIn, BoxOut, BoxPageOut, BoxState, HandOverIn, ReceiveIn
from fangyi.screening.boxes import box_row, box_tubes, get_box, list_boxes
from fangyi.screening.common import point_by_code
from fangyi.screening.models import Box
from fangyi.screening.results import hand_over, pack_box, receive_box
from fangyi.timeutil import aware
from fangyi.web.http import API_TOKEN, problems
from fangyi.web.paging import Page

router = APIRouter(prefix="/api/v1/screening/boxes", tags=["screening"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

BoxCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


def _out(session: SessionDep, box: Box) -> dict[str, Any]:
    tubes = [{"barcode": t.barcode, "state": t.state, "members": t.members, "pool_size": t.pool_size,
              "received_at": t.received_at, "result": t.result} for t in box_tubes(session, box)]
    return box_row(session, box).as_dict() | {"tube_list": tubes}


@router.post("", response_model=BoxOut, status_code=201, responses=problems(404, 409),
             summary="Pack closed tubes into a box for a lab")
def post_box(body: BoxIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "scan_samples")
    point_id = None
    if body.point_code:
        point = point_by_code(session, body.point_code)
        if point is None:
            raise Invalid(f"no sampling point {body.point_code}", column="point_code")
        point_id = point.id
    box = pack_box(session, user, body.code, list(body.barcodes), body.lab_code, point_id=point_id)
    session.commit()
    return _out(session, box)


@router.post("/{code}/hand-over", response_model=BoxOut, responses=problems(404, 409),
             summary="Hand a packed box to its carrier: who, to whom, when")
def post_hand_over(code: BoxCode, body: HandOverIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "scan_samples")
    box = get_box(session, user, code, lock=True)
    hand_over(session, user, box, body.handed_over_by, body.carried_by, at=aware(body.at))
    session.commit()
    return _out(session, box)


@router.post("/{code}/receive", response_model=BoxOut, responses=problems(404, 409),
             summary="The lab receives a box: its tubes become received")
def post_receive(code: BoxCode, body: ReceiveIn, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "record_results")
    box = get_box(session, user, code, lock=True)
    receive_box(session, user, box, body.received_by, at=aware(body.at))
    session.commit()
    return _out(session, box)


@router.get("", response_model=BoxPageOut, summary="Boxes, latest first, by state and lab")
def get_boxes(
    session: SessionDep, user: ApiUser, state: BoxState | None = None,
    lab: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1, size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    require(user, "read_screening")
    paging = Page.of(page, size)
    rows, total = list_boxes(session, user, state=state or "", lab=lab or "", offset=paging.offset,
                             limit=paging.size)
    return {"total": total, "page": paging.number, "size": paging.size, "boxes": [r.as_dict() for r in rows]}


@router.get("/{code}", response_model=BoxOut, responses=problems(404), summary="One box with its tubes")
def get_one_box(code: BoxCode, session: SessionDep, user: ApiUser) -> dict[str, Any]:
    require(user, "read_screening")
    return _out(session, get_box(session, user, code))
