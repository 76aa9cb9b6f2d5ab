"""The sampling point's page in Chromium, driven the way a keyboard-wedge scanner does: type, then Enter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.db.session import session_scope
from fangyi.screening.models import Sample, Tube
from fangyi.screening.setup import RoundFields, create_point, create_round
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import COUNTY, SHIJIN, password_for

pytestmark = pytest.mark.browser


def test_typed_barcodes_fill_a_tube_with_a_refusal_among_them(phone_page: Page, site: Site) -> None:
    with session_scope() as session:
        accounts.create_user(session, SYSTEM, username="sampler", password=password_for("sampler"),
                                 role="sampler", area_code=COUNTY)
        start = datetime.now(UTC) - timedelta(hours=1)
        create_round(session, SYSTEM, RoundFields("R-B", "浏览器轮次", [COUNTY], start, pool_size=5))
        create_point(session, SYSTEM, code="P-B", name="石金村采样点", area_code=SHIJIN)
    page = phone_page
    sign_in(page, site, "sampler")
    page.goto(f"{site.url}/screening/points/P-B/scan")
    scan = page.get_by_label("扫码（采样管条码或身份证号）")
    expect(scan).to_be_focused()
    feedback = page.locator("#feedback")

    scan.type("T7000001")
    scan.press("Enter")
    expect(feedback).to_have_text("已开管 T7000001（5 人管），请扫人员")
    scan.type(site.id_numbers["张三"])
    scan.press("Enter")
    expect(feedback).to_have_text("张三 已入管 T7000001（1/5）")
    expect(feedback).to_have_class("ok")

    good = site.id_numbers["李四"]
    scan.type(good[:-1] + ("0" if good[-1] != "0" else "1"))
    scan.press("Enter")
    expect(feedback).to_contain_text("身份证号有误")
    expect(feedback).to_have_class("refused")
    expect(scan).to_have_value("")
    expect(scan).to_be_focused()

    scan.type(good)
    scan.press("Enter")
    expect(feedback).to_have_text("李四 已入管 T7000001（2/5）")
    expect(page.locator("#current-tube")).to_have_text("T7000001 (2/5)")
    page.get_by_role("button", name="封管").click()
    expect(feedback).to_have_text("已封管 T7000001（2 人）")
    expect(page.locator("#per-hour")).to_have_text("5")
    assert no_horizontal_overflow(page)

    with session_scope() as session:
        assert session.scalar(select(Tube.state).where(Tube.barcode == "T7000001")) == "closed"
        assert session.scalar(select(func.count()).select_from(Sample)) == 2
