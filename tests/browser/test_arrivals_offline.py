"""The village line without a network, in phone-sized Chromium: the village doctor's page opens from
the service worker's copy, three first visits and a new arrival wait in the outbox with their count
shown, and when the network returns each is on the server exactly once; the checkpoint registers a
car of four offline the same way; a household of the sweep is marked visited offline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.arrivals import service
from fangyi.arrivals.models import Arrival, ArrivalEntry, ArrivalWork, HouseholdVisit
from fangyi.db.session import session_scope
from fangyi.registry.models import Household
from fangyi.timeutil import now
from tests.browser.conftest import Site
from tests.browser.test_arrivals import number
from tests.browser.test_pages_in_chromium import no_horizontal_overflow, sign_in
from tests.conftest import COUNTY, SHIJIN, password_for

pytestmark = pytest.mark.browser


def _seed() -> None:
    from datetime import date

    with session_scope() as session:
        accounts.create_user(session, SYSTEM, username="checkpoint", password=password_for("checkpoint"),
                             role="checkpoint", area_code=COUNTY)
        service.save_origin_risk(session, SYSTEM, area_code="420100", level="medium", valid_from=date(2022, 1, 1),
                                 valid_to=None)
        for n, name in ((1, "甲返乡"), (2, "乙返乡"), (3, "丙返乡")):
            service.register_arrival(session, SYSTEM, id_number=number(n), name=name, origin="420106",
                                     arrived_at=now() - timedelta(days=1, hours=n), staying_area_code=SHIJIN)
        session.add(Household(code="SJ-HH-01", area_code=SHIJIN))


def _count(model: type, *where: object) -> int:
    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def back_online(page: Page) -> None:
    """The network returns. Chromium fires 'online' itself, but not always before the test goes on,
    so the event is sent again; the page may be reloading already, its entries sent on the first."""
    page.context.set_offline(False)
    try:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    except PlaywrightError as exc:
        if "Execution context was destroyed" not in str(exc):
            raise


def _on_the_sweep(page: Page, site: Site) -> None:
    """The village doctor on the household sweep, its copy kept by the service worker."""
    _seed()
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.goto(f"{site.url}/arrivals/sweep")
    expect(page.locator("li.open", has_text="SJ-HH-01")).to_be_visible()


def _controlled(page: Page) -> None:
    """Wait for the service worker to control the page, then load it again so that its copy is kept."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.locator("#outbox-count")).to_have_text("0")


def test_the_village_doctor_works_offline_and_everything_goes_up_once(phone_page: Page, site: Site) -> None:
    _seed()
    page = phone_page
    sign_in(page, site, "village_doctor")
    assert page.url.endswith("/arrivals/day")
    _controlled(page)

    page.context.set_offline(True)
    page.reload()  # the page opens from the service worker's copy
    expect(page.locator("h1")).to_contain_text("今日随访")
    expect(page.locator("#outbox-state")).to_contain_text("离线")
    for name in ("甲返乡", "乙返乡", "丙返乡"):
        item = page.locator("li.open", has_text="首次上门").filter(has_text=name)
        item.get_by_role("button", name="完成").click()
        expect(page.locator("li.queued", has_text=name).filter(has_text="首次上门")).to_contain_text("待上传")
    # A temperature no person gives is asked again on the phone, and nothing waits for it.
    reading = page.locator("li.open", has_text="测体温").filter(has_text="甲返乡")
    reading.get_by_label("体温 °C").fill("45")
    reading.get_by_role("button", name="记录").click()
    expect(page.locator("#outbox-alert")).to_contain_text("请重新测量")
    page.locator("#new-arrival summary").click()
    page.get_by_label("身份证号").fill(number(21))
    page.get_by_label("姓名").fill("村口新到")
    page.get_by_label("来源地").fill("420106")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#outbox-count")).to_have_text("4")
    assert no_horizontal_overflow(page)
    # Opened again offline, the page still shows what waits.
    page.reload()
    expect(page.locator("#outbox-count")).to_have_text("4")
    assert _count(ArrivalWork) == 0 and _count(Arrival) == 3

    back_online(page)
    expect(page.locator("#outbox-count")).to_have_text("0")
    expect(page.locator("li.done", has_text="首次上门")).to_have_count(3)
    assert _count(ArrivalWork, ArrivalWork.kind == "first_visit") == 3
    assert _count(ArrivalWork, ArrivalWork.kind == "temperature") == 0
    assert _count(Arrival) == 4 and _count(ArrivalEntry) == 4
    # An entry sent again from the phone (its answer lost on the way) gets the first answer, changes nothing.
    with session_scope() as session:
        entry = session.scalars(select(ArrivalEntry).where(ArrivalEntry.kind == "work")).first()
        arrival_id = session.get(ArrivalWork, entry.record_id).arrival_id
    answer = page.evaluate("""async ([url, cid]) => {
        const csrf = document.getElementById('outbox').dataset.csrf;
        const r = await fetch(url, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
            body: JSON.stringify({kind: 'first_visit', client_id: cid})});
        return [r.status, (await r.json()).repeated]; }""", [f"/api/v1/arrivals/{arrival_id}/work", entry.client_id])
    assert answer == [200, True]
    assert _count(ArrivalWork) == 3 and _count(Arrival) == 4 and _count(ArrivalEntry) == 4

