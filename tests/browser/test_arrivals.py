"""Arrivals in phone-sized Chromium: the village doctor lands on today's list and records a visit and a
temperature in a tap each; the checkpoint registers a car of four in one form and sees each measure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.arrivals import service
from fangyi.db.session import session_scope
from fangyi.identity import make_id_number
from fangyi.timeutil import now
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import COUNTY, SHIJIN, password_for

pytestmark = pytest.mark.browser


def number(n: int) -> str:
    return make_id_number("420106", date(1990, 1, 1), n, "M" if n % 2 else "F")


def _seed() -> None:
    with session_scope() as session:
        accounts.create_user(session, SYSTEM, username="checkpoint", password=password_for("checkpoint"),
                             role="checkpoint", area_code=COUNTY)
        service.save_origin_risk(session, SYSTEM, area_code="420100", level="medium", valid_from=date(2022, 1, 1),
                                 valid_to=None)
        service.register_arrival(session, SYSTEM, id_number=number(1), name="刘返乡", origin="420106",
                                 arrived_at=now() - timedelta(days=2), staying_area_code=SHIJIN)


def test_the_village_doctors_day_on_a_phone(phone_page: Page, site: Site) -> None:
    _seed()
    page = phone_page
    sign_in(page, site, "village_doctor")
    assert page.url.endswith("/arrivals/day")  # a village doctor lands on the day's list
    visit = page.locator("li.open", has_text="首次上门")
    expect(visit).to_contain_text("刘返乡")
    visit.get_by_role("button", name="完成").click()
    expect(page.locator("li.done", has_text="首次上门")).to_contain_text("已完成")
    temperature = page.locator("li.open", has_text="测体温")
    temperature.get_by_label("体温 °C").fill("45")
    temperature.get_by_role("button", name="记录").click()
    expect(page.locator("p.alert")).to_contain_text("请重新测量")
    page.locator("li.open", has_text="测体温").get_by_label("体温 °C").fill("36.6")
    page.locator("li.open", has_text="测体温").get_by_role("button", name="记录").click()
    expect(page.locator("li", has_text="测体温")).to_contain_text("1/2")
    assert no_horizontal_overflow(page)


def test_a_car_of_four_at_the_checkpoint(phone_page: Page, site: Site) -> None:
    _seed()
    page = phone_page
    sign_in(page, site, "checkpoint")
    assert page.url.endswith("/arrivals/checkpoint")
    page.get_by_label("车牌号").fill("鄂A12345")
    page.get_by_label("来源地").fill("420106")
    page.get_by_label("居住地").fill(SHIJIN)
    page.get_by_label("身份证号").fill("\n".join(f"{number(n)} 乘客{n}" for n in (11, 12, 13, 14)))
    page.get_by_role("button", name="登记本车人员").click()
    registered = page.locator("#registered li")
    expect(registered).to_have_count(4)
    for n in (11, 12, 13, 14):
        expect(page.locator("#registered")).to_contain_text(f"乘客{n}")
    expect(page.locator("#registered")).to_contain_text("居家健康监测")
    assert no_horizontal_overflow(page)
