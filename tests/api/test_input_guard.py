"""The door: control characters refused wherever text comes in, bodies larger than the
deployment takes refused before they are read whole, and what the database refuses answered
as a conflict or as busy, never as a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError

from fangyi.registry import service as registry_service
from tests.api.conftest import Ground
from tests.conftest import Cast
from tests.web.conftest import csrf_of, sign_in

CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800"]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_json_text_is_refused_with_422(client: TestClient, cast: Cast, ground: Ground,
                                                                 control: str) -> None:
    body = f'{{"address": "石金村{control.encode("unicode_escape").decode().replace("x", "u00")}"}}'
    if control == "\ud800":
        body = '{"address": "石金村\\ud800"}'
    answer = client.patch(f"/api/v1/persons/{ground.liu.id}", content=body.encode(),
                          headers={**cast.headers("tracer"), "content-type": "application/json"})
    assert answer.status_code == 422 and "control character" in answer.json()["detail"]
    assert client.get(f"/api/v1/persons/{ground.liu.id}", headers=cast.headers("tracer")).json()["address"] is None


def test_tab_and_line_breaks_are_text_not_control(client: TestClient, cast: Cast, ground: Ground) -> None:
    answer = client.patch(f"/api/v1/persons/{ground.liu.id}", json={"address": "石金村\t二组"},
                          headers=cast.headers("tracer"))
    assert answer.status_code == 200


def test_a_control_character_in_the_query_or_a_form_is_refused(client: TestClient, cast: Cast) -> None:
    assert client.get("/api/v1/persons", params={"q": "刘\x00"}, headers=cast.headers("tracer")).status_code == 422
    sign_in(client, "tracer")
    page = client.get("/persons")
    answer = client.post("/persons/1/reveal", data={"csrf": csrf_of(page.text), "note": "a\x1bb"})
    assert answer.status_code == 422 and "<html" in answer.text  # the error page, not a traceback


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, cast: Cast,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANGYI_MAX_UPLOAD_MB", "1")
    big = b"id_number,name,area_code\n" + b"x" * (2 << 20)
    answer = client.post("/api/v1/imports/persons", files={"file": ("big.csv", big)},
                         headers=cast.headers("command_office"))
    assert answer.status_code == 413 and answer.json()["title"] == "Too large"
    streamed = client.post("/api/v1/persons", content=iter([b"{", b" " * (2 << 20), b"}"]),
                           headers={**cast.headers("tracer"), "content-type": "application/json"})
    assert streamed.status_code == 413


def test_a_wrong_method_says_which_ones_the_address_takes(client: TestClient, cast: Cast) -> None:
    answer = client.delete("/api/v1/persons", headers=cast.headers("tracer"))
    assert answer.status_code == 405 and set(answer.headers["allow"].split(", ")) == {"GET", "POST"}


@pytest.mark.parametrize(("error", "status"), [
    (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: venues.code")), 409),
    (OperationalError("INSERT", {}, Exception("database is locked")), 503),
])
def test_what_the_database_refuses_is_a_conflict_or_busy_never_a_500(client: TestClient, cast: Cast,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     error: Exception, status: int) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(registry_service, "save_venue", refused)
    answer = client.post("/api/v1/venues", json={"code": "HD-X", "name": "店", "kind": "shop",
                                                 "area_code": "430424101001"}, headers=cast.headers("tracer"))
    assert answer.status_code == status
    assert "UNIQUE" not in answer.text and "locked" not in answer.text  # the database's words stay in the log
    if status == 503:
        assert answer.headers["retry-after"] == "1"
