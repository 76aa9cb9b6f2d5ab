"""Signing in and out, landing pages, CSRF, language, and error pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fangyi.access import Role
from fangyi.parts import installed
from tests.conftest import Cast
from tests.web.conftest import csrf_of, sign_in


def test_root_sends_a_stranger_to_the_login_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_a_page_asks_a_stranger_to_sign_in_and_returns_there(client: TestClient, cast: Cast) -> None:
    response = client.get("/persons", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/persons"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/persons"' in page.text
    assert sign_in(client, "tracer", next_url="/persons") == "/persons"


def test_the_way_back_after_sign_in_keeps_the_query_and_never_leaves_the_site(client: TestClient,
                                                                               cast: Cast) -> None:
    response = client.get("/persons?q=刘&page=2", follow_redirects=False)
    # The address as the browser sent it (刘 percent-encoded), encoded once more as a value.
    assert response.headers["location"] == "/login?next=/persons%3Fq%3D%25E5%2588%2598%26page%3D2"
    page = client.get(response.headers["location"])
    assert 'name="next" value="/persons?q=%E5%88%98&amp;page=2"' in page.text
    assert sign_in(client, "tracer", next_url="/persons?q=刘&page=2") == "/persons?q=%E5%88%98&page=2"
    client.cookies.clear()
    assert sign_in(client, "tracer", next_url="//evil.example/x") == "/tracing/queue"


def test_login_page_is_chinese_with_a_csrf_field(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "用户名" in page.text and "密码" in page.text
    assert csrf_of(page.text)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_page(client: TestClient, cast: Cast, role: Role) -> None:
    assert sign_in(client, role.value) == installed().landing[role]
    page = client.get(installed().landing[role])
    assert page.status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == installed().landing[role]


def test_the_session_cookie_is_httponly_and_samesite(client: TestClient, cast: Cast) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "tracer", "password": "tracer-pass-2022", "csrf": token},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "fangyi_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_wrong_password_keeps_the_username_and_says_why(client: TestClient, cast: Cast) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "tracer", "password": "nope", "csrf": token})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert 'value="tracer"' in response.text
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_login_without_the_csrf_token_is_refused(client: TestClient, cast: Cast) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "tracer", "password": "tracer-pass-2022", "csrf": "forged"})
    assert response.status_code == 403
    assert "页面已过期" in response.text
    assert 'value="tracer"' in response.text


def test_a_form_post_without_csrf_is_refused(login: Callable[[str], TestClient]) -> None:
    client = login("tracer")
    response = client.post("/logout", data={"csrf": "forged"})
    assert response.status_code == 403
    assert client.get("/account").status_code == 200  # still signed in


def test_logout_ends_the_session(login: Callable[[str], TestClient]) -> None:
    client = login("tracer")
    token = csrf_of(client.get("/account").text)
    response = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_account_shows_role_and_jurisdiction(login: Callable[[str], TestClient]) -> None:
    page = login("village_doctor").get("/account").text
    assert "乡村医生" in page
    assert "石滩乡" in page and "430424101000" in page


def test_language_switch_changes_the_words_and_returns_to_the_page(login: Callable[[str], TestClient]) -> None:
    client = login("admin")
    assert "我的账户" in client.get("/account").text
    response = client.get("/lang/en?next=/account", follow_redirects=False)
    assert response.headers["location"] == "/account"
    page = client.get("/account").text
    assert '<html lang="en">' in page
    assert "My account" in page and "Administrator" in page
    assert "我的账户" not in page
    client.get("/lang/zh?next=/account")
    assert "我的账户" in client.get("/account").text


def test_language_switch_will_not_send_the_browser_elsewhere(client: TestClient) -> None:
    response = client.get("/lang/en?next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_unknown_page_is_a_404_page_in_the_layout(login: Callable[[str], TestClient]) -> None:
    response = login("tracer").get("/no/such/page")
    assert response.status_code == 404
    assert "出错了" in response.text and "返回首页" in response.text
    assert 'id="lang-switch"' in response.text
    assert "Traceback" not in response.text


def test_a_missing_record_is_a_404_page_with_the_menu(login: Callable[[str], TestClient]) -> None:
    response = login("tracer").get("/persons/999999")
    assert response.status_code == 404
    assert "未找到，或不在您的管辖范围内" in response.text
    assert 'href="/persons"' in response.text


def test_a_role_without_the_permission_gets_a_403_page(login: Callable[[str], TestClient]) -> None:
    response = login("driver").get("/persons")
    assert response.status_code == 403
    assert "您的角色无权进行此操作" in response.text
