"""Setting a round up in Chromium on a phone: the advice for a typed prevalence, then the round itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fangyi.db.session import session_scope
from fangyi.screening.models import ScreeningRound
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import SHITAN

pytestmark = pytest.mark.browser


def test_set_up_a_round_with_the_pool_size_advice(phone_page: Page, site: Site) -> None:
    page = phone_page
    sign_in(page, site, "admin")
    page.goto(f"{site.url}/screening")
    page.get_by_role("link", name="新建轮次与采样点").click()
    expect(page.locator("h1")).to_have_text("新建检测轮次")
    page.get_by_label("轮次编号").fill("R-BR")
    page.get_by_label("轮次名称").fill("浏览器全员核酸")
    page.get_by_label("检测区域（可多选）").select_option([SHITAN])
    page.get_by_label("开始时间").fill("2022-04-05T08:00")
    page.get_by_label("估计阳性率").fill("5%")
    page.get_by_role("button", name="计算建议").click()
    expect(page.locator("#advice")).to_contain_text("建议 5 人一管（每人平均 0.426 次检测）")
    expect(page.get_by_label("混采人数")).to_have_value("5")
    expect(page.get_by_label("轮次名称")).to_have_value("浏览器全员核酸")  # nothing typed was lost
    assert no_horizontal_overflow(page)
    page.get_by_role("button", name="创建轮次").click()
    page.wait_for_url(f"{site.url}/screening/rounds/R-BR")
    expect(page.locator("h1")).to_contain_text("浏览器全员核酸")
    with session_scope() as session:
        found = session.scalar(select(ScreeningRound).where(ScreeningRound.code == "R-BR"))
        assert found is not None and found.pool_size == 5 and found.area_codes == [SHITAN]
