"""A live server on a committed database, and headless Chromium to drive it.

Chromium is the system's (/usr/bin/chromium); nothing is ever downloaded. When
it is missing the browser tests are skipped, unless FANGYI_TEST_REQUIRE_BROWSER=1
(as in CI), when that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from fangyi.access import SYSTEM, Role
from fangyi.accounts import service as accounts
from fangyi.db.session import session_scope
from fangyi.identity import make_id_number
from fangyi.registry.persons import clean_person, save_person
from tests.conftest import CHENGGUAN, JURISDICTION, SHIJIN, add_areas, password_for
from tests.live import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
ROLES = ("admin", "tracer", "village_doctor", "commander")


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"headless Chromium not found at {CHROMIUM}"
    if os.environ.get("FANGYI_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A page can take seconds on a shared CI machine under load: assertions wait up to 15 s (not 5) for
# what a person would wait for too.
expect.set_options(timeout=15_000)


@dataclass
class Site:
    url: str
    ids: dict[str, int] = field(default_factory=dict)  # person name -> id
    id_numbers: dict[str, str] = field(default_factory=dict)


def _seed() -> tuple[dict[str, int], dict[str, str]]:
    """Areas, users and three persons, committed through the services as a real deployment would be."""
    with session_scope() as session:
        add_areas(session)
        users = {
            role: accounts.create_user(session, SYSTEM, username=role, password=password_for(role), role=role,
                                           area_code=JURISDICTION[Role(role)])
            for role in ROLES
        }
        persons = {}
        for seq, (name, area, phone) in enumerate(
            [("张三", SHIJIN, "13800001234"), ("李四", SHIJIN, "13900005678"), ("王五", CHENGGUAN, "13700009999")],
            start=1,
        ):
            number = make_id_number("430424", date(1980, 5, 1), seq, "M")
            fields = clean_person({"id_number": number, "name": name, "phone": phone, "area_code": area})
            persons[name] = save_person(session, users["admin"], fields)
        session.flush()
        return {n: p.id for n, p in persons.items()}, {n: p.id_number for n, p in persons.items()}


@pytest.fixture
def site(committed_db: str) -> Iterator[Site]:
    _require_chromium()
    ids, numbers = _seed()
    with live_server() as base:
        yield Site(base, ids, numbers)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
