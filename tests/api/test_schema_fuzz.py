"""Schemathesis against the published OpenAPI, in-process, on both databases.

Every operation gets generated requests with an administrator's token: valid
ones, and (fewer) invalid ones. No answer may be a server error, and every
answer must match the documented status codes, content types and schemas.

(schemathesis' own pytest loaders do not work with pytest 9, so each operation
is driven through its Hypothesis strategy here.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.orm import Session

from fangyi.app import create_app
from fangyi.deps import use_sessions
from tests.api.conftest import Ground
from tests.conftest import Cast

OPENAPI = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# By default the same examples every run, so that the suite never flakes; FANGYI_FUZZ_SCALE=10
# digs deeper with fresh random examples each time (a nightly run, or before a release).
SCALE = int(os.environ.get("FANGYI_FUZZ_SCALE", "1"))
EXAMPLES = {GenerationMode.POSITIVE: 25 * SCALE, GenerationMode.NEGATIVE: 10 * SCALE}

# The operations are read from the app's own document, so a new endpoint is fuzzed without a test edit.
# Invalid requests only for operations that take some input to spoil.
_DOCUMENT = create_app().openapi()
# The document as a client reads it. FastAPI takes about 2 s to build it for each new app, and
# loading it through each test's app cost about 2.5 s a test, half the suite's time: it is built
# once per process, and test_the_document_fuzzed_is_the_one_served checks that an app serves it.
PUBLISHED = json.dumps(_DOCUMENT)
CASES = sorted(
    (mode, method.upper(), path)
    for path, operations in _DOCUMENT["paths"].items()
    for method, operation in operations.items()
    for mode in EXAMPLES
    if mode is GenerationMode.POSITIVE or operation.get("parameters") or operation.get("requestBody")
)


def schema_of(app: FastAPI) -> OpenApiSchema:
    """The published document, loaded for calls into this test's app."""
    loaded = schemathesis.openapi.from_dict(json.loads(PUBLISHED))
    loaded.app = app
    loaded.location = OPENAPI
    return loaded


@pytest.fixture
def app_on_test_session(db: Session, cast: Cast, ground: Ground) -> FastAPI:
    del cast, ground  # users with tokens, and records to find, merge and check in to
    app = create_app()

    def same_session() -> Iterator[Session]:
        try:
            yield db
        finally:
            # A refused write must not leave the shared session unusable for the next request.
            db.rollback()

    use_sessions(app, same_session)  # the routes' and the scan intake's
    return app


# Operations whose known findings are being fixed by their owners; they still run, and an
# unexpected pass is reported, so the mark comes off as soon as they conform.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "method", "path"),
    [pytest.param(m, o, p, id=f"{m.value} {o} {p}") for m, o, p in CASES],
)
def test_api_answers_generated_requests_as_documented(
    mode: GenerationMode, method: str, path: str, app_on_test_session: FastAPI, cast: Cast
):
    operation = schema_of(app_on_test_session)[path][method]
    headers = cast.headers("admin")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=SCALE == 1,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        # Generous: a shared CI machine under load, not the route, decides a slow answer here.
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

    answers_as_documented()


def test_the_document_fuzzed_is_the_one_served(app_on_test_session: FastAPI) -> None:
    """What the fuzzing reads is what a client is served at /api/v1/openapi.json, operation for
    operation, by an app on the test's session."""
    with TestClient(app_on_test_session) as client:
        served = client.get(OPENAPI)
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    assert served.json() == json.loads(PUBLISHED)
    assert len(schema_of(app_on_test_session)["/api/v1/areas"]) >= 1
