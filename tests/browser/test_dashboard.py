"""The commander's dashboard in Chromium: the commander lands on it, on a phone and on a desk, and
sees the epidemic curve, the map of the county with the zone in force, the chain of the two cases,
and the clocks, in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from fangyi.access import SYSTEM
from fangyi.db.session import session_scope
from fangyi.registry.models import Area, Person
from fangyi.timeutil import now
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.zones.models import Zone
from tests.browser.conftest import PHONE, Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import CHENGGUAN, MISHUI, SHIJIN, SHITAN

pytestmark = pytest.mark.browser

PLACES = {SHITAN: (26.97, 113.08), MISHUI: (27.083, 112.95), SHIJIN: (26.98, 113.07), CHENGGUAN: (27.085, 112.952)}


def _outbreak(site: Site) -> None:
    with session_scope() as session:
        for code, (lat, lon) in PLACES.items():
            session.execute(update(Area).where(Area.code == code).values(lat=lat, lon=lon))
        person = session.get(Person, site.ids["张三"])
        assert person is not None
        confirmed = now() - timedelta(hours=5)
        create_case(session, SYSTEM, CaseFields("HD-2022-001", person.id_number, "confirmed", None,
                                                confirmed - timedelta(hours=5), confirmed, "local"))
        # 李四 caught it from 张三, as the investigation found: the two are a cluster.
        other = session.get(Person, site.ids["李四"])
        assert other is not None
        create_case(session, SYSTEM, CaseFields("HD-2022-002", other.id_number, "confirmed", None,
                                                confirmed - timedelta(hours=2), confirmed + timedelta(hours=2),
                                                "local", infected_by="HD-2022-001"))
        # The commander approved the sealed zone: in force now.
        sealed = session.scalar(select(Zone).where(Zone.kind == "sealed"))
        assert sealed is not None
        sealed.state, sealed.approved_at, sealed.approved_by, sealed.kind_since = "active", now(), "commander", now()


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_commander_lands_on_the_dashboard_and_sees_curve_map_and_clocks(browser: Browser, site: Site,
                                                                             size: str) -> None:
    _outbreak(site)
    viewport = PHONE if size == "phone" else {"width": 1366, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=size == "phone",
                                  has_touch=size == "phone")
    page = context.new_page()
    try:
        sign_in(page, site, "commander")
        assert page.evaluate("location.pathname") == "/command"
        expect(page.locator("main h1")).to_have_text("指挥看板")
        # Plotly drew both charts from the package's own copy: the curve's bar and the map's markers.
        expect(page.locator("#epi-chart .main-svg").first).to_be_visible()
        # Stacked bars list the top one first.
        expect(page.locator("#epi-chart .legendtext")).to_contain_text(["输入确诊", "本土确诊"])
        expect(page.locator("#map-chart .main-svg").first).to_be_visible()
        expect(page.locator("#map-chart .legendtext")).to_contain_text(["乡镇", "封控区"])
        expect(page.locator("#map-chart .scatterlayer .point")).not_to_have_count(0)
        expect(page.locator("#map")).to_contain_text("在管区域 1 处")
        # The case's clocks: 5 h after its positive result, not yet in hospital.
        expect(page.locator("#clocks")).to_contain_text("HD-2022-001")
        expect(page.locator("#breaches")).to_contain_text("转运入院：已超时")
        expect(page.locator("#figures-cases")).to_contain_text("今日新增病例")
        # The chain: both cases drawn in one band, the link between them, and the cluster's row.
        expect(page.locator("#chains-chart .main-svg").first).to_be_visible()
        expect(page.locator("#chains-chart .legendtext")).to_contain_text(["感染来源", "本土病例"])
        expect(page.locator("#chains-chart .scatterlayer .point")).to_have_count(2)
        row = page.locator('#chains tr[data-cluster="HD-2022-001"]')
        expect(row).to_contain_text("HD-2022-001")
        expect(row).to_contain_text("2")
        assert no_horizontal_overflow(page)
    finally:
        context.close()
