"""The fever sentinels' page in phone-sized Chromium: the village doctor reports someone with a fever
while the network is down; a reading no person gives is asked again on the phone; the report waits
in the outbox with its count shown, and once the network returns it is on the server exactly once,
and on the list of people to watch with the test it asks for."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from fangyi.arrivals.models import ArrivalEntry
from fangyi.arrivals.sentinel_models import SentinelReport
from fangyi.db.session import session_scope
from fangyi.screening.models import Control
from tests.browser.conftest import Site
from tests.browser.test_arrivals import number
from tests.browser.test_arrivals_offline import back_online
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def _count(model: type, *where: object) -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_the_village_doctor_reports_a_fever_offline_and_it_goes_up_once(phone_page: Page, site: Site) -> None:
    page = phone_page
    sign_in(page, site, "village_doctor")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.goto(f"{site.url}/arrivals/sentinels")  # through the service worker: its copy is kept
    expect(page.locator("#outbox-count")).to_have_text("0")
    page.context.set_offline(True)
    page.reload()  # the page opens from the service worker's copy
    expect(page.locator("h1")).to_contain_text("预检分诊")
    page.get_by_label("身份证号").fill(number(41))
    page.get_by_label("姓名").fill("发热村民")
    page.get_by_label("咳嗽").check()
    page.get_by_label("体温 °C").fill("45")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("#outbox-alert")).to_contain_text("请重新测量")
    expect(page.locator("#outbox-count")).to_have_text("0")
    page.get_by_label("体温 °C").fill("38.6")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("#outbox-count")).to_have_text("1")
    assert no_horizontal_overflow(page)
    assert _count(SentinelReport) == 0

    back_online(page)
    expect(page.locator("#outbox-count")).to_have_text("0")
    expect(page.locator("#watch")).to_contain_text("发热村民")  # reloaded: the server's own list
    expect(page.locator("#watch")).to_contain_text("待采样")
    assert _count(SentinelReport) == 1 and _count(ArrivalEntry, ArrivalEntry.kind == "sentinel") == 1
    assert _count(Control, Control.reason == "fever") == 1
    with session_scope() as session:
        report = session.scalars(select(SentinelReport)).one()
        assert report.symptoms == ["fever", "cough"] and report.temperature == 38.6
        assert (report.due_at - report.reported_at).total_seconds() == 24 * 3600
