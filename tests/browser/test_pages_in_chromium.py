"""What a person does with a real browser: sign in, switch language, search, and not see too much."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from fangyi.identity import mask_id_number
from tests.browser.conftest import Site
from tests.conftest import password_for

pytestmark = pytest.mark.browser

SCREENSHOT = os.environ.get("FANGYI_TEST_SCREENSHOT")  # a path, to look at the phone page while developing


def sign_in(page: Page, site: Site, role: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("用户名").fill(role)
    page.get_by_label("密码").fill(password_for(role))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def no_horizontal_overflow(page: Page) -> bool:
    # A page may reload itself (the offline outbox does once everything is sent): measured on the
    # page it lands on, not lost with the one it leaves.
    for _ in range(3):
        page.wait_for_load_state()
        try:
            return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
        except PlaywrightError as exc:
            if "Execution context was destroyed" not in str(exc):
                raise
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_sign_in_switch_language_and_find_a_person_masked_on_a_phone(phone_page: Page, site: Site) -> None:
    page = phone_page
    sign_in(page, site, "tracer")
    assert page.url.endswith("/tracing/queue")  # a tracer lands on their queue
    page.goto(f"{site.url}/persons")
    expect(page.locator("h1")).to_have_text("人员查询")
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.locator("#lang-switch").click()
    expect(page.locator("h1")).to_have_text("Find a person")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_label("Name, identity number (or last 4), phone").fill("张三")
    page.get_by_role("button", name="Search").click()
    row = page.locator("table.list tbody tr")
    expect(row).to_have_count(1)
    masked = mask_id_number(site.id_numbers["张三"])
    assert masked.startswith("430424********")
    expect(row).to_contain_text(masked)
    expect(row).to_contain_text("138****1234")
    assert site.id_numbers["张三"] not in page.content()
    assert no_horizontal_overflow(page)
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)

    row.get_by_role("link", name="张三").click()
    expect(page.locator("#id-number")).to_have_text(masked)
    page.get_by_role("button", name="Show full number").click()
    expect(page.locator("#id-number")).to_have_text(site.id_numbers["张三"])
    assert no_horizontal_overflow(page)


def test_village_doctor_cannot_see_a_person_of_another_township(desk_page: Page, site: Site) -> None:
    page = desk_page
    sign_in(page, site, "village_doctor")
    page.goto(f"{site.url}/persons")  # the doctor lands on the day's visits; the registry is a menu away
    page.get_by_label("姓名、身份证号（或后4位）、手机号").fill("王五")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table.list")).to_have_count(0)
    expect(page.get_by_text("共 0 条")).to_be_visible()

    response = page.goto(f"{site.url}/persons/{site.ids['王五']}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("404")
    assert "王五" not in page.content()

    page.goto(f"{site.url}/persons")
    expect(page.get_by_role("link", name="张三")).to_be_visible()


def test_pages_fit_a_phone_screen(phone_page: Page, site: Site) -> None:
    page = phone_page
    sign_in(page, site, "commander")
    for path in ("/report", "/areas", "/persons", "/venues", "/imports", "/account"):
        response = page.goto(f"{site.url}{path}")
        assert response is not None and response.status in (200, 403), path
        assert no_horizontal_overflow(page), path
        if SCREENSHOT:
            page.screenshot(path=SCREENSHOT.replace(".png", f"{path.replace('/', '-')}.png"), full_page=True)


def test_the_api_docs_render_with_no_other_site_reachable(desk_page: Page, site: Site) -> None:
    """An offline deployment: every address but the server's is refused, and the API's docs page
    still shows its operations (Swagger UI from the installed package reads OpenAPI 3.1)."""
    page = desk_page
    elsewhere: list[str] = []

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_server)
    page.goto(f"{site.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Fangyi")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/screening/scans").first).to_be_visible()
    assert page.locator(".opblock").count() > 50
    assert page.locator(".errors-wrapper").count() == 0
    assert elsewhere == []
