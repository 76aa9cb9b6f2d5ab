"""Page tests sign in the way a person does: the login form, its CSRF field, the cookie."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Cast, password_for

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None, next_url: str = "") -> str:
    """Post the login form as a browser would; returns where the app sent us."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password or password_for(username), "csrf": token,
              "next": next_url},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


@pytest.fixture
def login(client: TestClient, cast: Cast) -> Callable[[str], TestClient]:
    def as_role(role: str) -> TestClient:
        client.cookies.clear()
        sign_in(client, role)
        return client

    return as_role
