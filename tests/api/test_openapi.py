"""The published OpenAPI document: every operation says what it answers and how it fails."""

from __future__ import annotations

from typing import Any

import pytest

from fangyi.app import create_app

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
    ]


def test_every_endpoint_of_the_brief_is_published(document: dict[str, Any]):
    published = {(method, path) for method, path, _ in _operations(document)}
    expected = {
        ("GET", "/api/v1/areas"), ("GET", "/api/v1/areas/{code}"), ("POST", "/api/v1/areas"),
        ("PATCH", "/api/v1/areas/{code}"),
        ("GET", "/api/v1/persons"), ("GET", "/api/v1/persons/{person_id}"), ("POST", "/api/v1/persons"),
        ("PATCH", "/api/v1/persons/{person_id}"), ("POST", "/api/v1/persons/{person_id}/merge"),
        ("POST", "/api/v1/merges/{merge_id}/undo"), ("GET", "/api/v1/persons/{person_id}/checkins"),
        ("GET", "/api/v1/venues"), ("GET", "/api/v1/venues/{venue_id}"), ("POST", "/api/v1/venues"),
        ("PATCH", "/api/v1/venues/{venue_id}"),
        ("GET", "/api/v1/checkins"), ("POST", "/api/v1/checkins"),
        ("GET", "/api/v1/me"), ("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("POST", "/api/v1/tokens"),
        ("GET", "/api/v1/report/daily"), ("GET", "/api/v1/audit"),
    }
    assert expected <= published


def test_every_operation_documents_its_answer_and_problem_responses(document: dict[str, Any]):
    for method, path, operation in _operations(document):
        if path.startswith("/api/v1/imports"):
            continue  # documented by its own part
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, f"{method} {path} documents no success response"
        for code in success:
            if code == "204":
                assert "content" not in operation["responses"][code], f"{method} {path}: 204 with a body"
                continue  # No Content: a removal that answers nothing
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"], f"{method} {path} {code} has no response model"
        for code in ("401", "422"):
            assert PROBLEM in operation["responses"][code]["content"], f"{method} {path} {code}"


def test_paged_lists_share_one_shape(document: dict[str, Any]):
    schemas = document["components"]["schemas"]
    pages = [name for name in schemas if name.startswith("Page_")]
    assert len(pages) >= 6
    for name in pages:
        assert set(schemas[name]["required"]) == {"items", "total", "offset", "limit"}
