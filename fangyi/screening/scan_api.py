"""POST /api/v1/screening/scans: the scanners' route, on its own router.

The busiest route there is on a round's morning, so it does with less of FastAPI than the rest:
no dependencies to solve (the API token is declared for the OpenAPI document and checked with the
group's other senders, fangyi.screening.intake), a body read and validated by pydantic straight
from the bytes, and an answer written as plain JSON. Each of those cost more per request than
the rest of its handling did.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter, ValidationError

from fangyi.deps import credential
from fangyi.errors import Unauthorized
from fangyi.registry.schemas import documented_body, problems
from fangyi.screening.intake import intake
from fangyi.screening.scans import ScanInput
from fangyi.screening.schemas import ScanBatch, ScanIn, ScanOut, ScanResults
from fangyi.timeutil import aware

router = APIRouter(prefix="/api/v1/screening", tags=["screening"], responses=problems(401, 403, 422, 503))

SCAN_BODY: TypeAdapter[ScanIn | ScanBatch] = TypeAdapter(ScanIn | ScanBatch)


def scan_inputs(body: ScanIn | ScanBatch) -> list[ScanInput]:
    scans = body.scans if isinstance(body, ScanBatch) else [body]
    return [ScanInput(**(scan.model_dump() | {"scanned_at": aware(scan.scanned_at)})) for scan in scans]


@router.post("/scans", response_model=ScanResults, summary="One scan, or a batch of up to 20, each exactly once",
             openapi_extra=documented_body(SCAN_BODY) | {"security": [{"token": []}]})
async def post_scans(request: Request) -> Response:
    """Open a tube, scan a person into it, or close it. Each scan's answer says ok or refused, and why;
    a scan_id sent before gets the answer it got then (`repeated`: true) and changes nothing."""
    signed = credential(request)
    if signed is None:
        raise Unauthorized("sign in or send an API token (Authorization: Bearer …)")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise RequestValidationError([{"type": "model_attributes_type", "loc": ("body",),
                                       "msg": "send the scans as application/json", "input": None}])
    try:
        body = SCAN_BODY.validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]) from None
    # Written with the other handhelds' scans of the moment; the answer comes after the commit.
    outcomes = await intake(request).submit(signed, scan_inputs(body))
    return JSONResponse({"results": [_answer(outcome) for outcome in outcomes]})


# Every field of ScanOut, as its response model would fill them: clients read them all.
_EMPTY: dict[str, Any] = {"action": None, "code": None, "message": None, "params": {}, "flags": [], "tube": None,
                          "person": None}


def _answer(outcome: dict[str, Any]) -> dict[str, Any]:
    return {key: outcome.get(key, _EMPTY.get(key)) for key in ScanOut.model_fields}
