"""Sign-in on the API, users and tokens, the daily report and the audit trail."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.auth.security import SESSION_COOKIE
from fangyi.auth.sessions import open_session
from fangyi.identity import make_id_number
from tests.api.conftest import Ground
from tests.conftest import MISHUI, XIAOQUANWU, Cast


def test_no_credentials_is_401(client: TestClient, cast: Cast):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_token_is_401(client: TestClient, cast: Cast):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer fy_not-a-real-token"})
    assert response.status_code == 401


def test_me_tells_role_jurisdiction_and_permissions(client: TestClient, cast: Cast):
    body = client.get("/api/v1/me", headers=cast.headers("village_doctor")).json()
    assert (body["username"], body["role"], body["area_code"]) == ("village_doctor", "village_doctor", "430424101000")
    assert "edit_registry" in body["permissions"] and "see_identity" not in body["permissions"]


def _cookie_client(client: TestClient, cast: Cast, role: str) -> str:
    cookie, csrf = open_session(cast.session, cast[role])
    client.cookies.set(SESSION_COOKIE, cookie)
    return csrf


PERSON = {"id_number": make_id_number("430424", date(2001, 5, 5), 3, "F"),
          "name": "陈小红", "area_code": XIAOQUANWU}


def test_cookie_write_without_csrf_is_refused(client: TestClient, cast: Cast, db: Session):
    _cookie_client(client, cast, "tracer")
    assert client.get("/api/v1/me").json()["username"] == "tracer"  # reads need no CSRF token
    response = client.post("/api/v1/persons", json=PERSON)
    assert response.status_code == 403
    assert db.scalars(select(AuditEntry).where(AuditEntry.entity == "person")).all() == []


def test_cookie_write_with_csrf_header_goes_through(client: TestClient, cast: Cast):
    csrf = _cookie_client(client, cast, "tracer")
    response = client.post("/api/v1/persons", json=PERSON, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text


def test_admin_creates_a_user_who_can_then_get_a_token(client: TestClient, cast: Cast, db: Session):
    response = client.post(
        "/api/v1/users",
        json={"username": "mishui_doctor", "password": "long-enough-1", "role": "village_doctor",
              "area_code": MISHUI, "display_name": "洣水镇村医"},
        headers=cast.headers("admin"),
    )
    assert response.status_code == 201, response.text
    assert "password" not in response.text
    listed = client.get("/api/v1/users", params={"limit": 500}, headers=cast.headers("admin")).json()
    assert "mishui_doctor" in [u["username"] for u in listed["items"]]


def test_only_administrators_manage_users(client: TestClient, cast: Cast):
    assert client.get("/api/v1/users", headers=cast.headers("commander")).status_code == 403
    response = client.post("/api/v1/users", json={"username": "x1", "password": "long-enough-1",
                                                  "role": "admin", "area_code": "430424"},
                           headers=cast.headers("tracer"))
    assert response.status_code == 403


def test_user_with_taken_name_or_unknown_role_is_refused(client: TestClient, cast: Cast):
    headers = cast.headers("admin")
    taken = client.post("/api/v1/users", json={"username": "tracer", "password": "long-enough-1",
                                               "role": "tracer", "area_code": "430424"}, headers=headers)
    assert taken.status_code == 409
    unknown = client.post("/api/v1/users", json={"username": "x2", "password": "long-enough-1",
                                                 "role": "wizard", "area_code": "430424"}, headers=headers)
    assert unknown.status_code == 422


def test_issued_token_works_once_shown_and_is_audited(client: TestClient, cast: Cast, db: Session):
    response = client.post("/api/v1/tokens", json={"name": "scanner 7"}, headers=cast.headers("sampler"))
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "sampler"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "api_token")
                       .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.after == {"user": "sampler", "name": "scanner 7"}
    assert token not in str(entry.after)


def test_daily_report_for_the_command_office(client: TestClient, cast: Cast, ground: Ground):
    response = client.get("/api/v1/report/daily", params={"date": "2022-04-01"},
                          headers=cast.headers("command_office"))
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == "2022-04-01"
    assert body["registry"]["persons"] == 2 and body["registry"]["venues"] == 2


def test_daily_report_refused_to_a_driver_and_bad_dates_are_422(client: TestClient, cast: Cast):
    assert client.get("/api/v1/report/daily", headers=cast.headers("driver")).status_code == 403
    headers = cast.headers("commander")
    for bad in ("2022-02-30", "yesterday", "9999-12-31"):
        assert client.get("/api/v1/report/daily", params={"date": bad}, headers=headers).status_code == 422


def test_audit_trail_shows_a_persons_history(client: TestClient, cast: Cast, ground: Ground):
    client.patch(f"/api/v1/persons/{ground.liu.id}", json={"address": "石金村"}, headers=cast.headers("tracer"))
    body = client.get("/api/v1/audit", params={"entity": "person", "entity_id": str(ground.liu.id)},
                      headers=cast.headers("commander")).json()
    assert [(e["actor"], e["action"]) for e in body["items"]] == [("tracer", "update")]
    assert body["items"][0]["after"] == {"address": "石金村"}


def test_audit_trail_is_not_for_tracers(client: TestClient, cast: Cast):
    assert client.get("/api/v1/audit", headers=cast.headers("tracer")).status_code == 403


def test_limit_above_500_is_422(client: TestClient, cast: Cast):
    response = client.get("/api/v1/audit", params={"limit": 501}, headers=cast.headers("admin"))
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")


def test_a_township_commander_reads_only_the_entries_of_their_townships_users(client: TestClient, cast: Cast,
                                                                             db: Session, ground: Ground):
    # Entries carry full numbers of whatever they touched: below the county, a reader sees the
    # entries of users of their own jurisdiction (whose writes the checks kept there), not Fangyi's.
    cast["commander"].area_code = "430424101000"  # 石滩乡
    cast["village_doctor"].area_code = "430424101000"
    db.flush()
    client.patch(f"/api/v1/persons/{ground.liu.id}", json={"address": "石金村"}, headers=cast.headers("tracer"))
    client.patch(f"/api/v1/persons/{ground.liu.id}", json={"address": "石金村二组"},
                 headers=cast.headers("village_doctor"))
    body = client.get("/api/v1/audit", headers=cast.headers("commander")).json()
    assert {e["actor"] for e in body["items"]} == {"village_doctor"}