def test_the_checkpoint_registers_a_car_of_four_offline(phone_page: Page, site: Site) -> None:
    _seed()
    page = phone_page
    sign_in(page, site, "checkpoint")
    assert page.url.endswith("/arrivals/checkpoint")
    _controlled(page)
    page.context.set_offline(True)
    page.reload()
    page.get_by_label("车牌号").fill("鄂A54321")
    page.get_by_label("来源地").fill("420106")
    page.get_by_label("居住地").fill(SHIJIN)
    page.get_by_label("身份证号").fill("\n".join(f"{number(n)} 乘客{n}" for n in (31, 32, 33, 34)))
    page.get_by_role("button", name="登记本车人员").click()
    expect(page.locator("#outbox-count")).to_have_text("4")
    assert _count(Arrival) == 3
    back_online(page)
    expect(page.locator("#outbox-count")).to_have_text("0")
    with session_scope() as session:
        plates = session.scalars(select(Arrival.plate).where(Arrival.means == "car")).all()
    assert plates == ["鄂A54321"] * 4
    assert _count(ArrivalEntry) == 4
    assert no_horizontal_overflow(page)


def test_a_household_is_marked_visited_offline(phone_page: Page, site: Site) -> None:
    _seed()
    page = phone_page
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.goto(f"{site.url}/arrivals/sweep")  # through the service worker: its copy is kept
    expect(page.locator("#outbox-count")).to_have_text("0")
    page.context.set_offline(True)
    page.reload()
    household = page.locator("li.open", has_text="SJ-HH-01")
    household.get_by_label("返乡人数").fill("2")
    household.get_by_role("button", name="已走访").click()
    expect(page.locator("#outbox-count")).to_have_text("1")
    back_online(page)
    expect(page.locator("li.visited", has_text="SJ-HH-01")).to_contain_text("发现返乡 2")
    assert _count(HouseholdVisit) == 1
    assert no_horizontal_overflow(page)


