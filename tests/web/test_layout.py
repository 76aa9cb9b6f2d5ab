"""The layout every page shares: its words in both languages, its menu, its error pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangyi.access import Role
from fangyi.parts import installed
from fangyi.registry.models import AREA_LEVELS, VENUE_KINDS
from fangyi.registry.persons import merge_persons
from fangyi.web.render import TEMPLATES
from tests.conftest import Cast
from tests.web.conftest import People

Login = Callable[[str], TestClient]

LITERAL_KEY = re.compile(r"\bt\('([a-z0-9_.]+)'\s*[),]")


def test_every_word_a_template_asks_for_exists_in_chinese_and_english() -> None:
    folders = [TEMPLATES, *installed().templates]
    pages = [path for folder in folders for path in folder.rglob("*.html")]
    keys = {key for path in pages for key in LITERAL_KEY.findall(path.read_text())}
    keys |= {f"role.{role}" for role in Role} | {f"venue.kind.{kind}" for kind in VENUE_KINDS}
    keys |= {f"level.{level}" for level in AREA_LEVELS}
    assert len(keys) > 50
    words = installed().words
    missing = sorted(key for key in keys if key not in words or not all(words[key]))
    assert missing == []


def test_menu_shows_only_what_the_role_may_open(login: Login, cast: Cast) -> None:
    page = login("lab").get("/imports").text
    assert 'href="/imports"' in page and 'href="/report"' not in page
    page = login("commander").get("/report").text
    assert 'href="/report"' in page and 'href="/imports"' not in page


def test_language_switch_returns_to_the_same_search(login: Login, people: People) -> None:
    client = login("commander")
    page = client.get("/persons", params={"q": "张三"}).text
    link = re.search(r'id="lang-switch"[^>]*href="([^"]+)"', page)
    assert link and link.group(1).startswith("/lang/en?next=/persons%3Fq%3D")
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert "Find a person" in response.text and 'value="张三"' in response.text


def test_language_switch_after_a_form_post_goes_to_a_page_that_exists(login: Login, people: People) -> None:
    client = login("tracer")
    page = client.get(f"/persons/{people.zhang.id}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    revealed = client.post(f"/persons/{people.zhang.id}/reveal", data={"csrf": token.group(1)}).text
    assert f'href="/lang/en?next=/persons/{people.zhang.id}"' in revealed


def test_an_unexpected_failure_is_a_500_page_without_a_traceback(
    login: Login, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login("tracer")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("fangyi.registry.pages.search_persons", broken)
    response = client.get("/persons")
    assert response.status_code == 500
    assert "系统内部错误" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_person_page_shows_its_merge_history(login: Login, people: People, cast: Cast, db: Session) -> None:
    merge_persons(db, cast["admin"], survivor_id=people.zhang.id, merged_id=people.li.id, reason="同一人两次登记")
    db.flush()
    page = login("commander").get(f"/persons/{people.zhang.id}").text
    assert "合并记录" in page and "合并自" in page and "同一人两次登记" in page
    assert f'href="/persons/{people.li.id}"' in page
    page = login("commander").get(f"/persons/{people.li.id}").text
    assert "并入" in page and f'href="/persons/{people.zhang.id}"' in page


def test_the_menu_folds_into_one_button_and_marks_the_page_open(login: Login, cast: Cast) -> None:
    page = login("commander").get("/report").text
    menu = re.search(r'<details class="menu">\s*<summary>菜单</summary>(.*?)</details>', page, re.S)
    assert menu, "the menu is not a details element with its button"
    assert '<a href="/report" aria-current="page">' in menu.group(1)
    assert 'action="/logout"' in menu.group(1)
    assert 'id="lang-switch"' not in menu.group(1)  # the language switch stays in the bar


def test_a_signed_out_page_has_no_menu(client: TestClient, cast: Cast) -> None:
    page = client.get("/login").text
    assert 'class="menu"' not in page and 'id="lang-switch"' in page


def test_input_hints_reach_the_browser_unescaped(client: TestClient, cast: Cast) -> None:
    page = client.get("/login").text
    assert 'autocomplete="username" autocapitalize="none"' in page
    assert 'autocomplete="current-password"' in page
    assert "&#34;" not in page and "&quot;" not in page
