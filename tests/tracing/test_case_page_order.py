"""The case page puts what a tracer acts on first: the investigation forms, then the contact lists
(folded when longer than a screen), each venue by its name with its code in small type."""

from __future__ import annotations

import json
import re

from fangyi.config import get_settings
from fangyi.registry.models import Venue
from fangyi.tracing.cases import clean_case, create_case
from tests.conftest import SHIJIN
from tests.tracing.world import add_person, add_stay, at, case_row
from tests.web.conftest import sign_in


def _case_with(db, cast, contacts: int) -> None:
    me = add_person(db, 1)
    market = Venue(code="HD0000305", name="石滩农贸市场", kind="market", area_code=SHIJIN)
    db.add(market)
    db.flush()
    add_stay(db, me, market, at(12), at(13))
    for n in range(2, 2 + contacts):
        add_stay(db, add_person(db, n), market, at(12), at(13))
    create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()


def test_the_investigation_comes_before_the_contacts_and_venues_read_by_name(client, db, cast) -> None:
    _case_with(db, cast, contacts=12)
    sign_in(client, "tracer")
    html = client.get("/tracing/cases/HD-2022-001").text
    assert html.index('id="investigation"') < html.index('id="contacts"') < html.index('id="chain-section"')
    assert html.index('action="/tracing/cases/HD-2022-001/places"') < html.index('<table id="close"')
    # Twelve close contacts: more than a screen, so the list is folded under its heading.
    close = re.search(r'<details class="contacts" id="close-list"( open)?>', html)
    assert close and close.group(1) is None
    assert '石滩农贸市场 <small class="code">HD0000305</small>' in html
    assert re.search(r"<td>[^<]*HD0000305", html) is None  # never the code alone
    figure = json.loads(re.search(r'id="chain-figure">(.*?)</script>', html, re.S).group(1))
    assert "chain" not in figure["layout"]["title"]["text"]  # no English word in the chart's title
    # Turning the list's pages opens it.
    assert '<details class="contacts" id="close-list" open>' in client.get(
        "/tracing/cases/HD-2022-001", params={"close_page": 1}).text


def test_a_short_list_stays_open(client, db, cast) -> None:
    _case_with(db, cast, contacts=3)
    sign_in(client, "tracer")
    html = client.get("/tracing/cases/HD-2022-001").text
    assert '<details class="contacts" id="close-list" open>' in html
    assert html.count("石滩农贸市场") >= 3
