"""Tracing in Chromium on a phone: a tracer opens the queue, confirms a contact, logs a failed call and
sees the counts move; the case page draws the chain graph with the local Plotly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from fangyi.access import SYSTEM
from fangyi.config import get_settings
from fangyi.db.session import session_scope
from fangyi.registry.models import Checkin, Venue
from fangyi.tracing.cases import clean_case, create_case
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import SHITAN

pytestmark = pytest.mark.browser


def _seed_case(site: Site) -> None:
    """张三 is the case; 李四 and 王五 ate at the same restaurant with him."""
    with session_scope() as session:
        venue = Venue(code="R-1", name="石滩饭店", kind="restaurant", area_code=SHITAN)
        session.add(venue)
        session.flush()
        start = int(datetime(2022, 3, 27, 4, 0, tzinfo=UTC).timestamp())
        for name in ("张三", "李四", "王五"):
            session.add(Checkin(person_id=site.ids[name], venue_id=venue.id, in_at=start, out_at=start + 3600))
        session.flush()
        row = {"case_no": "HD-2022-001", "id_number": site.id_numbers["张三"], "classification": "confirmed",
               "onset_date": "2022-03-28", "sampled_at": "2022-03-29T08:00:00+08:00",
               "confirmed_at": "2022-03-30T10:00:00+08:00", "source": "imported", "origin": "上海"}
        create_case(session, SYSTEM, clean_case(row, get_settings().tz))


def test_tracer_confirms_logs_a_failed_call_and_sees_the_counts_move(phone_page: Page, site: Site) -> None:
    _seed_case(site)
    page = phone_page
    sign_in(page, site, "tracer")
    assert page.url.endswith("/tracing/queue")
    case_counts = page.locator("#counts-case-1")
    expect(case_counts.locator('[data-count="derived"]')).to_have_text("2")
    expect(case_counts.locator('[data-count="confirmed"]')).to_have_text("0")
    card = page.locator("article.contact", has_text="李四")
    card.get_by_role("button", name="确认").click()
    expect(page.get_by_role("status")).to_have_text("已确认")
    expect(case_counts.locator('[data-count="confirmed"]')).to_have_text("1")
    expect(case_counts.locator('[data-count="unreached"]')).to_have_text("1")
    expect(page.locator("#counts-today").locator('[data-count="confirmed"]')).to_have_text("1")

    card = page.locator("article.contact", has_text="李四")
    card.get_by_label("联系结果").select_option(label="无人接听")
    card.get_by_role("button", name="记录联系").click()
    expect(page.get_by_role("status")).to_have_text("联系已记录")
    expect(page.locator("article.contact", has_text="李四").locator(".attempts")).to_contain_text("无人接听")
    expect(case_counts.locator('[data-count="reached"]')).to_have_text("0")
    assert no_horizontal_overflow(page)

    card = page.locator("article.contact", has_text="李四")
    card.get_by_label("联系结果").select_option(label="已联系上")
    card.get_by_role("button", name="记录联系").click()
    expect(case_counts.locator('[data-count="reached"]')).to_have_text("1")
    expect(case_counts.locator('[data-count="unreached"]')).to_have_text("0")

    page.get_by_role("link", name="HD-2022-001").first.click()
    expect(page.locator("h1")).to_contain_text("HD-2022-001")
    # Plotly drew the chain: its own container and an svg inside the div.
    expect(page.locator("#chain .plot-container")).to_have_count(1)
    expect(page.locator("#chain svg.main-svg").first).to_be_visible()
    expect(page.locator("#close tbody tr")).to_have_count(2)
    assert no_horizontal_overflow(page)
    page.locator("#report-link").click()
    expect(page.locator("h1")).to_have_text("HD-2022-001 流行病学调查报告")
    expect(page.locator("#open")).to_contain_text("待核实的接触者：1 人")


def test_the_tracer_adds_a_place_by_its_name_from_the_completion_list(phone_page: Page, site: Site) -> None:
    _seed_case(site)
    page = phone_page
    sign_in(page, site, "tracer")
    page.goto(f"{site.url}/tracing/cases/HD-2022-001#investigation")
    field = page.locator("input[name=venue]")
    field.fill("石滩")
    # The list fills from the venues of the tracer's jurisdiction as they type.
    expect(page.locator("#venue-list option")).to_have_count(1)
    assert page.locator("#venue-list option").first.get_attribute("value") == "石滩饭店（R-1）"
    field.fill("石滩饭店（R-1）")
    page.locator("input[name=start_at]").fill("2022-03-27T12:00")
    page.locator("input[name=end_at]").fill("2022-03-27T13:00")
    page.get_by_role("button", name="添加地点").click()
    expect(page.locator("#places")).to_contain_text("石滩饭店")
    expect(page.locator("#places")).to_contain_text("R-1")
