"""A round's page lists who is missing twenty households at a time (a phone holds a page; the whole
list is in the export), each cell labelled for a phone's cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangyi.registry.persons import clean_person, save_person
from tests.conftest import SHIJIN, Cast
from tests.screening.conftest import Ground, id_number


def _households(html: str) -> list[str]:
    table = html.split('id="missing"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td data-label="户 / 地址">(HH-\d+)</td>', table)


def test_the_missing_are_paged_by_household(login: Callable[[str], TestClient], ground: Ground, cast: Cast,
                                            db: Session) -> None:
    for seq in range(20, 40):  # twenty more households of one person each: 24 in all
        person = save_person(db, cast["admin"], clean_person({
            "id_number": id_number(seq), "name": f"居民{seq}", "area_code": SHIJIN, "household": f"HH-{seq}"}))
        person.created_at = datetime(2022, 1, 1, tzinfo=UTC)
    db.flush()
    client = login("village_doctor")
    first = client.get("/screening/rounds/R1").text
    assert len(_households(first)) == 20
    assert "共 24 户 · 第 1 / 2 页" in first and 'rel="next"' in first
    second = client.get("/screening/rounds/R1", params={"missing_page": 2}).text
    assert len(_households(second)) == 4 and 'rel="prev"' in second
    assert set(_households(first)).isdisjoint(_households(second))
    past = client.get("/screening/rounds/R1", params={"missing_page": 99}).text
    assert _households(past) == _households(second)  # past the end: the last page
    bad = client.get("/screening/rounds/R1", params={"missing_page": "x"})
    assert bad.status_code == 200 and _households(bad.text) == _households(first)
    # A household's second member is not a card without its household on a phone.
    table = first.split('id="missing"', 1)[1].split("</table>", 1)[0]
    assert all("data-label=" in cell for cell in re.findall(r"<td[^>]*>", table))
