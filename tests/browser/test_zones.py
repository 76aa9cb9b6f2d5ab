"""Zones in Chromium, on a phone: a case proposes its zones; the commander approves the sealed zone,
later lifts it (early, with a written reason) and reads the Chinese notices; a tracer sees the zone
but no approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.db.session import session_scope
from fangyi.registry.models import Person
from fangyi.timeutil import now
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.zones.models import Zone
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def test_a_commander_approves_then_lifts_and_reads_the_notice(phone_page: Page, site: Site) -> None:
    with session_scope() as session:
        person = session.get(Person, site.ids["张三"])
        assert person is not None
        confirmed = now() - timedelta(days=2)
        create_case(session, SYSTEM, CaseFields("HD-2022-001", person.id_number, "confirmed", None,
                                                confirmed - timedelta(hours=5), confirmed, "imported"))
        sealed = session.scalar(select(Zone.id).where(Zone.kind == "sealed"))
    assert sealed is not None

    page = phone_page
    sign_in(page, site, "tracer")
    page.goto(f"{site.url}/zones/{sealed}")
    expect(page.locator("h1")).to_contain_text("封控区")
    expect(page.get_by_role("button", name="批准", exact=True)).to_have_count(0)
    page.context.clear_cookies()

    sign_in(page, site, "commander")
    page.goto(f"{site.url}/zones")
    expect(page.locator("#waiting")).to_contain_text("封控区")
    assert no_horizontal_overflow(page)
    page.locator("#waiting").get_by_role("link", name=f"#{sealed} 封控区").click()
    areas = page.locator("input[name=areas]").input_value()
    assert "石金村" in areas and not any(ch.isdigit() for ch in areas)  # names, not codes
    page.get_by_role("button", name="批准", exact=True).click()
    expect(page.locator("h1")).to_contain_text("生效")
    expect(page.locator("#timeline")).to_contain_text("批准生效")
    page.get_by_role("link", name="公告").click()
    expect(page.locator("#notice")).to_contain_text("关于划定封控区的通告")
    expect(page.locator("#notice")).to_contain_text("石金村")

    page.goto(f"{site.url}/zones/{sealed}")
    page.get_by_role("button", name="解除").click()
    expect(page.get_by_role("alert")).to_contain_text("override")  # the criteria do not hold yet
    page.get_by_label("提前解除理由（条件未满足时必填）").fill("经指挥部会商，提前解除")
    page.get_by_role("button", name="解除").click()
    expect(page.locator("h1")).to_contain_text("已解除")
    expect(page.locator("#timeline")).to_contain_text("经指挥部会商，提前解除")
    page.get_by_role("link", name="公告").click()
    expect(page.locator("#notice")).to_contain_text("关于解除石滩乡石金村封控区的通告")
    assert no_horizontal_overflow(page)
