"""A phone passed from one user to the next: signing out tells the browser to forget the pages the
village line kept for offline use and the entries still waiting (Clear-Site-Data); another user
signing in on it gets the same; the same user signing in again keeps what waits to be sent."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fangyi.auth.security import SESSION_COOKIE
from tests.conftest import Cast, password_for
from tests.web.conftest import csrf_of

ALL = '"cache", "storage"'


def _post_login(client: TestClient, username: str) -> dict[str, str]:
    page = client.get("/login", follow_redirects=False)
    assert page.status_code == 200
    assert page.headers["Clear-Site-Data"] == '"cache"'  # the login page: the HTTP cache only
    answer = client.post("/login", data={"username": username, "password": password_for(username),
                                         "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    return dict(answer.headers)


def _logout(client: TestClient) -> dict[str, str]:
    token = csrf_of(client.get("/account").text)
    answer = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    return dict(answer.headers)


def test_signing_out_and_another_user_signing_in_clear_the_phone(client: TestClient, cast: Cast) -> None:
    # A browser never signed in here: whatever it holds is nobody's it may keep.
    assert _post_login(client, "village_doctor")["clear-site-data"] == ALL
    assert _logout(client)["clear-site-data"] == ALL
    # The same doctor again (a session that ran out, say): the entries waiting on the phone stay.
    assert _post_login(client, "village_doctor")["clear-site-data"] == '"cache"'
    # Someone else on the same phone, even without signing out first: all of it goes.
    client.cookies.delete(SESSION_COOKIE)  # the doctor's session ran out on the phone
    assert _post_login(client, "checkpoint")["clear-site-data"] == ALL
    assert _logout(client)["clear-site-data"] == ALL
    assert _post_login(client, "checkpoint")["clear-site-data"] == '"cache"'


def test_a_failed_sign_in_clears_nothing_but_the_cache(client: TestClient, cast: Cast) -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"username": "village_doctor", "password": "wrong-password",
                                         "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["Clear-Site-Data"] == '"cache"'
