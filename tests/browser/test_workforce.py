"""Workforce in Chromium: the command office sees a post short of people now, assigns a person by
phone and the post turns covered; that person checks in for the shift on a phone-sized page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.db.session import session_scope
from fangyi.workforce import service
from fangyi.workforce.rules import rules
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import COUNTY, SHIJIN, SHITAN, password_for

pytestmark = pytest.mark.browser


def _seed() -> None:
    with session_scope() as session:
        accounts.create_user(session, SYSTEM, username="command_office", password=password_for("command_office"),
                             role="command_office", area_code=COUNTY)
        sampler = accounts.create_user(session, SYSTEM, username="sampler", password=password_for("sampler"),
                                       role="sampler", area_code=SHITAN)
        service.create_institution(session, SYSTEM, code="STWSY", name="石滩乡卫生院", kind="township_health_centre",
                                   area_code=SHITAN)
        service.create_staff(session, SYSTEM, name="陈小燕", phone="13811112222", institution="STWSY",
                             qualifications="sampler nurse", user_id=sampler.id)
        service.create_post(session, SYSTEM, code="CYD-01", name="石金村采样点", kind="sampling_point",
                            area_code=SHIJIN, needs={code: {"sampler": 1} for code in rules().codes})


def test_the_office_covers_a_post_and_the_person_checks_in_on_a_phone(desk_page: Page, phone_page: Page,
                                                                      site: Site) -> None:
    _seed()
    page = desk_page
    sign_in(page, site, "command_office")
    page.goto(f"{site.url}/workforce")
    short_now = page.locator("#short-now")
    expect(short_now).to_contain_text("石金村采样点")
    expect(short_now).to_contain_text("采样 1")
    row = short_now.locator("tr.short", has_text="石金村采样点")
    row.get_by_label("手机号").fill("13811112222")
    row.get_by_role("button", name="安排").click()
    expect(page.locator("#on-duty")).to_contain_text("陈小燕")
    expect(page.locator("#short-now")).not_to_contain_text("石金村采样点")
    expect(page.locator("#on-duty")).to_contain_text("未签到")

    phone = phone_page
    sign_in(phone, site, "sampler")
    phone.goto(f"{site.url}/workforce/me")
    shift = phone.locator("li.shift").first
    expect(shift).to_contain_text("石金村采样点")
    shift.get_by_role("button", name="签到").click()
    expect(phone.locator("li.shift").first).to_contain_text("已签到")
    assert no_horizontal_overflow(phone)

    page.goto(f"{site.url}/workforce")
    expect(page.locator("#on-duty")).to_contain_text("已签到")
