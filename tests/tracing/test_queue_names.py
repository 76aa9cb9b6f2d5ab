"""The tracer's queue as a person reads it: where each contact lives by 乡镇/村/组 name, a filter by
name with the jurisdiction's names to pick from, progress in a line, and a page a phone can hold."""

from __future__ import annotations

import re
from html import unescape

from fangyi.config import get_settings
from fangyi.tracing.cases import clean_case, create_case
from tests.conftest import CHENGGUAN, SHIJIN, XIAOQUANWU
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row
from tests.web.conftest import sign_in


def _traced(db, cast, *, others: int = 3):
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    areas = [XIAOQUANWU, CHENGGUAN] + [SHIJIN] * (others - 2)
    people = [add_person(db, n, area=area) for n, area in enumerate(areas, start=2)]
    for person in people:
        add_stay(db, person, restaurant, at(12), at(13))
    create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()
    return people


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="card contact" id="contact-\d+".*?</article>', html, re.S)


def test_the_queue_names_areas_and_filters_by_name(client, db, cast) -> None:
    people = _traced(db, cast)
    sign_in(client, "tracer")
    html = client.get("/tracing/queue").text
    assert "石滩乡/石金村/小泉屋组" in html and "洣水镇/城关社区" in html
    assert f">{XIAOQUANWU}<" not in html  # no 15-digit code where a name is read
    assert '<input id="f-area" name="area" type="text" value=""' in html and 'list="area-list"' in html
    datalist = html.split('<datalist id="area-list">')[1].split("</datalist>")[0]
    options = re.findall(r'<option value="([^"]+)">', datalist)
    assert options == ["石滩乡", "石滩乡/石金村", "洣水镇", "洣水镇/城关社区"]

    town = client.get("/tracing/queue", params={"area": "洣水镇"}).text
    assert [p.name for p in people if p.name in town] == [people[1].name]
    assert '<details class="filter-box" open>' in town  # an active filter stays in sight
    village = client.get("/tracing/queue", params={"area": "石滩乡/石金村"}).text
    assert people[0].name in village and people[1].name not in village
    by_code = client.get("/tracing/queue", params={"area": "430424102000"}).text  # a link with a code still works
    assert people[1].name in by_code and people[0].name not in by_code

    unknown = client.get("/tracing/queue", params={"area": "无此村"})
    assert unknown.status_code == 422 and "no area named '无此村'" in unescape(unknown.text)


def test_the_queue_pages_by_twenty_and_shows_progress_in_a_line(client, db, cast) -> None:
    _traced(db, cast, others=25)
    sign_in(client, "tracer")
    html = client.get("/tracing/queue").text
    assert len(_cards(html)) == 20
    assert "共 25 条" in html and 'rel="next"' in html
    assert len(_cards(client.get("/tracing/queue", params={"page": 2}).text)) == 5
    assert '<section class="tally" id="counts-today">' in html
    # Rejecting and reassigning, rarer than a call, fold under each card's "more".
    first = _cards(html)[0]
    assert first.index('<details class="more">') < first.index("/reject")
    assert first.index("/reach") < first.index('<details class="more">')