def test_a_kept_copy_says_when_it_was_kept_and_gives_way_to_a_fresh_page(phone_page: Page, site: Site) -> None:
    """The phone online, the server out of reach: the kept copy is shown, marked with when it was
    kept, and stays (the page's own tries for a fresh one get the kept copy, told apart, and do not
    reload onto it again); once the server answers, the fresh page replaces it, with a visit another
    doctor made in the meantime."""
    page = phone_page
    _on_the_sweep(page, site)
    assert page.locator("#outbox").get_attribute("data-kept") is None
    with session_scope() as session:
        household = session.scalars(select(Household).where(Household.code == "SJ-HH-01")).one()
        service.visit_household(session, SYSTEM, household_id=household.id, returned=3)
    reachable: list[bool] = []
    dropped: list[str] = []

    def out_of_reach(route: Route) -> None:
        if reachable:
            route.continue_()
        else:
            dropped.append(route.request.url)
            route.abort("connectionrefused")

    page.context.route("**/arrivals/sweep", out_of_reach)
    page.reload()
    expect(page.locator("#outbox-state")).to_contain_text("保存的离线副本", timeout=5000)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", page.locator("#outbox").get_attribute("data-kept") or "")
    page.evaluate("window.sameCopy = true")
    assert page.evaluate("fetch(location.href).then(r => r.headers.get('X-Fangyi-Kept'))") == "1"
    for _ in range(100):  # the reload, the page's own first try for a fresh one, and ours: all refused
        if len(dropped) >= 3:
            break
        page.wait_for_timeout(100)
    assert len(dropped) >= 3
    page.wait_for_timeout(1000)
    assert page.evaluate("window.sameCopy") is True  # still the same page: not reloaded onto the kept copy
    reachable.append(True)
    expect(page.locator("li.visited", has_text="SJ-HH-01")).to_contain_text("发现返乡 3")
    assert page.locator("#outbox").get_attribute("data-kept") is None
    assert no_horizontal_overflow(page)


def test_a_network_that_comes_and_goes_does_not_reload_the_page_over_and_over(phone_page: Page, site: Site) -> None:
    """Every other request for the page is dropped: the fresh copy is fetched, the reload then lands
    on the kept copy again. The waits between tries grow across the reloads (2 s, 4 s...), so the
    doctor's page is not reloaded every moment; once the network holds, the fresh page comes."""
    page = phone_page
    _on_the_sweep(page, site)
    asked: list[str] = []
    steady: list[bool] = []

    def flapping(route: Route) -> None:
        asked.append(route.request.url)
        if steady or len(asked) % 2 == 0:
            route.continue_()
        else:
            route.abort("connectionrefused")

    loads: list[str] = []
    page.on("load", lambda: loads.append("load"))
    page.context.route("**/arrivals/sweep", flapping)
    page.reload()
    expect(page.locator("#outbox-state")).to_contain_text("保存的离线副本", timeout=5000)
    page.wait_for_timeout(5000)
    # At once, then 2 s on: three loads of the kept copy in five seconds, not one every moment.
    assert len(loads) <= 4, loads
    assert len(asked) <= 7, asked
    steady.append(True)
    expect(page.locator("#outbox")).not_to_have_attribute("data-kept", re.compile(".*"), timeout=15000)
    expect(page.locator("li.open", has_text="SJ-HH-01")).to_be_visible()


def test_a_fresh_page_waits_for_what_is_being_typed(phone_page: Page, site: Site) -> None:
    """A fresh page ready while the doctor types a count into the kept copy: the page is not reloaded
    under their fingers; a link offers the fresh page instead."""
    _seed()
    page = phone_page
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.goto(f"{site.url}/arrivals/sweep")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#outbox-state")).to_contain_text("保存的离线副本")
    page.locator("li.open", has_text="SJ-HH-01").get_by_label("返乡人数").fill("4")
    back_online(page)
    expect(page.locator("#outbox-renew")).to_have_text("有更新，点此刷新")
    expect(page.locator("li.open", has_text="SJ-HH-01").get_by_label("返乡人数")).to_have_value("4")


