"""Every role's first minute, in Chromium at a phone's size and a desk's: signs in, lands on its own
work, and the page fits the screen's width, says nothing in raw message keys or stray English,
keeps the inputs' keyboard hints, stays below a stated height, and draws Chinese glyphs (not boxes).

The world is small but holds something for each role: a case with contacts for the tracer, a
quarantine site for the site manager, a round and a sampling point for the sampler."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import select

from fangyi.access import SYSTEM, Role
from fangyi.accounts import service as accounts
from fangyi.auth.models import User
from fangyi.config import get_settings
from fangyi.db.session import session_scope
from fangyi.parts import installed
from fangyi.registry.models import Checkin, Person, Venue
from fangyi.screening.setup import RoundFields, create_point, create_round
from fangyi.tracing.cases import clean_case, create_case
from fangyi.web.render import PLACEHOLDERS
from tests.browser.conftest import ROLES, Site
from tests.conftest import COUNTY, JURISDICTION, MISHUI, SHIJIN, password_for
from tests.quarantine.world import add_site
from tests.tracing.world import case_row

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 900}}
# A landing page of this small world is a few screens at most (the daily report, the longest, is 2,300 px
# on a phone): the bound catches a list that is no longer paged or folded. On a desk the commander's
# dashboard stands every part's figures open, a card per part (2,800 px with arrivals' card).
MAX_HEIGHT = {"phone": 4000, "desk": 3000}
# ASCII words a Chinese page may show: formats, the language switch, and the world's own codes.
ALLOWED = {"English", "Excel", "CSV", "xlsx", "PDF", "ID", "JSON", "fangyi", "trace", "json", "cn"}
WORD = re.compile(r"[A-Za-z]{3,}")
# What an input of each name must carry, wherever it appears: the keyboard and what the browser fills in.
INPUT_HINTS = {
    "username": {"autocomplete": "username", "autocapitalize": "none"},
    "password": {"autocomplete": "current-password"},
    "temperature": {"inputmode": "decimal"},
    "scan": {"enterkeyhint": "go", "autocomplete": "off"},
    "area": {"list": "area-list"},
    "q": {"enterkeyhint": "search"},
}


def _seed(site: Site) -> None:
    with session_scope() as session:
        for role in Role:
            if role.value not in ROLES:
                accounts.create_user(session, SYSTEM, username=role.value, password=password_for(role.value),
                                     role=role.value, area_code=JURISDICTION[role])
        # A case: 张三 was at a market with 李四, who is now a close contact in the tracer's queue.
        market = Venue(code="HD0000305", name="石滩农贸市场", kind="market", area_code=SHIJIN)
        session.add(market)
        session.flush()
        stay = int(datetime(2022, 3, 27, 4, 0, tzinfo=UTC).timestamp())
        for name in ("张三", "李四"):
            session.add(Checkin(person_id=site.ids[name], venue_id=market.id, in_at=stay, out_at=stay + 3600))
        session.flush()
        tracer = session.scalars(select(User).where(User.username == "tracer")).one()
        case_person = session.get(Person, site.ids["张三"])
        assert case_person is not None
        create_case(session, tracer, clean_case(case_row(case_person), get_settings().tz))
        # A quarantine site in 洣水镇 (the site manager's), and a round under way with its point.
        add_site(session, rooms=6, beds=2, area=MISHUI)
        create_round(session, SYSTEM, RoundFields("R1", "第一轮全员核酸", [COUNTY],
                                                  datetime.now(UTC) - timedelta(hours=1)))
        create_point(session, SYSTEM, code="P-SJ", name="石金村采样点", area_code=SHIJIN, address="村委会",
                     hours="07:00-19:00")


def _sign_in(page: Page, site: Site, role: str) -> None:
    page.goto(f"{site.url}/login")
    page.locator("#f-username").fill(role)
    page.locator("#f-password").fill(password_for(role))
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _problems(page: Page, size: str, width: int, namespaces: set[str]) -> list[str]:
    wrong: list[str] = []
    fit = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if fit[0] > fit[1] or fit[1] != width:
        wrong.append(f"wider than the screen: scrollWidth {fit[0]}, innerWidth {fit[1]}, screen {width}")
    height = page.evaluate("document.documentElement.scrollHeight")
    if height > MAX_HEIGHT[size]:
        wrong.append(f"{height} px high (bound {MAX_HEIGHT[size]})")
    text = page.locator("body").inner_text()
    keys = [key for key in re.findall(r"(?<![\w/.@-])([a-z]+(?:\.[a-z0-9_]+)+)(?![\w/-])", text)
            if key.split(".")[0] in namespaces]
    if keys:
        wrong.append(f"raw message keys: {sorted(set(keys))}")
    english = sorted({word for word in WORD.findall(text) if word not in ALLOWED and word not in ROLE_NAMES})
    if english:
        wrong.append(f"English words on a zh-CN page: {english}")
    for name, hints in INPUT_HINTS.items():
        for field in page.locator(f"input[name={name}]").all():
            for attribute, value in hints.items():
                if field.get_attribute(attribute) != value:
                    wrong.append(f"input {name}: {attribute}={field.get_attribute(attribute)!r}, not {value!r}")
    # "一" is one flat stroke: drawn with a Chinese font it is wide and thin; a missing glyph is a box.
    stroke = page.evaluate("""() => {
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = '64px ' + getComputedStyle(document.body).fontFamily;
        const m = ctx.measureText('一');
        return [m.width, m.actualBoundingBoxAscent + m.actualBoundingBoxDescent];
    }""")
    if not (stroke[0] > 40 and stroke[1] < 16):
        wrong.append(f"Chinese drawn as boxes: '一' is {stroke[0]:.0f} wide and {stroke[1]:.0f} high at 64px")
    return wrong


ROLE_NAMES = {role.value for role in Role} | {part for role in Role for part in role.value.split("_")}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_role_lands_on_its_work_and_the_page_fits(browser: Browser, site: Site, size: str) -> None:
    _seed(site)
    namespaces = {key.split(".")[0] for key in installed().words}
    viewport = SIZES[size]
    wrong: list[str] = []
    for role in Role:
        context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=size == "phone",
                                      has_touch=size == "phone")
        page = context.new_page()
        try:
            page.goto(f"{site.url}/login")
            wrong += [f"{role.value} /login: {p}" for p in _problems(page, size, viewport["width"], namespaces)]
            _sign_in(page, site, role.value)
            landing = installed().landing.get(role, "/account")
            path = page.evaluate("location.pathname")
            if path != landing:
                wrong.append(f"{role.value} landed on {path}, not {landing}")
            if page.locator("html").get_attribute("lang") != "zh-CN":
                wrong.append(f"{role.value}: the page is not zh-CN")
            wrong += [f"{role.value} {path}: {p}" for p in _problems(page, size, viewport["width"], namespaces)]
            if size == "phone":
                # The menu is one button; the first screen is the page's own heading and work.
                menu = page.locator("details.menu")
                if menu.evaluate("e => e.open"):
                    wrong.append(f"{role.value}: the menu starts open on a phone")
                top = page.locator("main h1").first.evaluate("e => e.getBoundingClientRect().top")
                if top > 200:
                    wrong.append(f"{role.value}: the page's heading starts {top:.0f} px down")
                page.locator("details.menu > summary").click()
                if not page.locator("details.menu nav a[href='/account']").is_visible():
                    wrong.append(f"{role.value}: the opened menu does not show its entries")
            else:
                if not page.locator("details.menu nav a[href='/account']").is_visible():
                    wrong.append(f"{role.value}: the menu is not open in the bar on a wide screen")
            if PLACEHOLDERS.get(role.value) == landing and not page.locator("#pending").is_visible():
                wrong.append(f"{role.value}: the landing page does not say their own part is still to come")
        finally:
            context.close()
    assert not wrong, "\n".join(wrong)
