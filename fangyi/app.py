"""create_app(): mounts each part's routers and the one error handler."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from fangyi import __version__, daily
from fangyi.assembly import PARTS
from fangyi.db.session import busy
from fangyi.deps import LoginRequired
from fangyi.errors import DomainError
from fangyi.parts import Installed, Part, installed
from fangyi.parts import install as install_parts
from fangyi.screening import scan_api
from fangyi.web.assets import install_assets
from fangyi.web.guard import Refusal, guarded
from fangyi.web.headers import secured
from fangyi.web.http import BODY_SCHEMAS, problems
from fangyi.web.i18n import CORE
from fangyi.web.render import render

log = logging.getLogger("fangyi")

__all__ = ["PARTS", "create_app", "install", "serve_app"]  # PARTS: fangyi.assembly's list


def install(parts: Sequence[Part] = PARTS) -> Installed:
    """Build the permission table, words, import kinds, figures, menu and templates from the parts."""
    return install_parts(parts, CORE)


PROBLEM = "application/problem+json"
STATIC = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


# How fangyi.access.require (and a service naming what it refuses) words a refusal:
# "role site_manager may not allocate", "role lab may not import rooms".
REFUSED = re.compile(r"role (\w+) may not ([\w ]+)")


def refusal_of(detail: str) -> tuple[str, str, str] | None:
    """The role, the permission it lacks and what it was about, read from a refusal, so that the page
    says it in the reader's language; None for any other detail."""
    match = REFUSED.fullmatch(detail)
    if match is None:
        return None
    role, what = match.groups()
    words = what.split(" ")
    for n in range(len(words), 0, -1):
        if "_".join(words[:n]) in installed().permissions:
            return role, "_".join(words[:n]), " ".join(words[n:])
    return None


def _error_page(request: Request, status: int, detail: str) -> Response:
    return render(request, "error.html", status_code=status, status=status, detail=detail,
                  refused=refusal_of(detail) if status == 403 else None)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired) and not _wants_json(request):
        # Back to the very page asked for, query and all, once signed in.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': here}, safe='/')}", status_code=303)
    if _wants_json(request):
        return problem(exc.status, exc.title, exc.detail, **exc.extra)
    return _error_page(request, exc.status, exc.detail)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    if _wants_json(request):
        return problem(422, "Invalid input", detail, errors=errors)
    return _error_page(request, 422, detail)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    answer = (problem(exc.status_code, str(exc.detail), str(exc.detail)) if _wants_json(request)
              else _error_page(request, exc.status_code, str(exc.detail)))
    # A 405 says which methods the address takes (Allow), as HTTP asks: every route's at this
    # address, not only the first one the router tried.
    answer.headers.update(exc.headers or {})
    if exc.status_code == 405:
        answer.headers["Allow"] = ", ".join(_methods_at(request.url.path))
    return answer


def _methods_at(path: str) -> list[str]:
    methods: set[str] = set()
    for part in installed().parts:
        for router in part.mounted():
            for route in router.routes:
                if isinstance(route, APIRoute) and route.path_regex.match(path):
                    methods |= route.methods or set()
    return sorted(methods)


async def on_refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    if _wants_json(request):
        return problem(exc.status, exc.title, exc.detail)
    return _error_page(request, exc.status, exc.detail)


async def on_database_error(request: Request, exc: Exception) -> Response:
    """What the database refused and a service did not foresee: a row taken meanwhile (two clicks at
    once) is a conflict to send again or look at; a database busy with other writers (SQLite's
    one writer, a lock wait that timed out) is 503 with Retry-After. Never a 500 for either."""
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, IntegrityError):
        status, title, detail = 409, "Conflict", "the record was changed or made meanwhile; look again and resend"
    elif busy(exc):
        status, title, detail = 503, "Busy", "the database is busy with other writes: send the same request again"
    else:
        return await on_unexpected(request, exc)
    answer = (problem(status, title, detail) if _wants_json(request) else _error_page(request, status, detail))
    if status == 503:
        answer.headers["Retry-After"] = "1"
    return answer


async def on_unexpected(request: Request, exc: Exception) -> Response:
    # Logged in full for the operator; the user gets a reason, never a traceback.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if _wants_json(request):
        return problem(500, "Internal error", "an internal error occurred and was logged")
    return _error_page(request, 500, "")


class Fangyi(FastAPI):
    """The app, with one lane in front of it: a scan (POST /api/v1/screening/scans) goes straight to
    its handler, past the middleware and routing every other request takes (fangyi.screening.scan_api)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = secured(scope, send)
        if scope["type"] == "http" and scope["path"] == scan_api.PATH and scope["method"] == "POST":
            scope["app"] = self
            await scan_api.scan_lane(scope, receive, send, self.on_error)
            return
        if scope["type"] == "http":
            try:
                receive = await guarded(scope, receive)
            except Refusal as exc:
                scope["app"] = self
                answer = await self.on_error(Request(scope), exc)
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def on_error(self, request: Request, exc: Exception) -> Response:
        """The answer the app's own exception handlers give, for an error raised in the lane."""
        for kind in type(exc).__mro__:
            handler = self.exception_handlers.get(kind)
            if handler is not None:
                answer = handler(request, exc)
                return await answer if isinstance(answer, Awaitable) else answer
        raise exc


@asynccontextmanager
async def _settled(_app: FastAPI) -> AsyncIterator[None]:
    """A server worker, once started: what it holds now (the app, its routes, models, templates:
    some 190,000 objects) lives as long as the process, so it is left out of the garbage
    collector's full passes, each of which would otherwise walk all of it (0.1-0.2 s with no
    request answered: the slowest answers of a busy morning).

    It also runs the parts' daily jobs (fangyi.daily: the zones' daily check at 23:55), each once a
    day across all the server processes."""
    jobs = installed().daily
    daily.check_times(jobs)
    gc.collect()
    gc.freeze()
    task = asyncio.create_task(daily.scheduler(jobs)) if jobs else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()


def serve_app() -> FastAPI:
    """The app as a server process runs it (`fangyi serve`); tests build theirs with create_app."""
    return create_app(lifespan=_settled)


def create_app(lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
               parts: Sequence[Part] = PARTS) -> FastAPI:
    installed = install(parts)
    installed.load_all()  # every part's code now, not on the first requests
    app = Fangyi(
        lifespan=lifespan,
        title="Fangyi",
        version=__version__,
        description="防疫 — outbreak response command platform. JSON API under /api/v1.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by install_assets, with Swagger UI from the installed package
        redoc_url=None,
        # FastAPI asks on every request whether an OpenTelemetry provider is configured (reading
        # the environment each time); Fangyi exports none unless FANGYI_OTEL=1 asks for it.
        telemetry=None if os.environ.get("FANGYI_OTEL") == "1" else {"tracing": False, "metrics": False,
                                                                      "logs": False},
    )
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Refusal, on_refusal)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    install_assets(app)  # gzip, the vendored bundles, the API's docs page, the favicon

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for part in installed.parts:
        for router in part.mounted():
            app.include_router(router)
    _document_unparseable_bodies(app)
    return app


def _document_unparseable_bodies(app: FastAPI) -> None:
    """Every operation that takes a body can answer 400 when the body is not JSON, and 413 when it
    is larger than the deployment takes; said once here so that no part's route can forget it."""

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, body in BODY_SCHEMAS.items():
                components.setdefault(name, body)
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if isinstance(operation, dict) and "requestBody" in operation:
                        for status, answer in problems(400, 413).items():
                            operation.setdefault("responses", {}).setdefault(str(status), answer)
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
