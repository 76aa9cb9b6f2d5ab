"""Sessions live on the server: signing out, a new password or a deactivated account end them at
once, whatever a copied cookie says; logins are throttled and every sign-in, failure, lock and
sign-out is on the audit trail; cookies are Secure when served over TLS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.auth.logins import PER_ACCOUNT, PER_ADDRESS
from fangyi.auth.security import SESSION_COOKIE
from tests.conftest import Cast, password_for
from tests.web.conftest import csrf_of, sign_in


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "user").order_by(AuditEntry.id)))


def test_a_cookie_replayed_after_sign_out_reads_and_writes_nothing(client: TestClient, cast: Cast,
                                                                   db: Session) -> None:
    sign_in(client, "tracer")
    copied = client.cookies.get(SESSION_COOKIE)
    page = client.get("/persons")
    assert page.status_code == 200
    assert client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    thief = TestClient(client.app)
    thief.cookies.set(SESSION_COOKIE, copied)
    assert thief.get("/persons", follow_redirects=False).headers["location"].startswith("/login")
    assert thief.get("/api/v1/me").status_code == 401
    assert _actions(db)[-2:] == ["login", "logout"]


def test_a_new_password_ends_every_other_session_of_the_user(client: TestClient, cast: Cast) -> None:
    other = TestClient(client.app)
    sign_in(other, "tracer")
    sign_in(client, "tracer")
    page = client.get("/account")
    changed = client.post("/account/password", data={"csrf": csrf_of(page.text), "current": password_for("tracer"),
                                                      "new": "a-fresh-pass-9", "again": "a-fresh-pass-9"})
    assert changed.status_code == 200 and "其他 1 处登录已退出" in changed.text
    assert client.get("/persons").status_code == 200  # the browser that changed it stays in
    assert other.get("/persons", follow_redirects=False).status_code == 303
    assert sign_in(TestClient(client.app), "tracer", password="a-fresh-pass-9") == "/tracing/queue"


def test_a_wrong_current_password_changes_nothing_and_says_so(client: TestClient, cast: Cast) -> None:
    sign_in(client, "tracer")
    page = client.get("/account")
    refused = client.post("/account/password", data={
        "csrf": csrf_of(page.text), "current": "not-it", "new": "a-fresh-pass-9", "again": "a-fresh-pass-9"})
    assert refused.status_code == 403 and "current password is wrong" in refused.text
    assert sign_in(TestClient(client.app), "tracer") == "/tracing/queue"


def test_a_deactivated_user_is_out_at_once_page_and_token_alike(client: TestClient, cast: Cast) -> None:
    headers = cast.headers("tracer")
    sign_in(client, "tracer")
    admin = TestClient(client.app)
    sign_in(admin, "admin")
    page = admin.get("/users")
    assert f'action="/users/{cast["tracer"].id}/active"' in page.text
    admin.post(f"/users/{cast['tracer'].id}/active", data={"csrf": csrf_of(page.text), "active": "0"})
    assert client.get("/persons", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    failed = TestClient(client.app)
    assert failed.post("/login", data={"username": "tracer", "password": password_for("tracer"),
                                       "csrf": csrf_of(failed.get("/login").text)}).status_code == 401


def test_a_revoked_token_stops_at_once(client: TestClient, cast: Cast) -> None:
    headers = cast.headers("sampler")
    [token] = client.get(f"/api/v1/users/{cast['sampler'].id}/tokens", headers=cast.headers("admin")).json()
    assert client.post(f"/api/v1/tokens/{token['id']}/revoke", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_another_users_token_is_the_administrators_to_revoke(client: TestClient, cast: Cast) -> None:
    cast.headers("sampler")
    [token] = client.get(f"/api/v1/users/{cast['sampler'].id}/tokens", headers=cast.headers("admin")).json()
    assert client.post(f"/api/v1/tokens/{token['id']}/revoke", headers=cast.headers("tracer")).status_code == 403


def test_failed_logins_lock_the_account_even_for_the_right_password(client: TestClient, cast: Cast,
                                                                    db: Session) -> None:
    for _ in range(PER_ACCOUNT):
        page = client.get("/login")
        assert client.post("/login", data={"username": "tracer", "password": "guess",
                                           "csrf": csrf_of(page.text)}).status_code == 401
    page = client.get("/login")
    locked = client.post("/login", data={"username": "tracer", "password": password_for("tracer"),
                                         "csrf": csrf_of(page.text)})
    assert locked.status_code == 429 and "15 分钟" in locked.text
    actions = _actions(db)
    assert actions.count("login_failed") == PER_ACCOUNT and actions.count("login_locked") == 1
    assert "login" not in actions
    assert sign_in(TestClient(client.app), "sampler") == "/screening"  # other accounts are not locked


def test_many_accounts_tried_from_one_address_lock_the_address(client: TestClient, cast: Cast) -> None:
    for n in range(PER_ADDRESS):
        page = client.get("/login")
        client.post("/login", data={"username": f"nobody-{n}", "password": "guess", "csrf": csrf_of(page.text)})
    page = client.get("/login")
    assert client.post("/login", data={"username": "sampler", "password": password_for("sampler"),
                                       "csrf": csrf_of(page.text)}).status_code == 429


@pytest.mark.parametrize("how", ["setting", "proxy"])
def test_cookies_are_secure_when_served_over_tls(client: TestClient, cast: Cast, monkeypatch: pytest.MonkeyPatch,
                                                 how: str) -> None:
    if how == "setting":
        monkeypatch.setenv("FANGYI_TLS", "1")
        browser = client
    else:
        browser = TestClient(client.app, base_url="https://fangyi.example")  # what the proxy's header gives
    page = browser.get("/login")
    answer = browser.post("/login", data={"username": "tracer", "password": password_for("tracer"),
                                          "csrf": csrf_of(page.text)}, follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # And the browser is told to come back over TLS only.
    assert page.headers["strict-transport-security"] == "max-age=15552000"
    assert answer.headers["strict-transport-security"] == "max-age=15552000"


def test_cookies_are_plain_over_plain_http(client: TestClient, cast: Cast) -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"username": "tracer", "password": password_for("tracer"),
                                         "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert "Secure" not in answer.headers["set-cookie"]
    assert "strict-transport-security" not in page.headers  # an HSTS over plain HTTP is ignored, and misleads