def test_a_refused_or_failing_entry_does_not_hold_back_the_rest(phone_page: Page, site: Site) -> None:
    """One entry the server fails on every time (500), one it refuses for a missing permission (403):
    both end in the list of entries not accepted, with their reasons, and the third goes up."""
    from fangyi.registry.models import Person

    _seed()
    with session_scope() as session:
        ids = {name: arrival_id for name, arrival_id in session.execute(
            select(Person.name, Arrival.id).join(Arrival, Arrival.person_id == Person.id))}
    page = phone_page
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.context.set_offline(True)
    page.reload()
    for name in ("甲返乡", "乙返乡", "丙返乡"):
        item = page.locator("li.open", has_text="首次上门").filter(has_text=name)
        item.get_by_role("button", name="完成").click()
        expect(page.locator("li.queued", has_text=name).filter(has_text="首次上门")).to_contain_text("待上传")
    expect(page.locator("#outbox-count")).to_have_text("3")
    failed: list[str] = []

    def server_error(route) -> None:  # type: ignore[no-untyped-def]
        failed.append(route.request.url)
        route.fulfill(status=500, content_type="text/plain", body="Internal Server Error")

    page.context.route(f"**/api/v1/arrivals/{ids['甲返乡']}/work", server_error)
    page.context.route(f"**/api/v1/arrivals/{ids['乙返乡']}/work", lambda route: route.fulfill(
        status=403, content_type="application/json", body='{"detail": "没有这项权限"}'))
    page.context.set_offline(False)
    for attempt in range(1, 6):
        page.evaluate("window.dispatchEvent(new Event('online'))")
        for _ in range(100):  # the outbox sends again: the failing entry is tried once more
            if len(failed) >= attempt:
                break
            page.wait_for_timeout(100)
        assert len(failed) == attempt
        if attempt < 5:  # still waiting, and what comes after it too
            expect(page.locator("#outbox-count")).to_have_text("3")
    expect(page.locator("#outbox-count")).to_have_text("0")
    refused = page.locator("#outbox-refused")
    expect(refused).to_contain_text("甲返乡")
    expect(refused).to_contain_text("服务器多次出错")
    expect(refused).to_contain_text("乙返乡")
    expect(refused).to_contain_text("没有这项权限")
    expect(page.locator("#outbox-state")).not_to_contain_text("重新登录")
    assert _count(ArrivalWork, ArrivalWork.kind == "first_visit") == 1


def test_the_next_user_of_a_shared_phone_gets_nothing_of_the_last(phone_page: Page, site: Site) -> None:
    """A doctor's session runs out with an entry waiting and the pages kept; another doctor signs in
    on the same phone: none of it is there for them, to see or to send."""
    _seed()
    with session_scope() as session:
        accounts.create_user(session, SYSTEM, username="doctor2", password=password_for("village_doctor"),
                             role="village_doctor", area_code=SHIJIN)
    page = phone_page
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.context.set_offline(True)
    page.reload()
    page.locator("li.open", has_text="首次上门").filter(has_text="甲返乡").get_by_role("button", name="完成").click()
    expect(page.locator("#outbox-count")).to_have_text("1")
    page.context.clear_cookies(name="fangyi_session")  # the session ran out; nobody signed out
    page.context.set_offline(False)
    expect(page.locator("#outbox-state")).to_contain_text("重新登录")  # the entry is still the first doctor's
    page.goto(f"{site.url}/login")
    page.get_by_label("用户名").fill("doctor2")
    page.get_by_label("密码").fill(password_for("village_doctor"))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator("#outbox-count")).to_have_text("0")
    left = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('fangyi-outbox', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('entries', {keyPath: 'client_id'});
        open.onsuccess = () => { const all = open.result.transaction('entries').objectStore('entries').getAll();
                                 all.onsuccess = () => resolve(all.result.length); };
    })""")
    assert left == 0
    kept = page.evaluate("""async () => { const names = await caches.keys(); let pages = 0;
        for (const name of names) { const c = await caches.open(name);
            for (const r of await c.keys()) { if (r.url.includes('/arrivals/day')) { pages += 1; } } }
        return pages; }""")
    assert kept == 0
    assert _count(ArrivalWork) == 0


def test_a_page_kept_offline_is_not_shown_once_nobody_is_signed_in(phone_page: Page, site: Site) -> None:
    """The doctor's session runs out (nobody signs out); the phone, online, is sent to sign in: the
    page kept for offline use is dropped, so whoever holds the phone offline next does not see it."""
    _seed()
    page = phone_page
    sign_in(page, site, "village_doctor")
    _controlled(page)
    page.context.clear_cookies(name="fangyi_session")
    page.goto(f"{site.url}/arrivals/day")  # through the service worker, sent to sign in
    page.wait_for_url(lambda url: "/login" in url)
    page.context.set_offline(True)
    answer = page.goto(f"{site.url}/arrivals/day")
    assert answer is not None and answer.status == 503
    assert "甲返乡" not in page.content()
