"""POST /api/v1/screening/scans: the scanners' route, and its lane in front of the framework.

The busiest route there is on a round's morning. The app (fangyi.app.Fangyi) hands a POST to this
path straight to `scan_lane`, before Starlette's and FastAPI's middleware, routing and dependency
solving: those layers cost about as much CPU per request as writing the scan did. The route below
stays what the OpenAPI document describes, and serves the path when the lane is not taken (under
a root path, say); both answer with the same function, `answer`, and errors go through the app's
own handlers, so a client cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from fangyi.deps import credential
from fangyi.errors import Unauthorized
from fangyi.screening.intake import intake
from fangyi.screening.scans import ScanInput
from fangyi.screening.schemas import ScanBatch, ScanIn, ScanResults
from fangyi.timeutil import aware
from fangyi.web.http import documented_body, needs, problems

PREFIX = "/api/v1/screening"
PATH = f"{PREFIX}/scans"
MAX_BODY = 64 * 1024  # twenty scans are about 5 KB

router = APIRouter(prefix=PREFIX, tags=["screening"], responses=problems(401, 403, 413, 422, 503))

SCAN_BODY: TypeAdapter[ScanIn | ScanBatch] = TypeAdapter(ScanIn | ScanBatch)
OnError = Callable[[Request, Exception], Awaitable[Response]]


def scan_inputs(body: ScanIn | ScanBatch) -> list[ScanInput]:
    scans = body.scans if isinstance(body, ScanBatch) else [body]
    return [ScanInput(**(scan.model_dump() | {"scanned_at": aware(scan.scanned_at)})) for scan in scans]


@router.post("/scans", response_model=ScanResults, summary="One scan, or a batch of up to 20, each exactly once",
             openapi_extra=documented_body(SCAN_BODY) | {"security": [{"token": []}]} | needs("scan_samples"))
async def post_scans(request: Request) -> ScanResults:
    """Open a tube, scan a person into it, or close it. Each scan's answer says ok or refused, and why;
    a scan_id sent before gets the answer it got then (`repeated`: true) and changes nothing."""
    return await answer(request, await request.body())


async def answer(request: Request, body: bytes) -> ScanResults:
    signed = credential(request)
    if signed is None:
        raise Unauthorized("sign in or send an API token (Authorization: Bearer …)")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise RequestValidationError([{"type": "model_attributes_type", "loc": ("body",),
                                       "msg": "send the scans as application/json", "input": None}])
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"a request carries at most {MAX_BODY} bytes of scans")
    try:
        scans = SCAN_BODY.validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]) from None
    # Written with the other handhelds' scans of the moment; the answer comes after the commit.
    outcomes = await intake(request).submit(signed, scan_inputs(scans))
    # Validated from the stored answers in one call (faster than building the JSON by hand was).
    return ScanResults.model_validate({"results": outcomes})


async def scan_lane(scope: Scope, receive: Receive, send: Send, on_error: OnError) -> None:
    """Serve POST PATH from plain ASGI (scope["app"] set by the caller)."""
    request = Request(scope, receive)
    try:
        body = await _body(receive)
        if body is None:
            return  # the handheld hung up before it finished sending: nobody to answer
        results = await answer(request, body)
        response = Response(results.model_dump_json(), media_type="application/json")
    except Exception as exc:
        response = await on_error(request, exc)
    await response(scope, receive, send)


async def _body(receive: Receive) -> bytes | None:
    """The request's body, read no further than one byte past MAX_BODY."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if size <= MAX_BODY:
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)

