"""Every route as every role: a user whose jurisdiction is one township calls each API operation
and each page with a record of their township and one of another, and gets exactly what the
permission table allows (the answer, 403 or 404), never a word of the other township's records.

The permission a route needs is what it declares (`fangyi.web.http.needs`); the services do the
checking. A route without a declaration, or without a probe, fails here.
"""

from __future__ import annotations

import importlib
import inspect
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fangyi.access import Role, can
from fangyi.app import PARTS, create_app
from fangyi.auth.security import SESSION_COOKIE
from fangyi.deps import use_sessions
from fangyi.web.http import ANYONE, SIGNED_IN
from tests.matrix.probes import Make, Probe, Probes
from tests.matrix.world import Builder, Side, World, build_world

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str | None  # None: undeclared

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def _routes() -> list[Route]:
    found = []
    for part in PARTS:
        for router in part.mounted():
            for route in router.routes:
                if isinstance(route, APIRoute):
                    permission = (route.openapi_extra or {}).get("x-permission")
                    found.extend(Route(method, route.path, permission) for method in sorted(route.methods))
    return found


def _parts_modules(prefix: str) -> list[Any]:
    """tests/matrix/<prefix>_<part>.py of each installed part that has one, in the parts' order."""
    names = [part.name for part in PARTS if (HERE / f"{prefix}_{part.name}.py").is_file()]
    return [importlib.import_module(f"tests.matrix.{prefix}_{name}") for name in names]


def _builders() -> list[Builder]:
    return [module.build for module in _parts_modules("build")]


def _probes() -> Probes:
    merged: Probes = {}
    for module in _parts_modules("probes"):
        merged.update(module.PROBES)
    return merged


ROUTES = _routes()
PROBES = _probes()


@dataclass
class Matrix:
    world: World
    client: TestClient
    connection: Any


@pytest.fixture(scope="module")
def matrix(engine: Engine) -> Iterator[Matrix]:
    connection = engine.connect()
    outer = connection.begin()
    builder = Session(bind=connection, expire_on_commit=False)
    world = build_world(builder, _builders())
    app = create_app()

    def request_session() -> Iterator[Session]:
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()

    use_sessions(app, request_session)  # the routes' and the scan intake's
    try:
        with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
            yield Matrix(world, client, connection)
    finally:
        builder.close()
        outer.rollback()
        connection.close()


def _make(make: Make, world: World, side: Side, role: str) -> dict[str, Any]:
    takes_role = len(inspect.signature(make).parameters) == 3
    return make(world, side, role) if takes_role else make(world, side)


def _call(matrix: Matrix, route: Route, probe: Probe, role: str, side: Side) -> tuple[Response, str]:
    world, client = matrix.world, matrix.client
    world.role = role
    path = route.path.format(**{key: str(value) for key, value in _make(probe.path, world, side, role).items()})
    query = _make(probe.query, world, side, role)
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    data: dict[str, Any] | None = None
    if route.api:
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    else:
        cookie, csrf = world.cookies[role]
        cookies[SESSION_COOKIE] = cookie
        if probe.form is not None or route.method != "GET":
            data = {"csrf": csrf, **(_make(probe.form, world, side, role) if probe.form else {})}
    body = _make(probe.body, world, side, role) if probe.body else None
    files = _make(probe.files, world, side, role) if probe.files else None
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    savepoint = matrix.connection.begin_nested()
    try:
        answer = client.request(route.method, path, params=query, headers=headers, json=body, data=data,
                                files=files)
    finally:
        savepoint.rollback()
    asked = " ".join(str(part) for part in (path, query, body, data, files))
    return answer, asked


def _text(answer: Response) -> str:
    kind = answer.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        # A workbook's words are in its XML parts.
        with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return answer.text


def _expected(route: Route, role: str, side: Side, probe: Probe) -> str:
    permission = route.permission
    allowed = permission in (ANYONE, SIGNED_IN) or (permission is not None and can(role, permission))
    if not allowed:
        return "403"
    if probe.sided and side.name == "outside":
        return "404"
    return "allow"


def _verdict(expected: str, status: int) -> bool:
    if expected == "allow":
        return status < 500 and status not in (401, 403, 404)
    return status == int(expected)


def test_every_route_declares_its_permission() -> None:
    undeclared = [f"{route.method} {route.path}" for route in ROUTES if route.permission is None]
    assert undeclared == []


def test_every_route_has_a_probe() -> None:
    missing = [f"{route.method} {route.path}" for route in ROUTES if route.key not in PROBES]
    assert missing == []


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in PROBES], ids=lambda r: f"{r.method} {r.path}")
def test_each_role_gets_what_the_permission_table_allows(matrix: Matrix, route: Route) -> None:
    assert route.permission is not None, "the route declares no permission (fangyi.web.http.needs)"
    probe = PROBES[route.key]
    wrong = []
    sides = matrix.world.sides() if probe.sided else (matrix.world.inside,)
    for role in Role:
        for side in sides:
            answer, asked = _call(matrix, route, probe, role.value, side)
            expected = _expected(route, role.value, side, probe)
            if not _verdict(expected, answer.status_code):
                wrong.append(f"{role.value} on the {side.name} record: {answer.status_code}, expected {expected}: "
                             f"{answer.text[:200]!r}")
            text = _text(answer)
            leaked = sorted(mark for mark in matrix.world.outside.markers if mark in text and mark not in asked)
            if leaked:
                wrong.append(f"{role.value} on the {side.name} record: the answer names {leaked}")
            if not can(role.value, "see_identity"):
                whole = sorted(mark for mark in matrix.world.secrets if mark in text and mark not in asked)
                if whole:
                    wrong.append(f"{role.value} on the {side.name} record: whole numbers {whole} to a masked role")
    assert wrong == []
