"""Transport in Chromium, on a phone: the dispatcher lands on the board, asks for a suggestion and
accepts it; the driver lands on the phone page and takes the trip through arrived, picked up and
delivered, then disinfects; the site manager confirms the arrival, which closes the loop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from fangyi.access import SYSTEM, Role
from fangyi.accounts import service as accounts
from fangyi.db.session import session_scope
from fangyi.quarantine import placing
from fangyi.registry.models import Area
from fangyi.transport.models import Task
from tests.browser.conftest import Site
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import JURISDICTION, password_for
from tests.quarantine.world import add_site, local
from tests.transport.world import POINTS, add_vehicle

pytestmark = pytest.mark.browser


def test_the_dispatcher_accepts_and_the_driver_takes_the_trip_through(phone_page: Page, site: Site) -> None:
    with session_scope() as session:
        for role in ("dispatcher", "driver", "site_manager"):
            accounts.create_user(session, SYSTEM, username=role, password=password_for(role), role=role,
                                 area_code=JURISDICTION[Role(role)])
        for code, (lat, lon) in POINTS.items():
            area = session.get(Area, code)
            assert area is not None
            area.lat, area.lon = lat, lon
        add_site(session, "GL-01", rooms=2, beds=1, lat=27.29, lon=113.09)
        add_vehicle(session, "湘D120B9", "van", seats=6, driver="driver")
        request = placing.create_request(session, SYSTEM, person_id=site.ids["张三"], category="close_contact",
                                         reason="密接", last_exposure=local(2022, 3, 27, 12))
        placing.allocate(session, SYSTEM, [request.id])
        task_id = session.scalar(select(Task.id))
    assert task_id is not None

    page = phone_page
    sign_in(page, site, "dispatcher")
    expect(page.locator("h1")).to_contain_text("转运调度台")
    expect(page.locator("#tasks")).to_contain_text(f"#{task_id} 隔离转运")
    page.get_by_role("button", name="生成调度建议").click()
    expect(page.locator("#suggestion")).to_contain_text("湘D120B9")
    assert no_horizontal_overflow(page)
    page.locator("#suggestion").get_by_role("button", name="采纳").click()
    expect(page.locator("#tasks")).to_contain_text("已派 · 湘D120B9")
    page.context.clear_cookies()

    sign_in(page, site, "driver")
    expect(page.locator("h1")).to_contain_text("我的任务")
    expect(page.locator("#trip")).to_contain_text("张三")
    expect(page.locator("#trip")).not_to_contain_text(site.id_numbers["张三"])  # masked
    assert no_horizontal_overflow(page)
    page.get_by_role("button", name="已到达接车点").click()
    expect(page.locator("#trip-status")).to_contain_text("已到接车点")
    page.get_by_role("button", name="已接上").click()
    expect(page.locator("#trip-status")).to_contain_text("已接上")
    page.get_by_role("button", name="已送达").click()
    expect(page.locator("#disinfect")).to_contain_text("本车需消杀")
    page.get_by_role("button", name="已消杀").click()
    expect(page.locator("#vehicle-state")).to_contain_text("空闲")
    page.context.clear_cookies()

    sign_in(page, site, "site_manager")
    page.goto(f"{site.url}/transport/arrivals")
    expect(page.locator("main")).to_contain_text(f"#{task_id}")
    page.get_by_role("button", name="确认到达").click()
    expect(page.locator("main")).to_contain_text("暂无任务")
    with session_scope() as session:
        task = session.get(Task, task_id)
        assert task is not None and task.status == "done" and task.confirmed_by == "site_manager"
        assert task.arrived_at and task.picked_up_at and task.delivered_at and task.confirmed_at
