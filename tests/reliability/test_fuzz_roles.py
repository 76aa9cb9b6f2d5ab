"""Schemathesis over the whole OpenAPI as a user of each role (the administrator's run is
tests/api/test_schema_fuzz.py): whatever a role sends, valid or not, allowed or not, the answer
is never a server error."""

from __future__ import annotations

import json

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from fangyi.access import Role
from tests.api.conftest import ground  # noqa: F401 (a fixture)
from tests.api.test_schema_fuzz import PUBLISHED, app_on_test_session, schema_of  # noqa: F401 (a fixture)
from tests.conftest import Cast

EXAMPLES = 3  # a few per operation and role: the administrator's run digs deeper


@pytest.mark.slow
@pytest.mark.parametrize("role", [role.value for role in Role if role is not Role.admin])
def test_no_role_meets_a_server_error(role: str, app_on_test_session: FastAPI, cast: Cast) -> None:  # noqa: F811
    schema = schema_of(app_on_test_session)
    headers = cast.headers(role)
    failures = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def never_a_server_error(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=60)

        try:
            never_a_server_error()
        except Exception as exc:  # every operation's finding, not only the first
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:300]}")
    assert failures == []
    assert calls >= 2 * len(json.loads(PUBLISHED)["paths"])  # every operation was called
