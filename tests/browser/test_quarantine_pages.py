"""Quarantine in Chromium: the command office allocates a batch, the site manager records a fever check
and sees the alert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.db.session import session_scope
from fangyi.quarantine import placing
from fangyi.quarantine.models import QuarantineSite, Room
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import sign_in
from tests.conftest import COUNTY, MISHUI, password_for

pytestmark = pytest.mark.browser


def test_allocate_a_batch_then_a_fever_check_raises_the_alert(desk_page: Page, phone_page: Page,
                                                              site: Site) -> None:
    with session_scope() as session:
        office = accounts.create_user(session, SYSTEM, username="command_office",
                                          password=password_for("command_office"), role="command_office",
                                          area_code=COUNTY)
        accounts.create_user(session, SYSTEM, username="site_manager", password=password_for("site_manager"),
                                 role="site_manager", area_code=MISHUI)
        quarantine_site = QuarantineSite(code="GL-B", name="洣水宾馆", area_code=MISHUI)
        session.add(quarantine_site)
        session.flush()
        session.add_all([Room(site_id=quarantine_site.id, room=str(n), beds=1) for n in (201, 202, 203)])
        exposure = datetime(2022, 3, 27, 5, 10, tzinfo=UTC)
        for name in ("张三", "李四"):
            placing.create_request(session, office, person_id=site.ids[name], category="close_contact",
                                   reason="密接", last_exposure=exposure)

    page = desk_page
    sign_in(page, site, "command_office")
    page.goto(f"{site.url}/quarantine/allocate")
    expect(page.locator("#requests tbody tr")).to_have_count(2)
    page.get_by_role("button", name="安置所选人员").click()
    expect(page.get_by_role("status")).to_have_text("已安置 2 人，生成转运任务 2 个")
    expect(page.locator("#transports li")).to_have_count(2)
    expect(page.locator("#requests")).to_have_count(0)

    page = phone_page
    sign_in(page, site, "site_manager")
    assert page.url.endswith("/quarantine/sites")
    page.get_by_role("link", name="GL-B 洣水宾馆").click()
    expect(page.locator("#rooms")).to_contain_text("张三")
    expect(page.locator("#alerts")).to_contain_text("暂无预警")
    page.get_by_label("人员").select_option(label="201 · 张三")
    page.get_by_label("体温（℃）").fill("38.5")
    page.get_by_label("症状").fill("咳嗽")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").first).to_contain_text("发热预警：张三 38.5℃")
    expect(page.locator("#alerts")).to_contain_text("发热")
    expect(page.locator("#alerts")).to_contain_text("38.5℃")
