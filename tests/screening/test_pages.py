"""The sampling point's page as a plain form (no script), and a round's coverage page and export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from fangyi.screening.models import ScreeningRound
from tests.conftest import Cast
from tests.screening.conftest import Ground
from tests.web.conftest import csrf_of

PAGE = "/screening/points/P-SJ/scan"


def post(client: TestClient, text: str, tube: str = "", **more: str) -> str:
    page = client.get(PAGE).text
    scan_id = page.split('name="scan_id" value="')[1].split('"')[0]
    response = client.post(PAGE, data={"csrf": csrf_of(page), "scan_id": scan_id, "scan": text, "tube": tube,
                                       "pool_size": "5", **more})
    assert response.status_code == 200, response.text
    return response.text


def test_the_scan_page_works_as_a_plain_form(login: Callable[[str], TestClient], ground: Ground,
                                             db: Session) -> None:
    # A round under way now, so that the page's scans belong to it.
    ground.round.starts_at = datetime.now(UTC) - timedelta(hours=1)
    ground.round.deadline_at = datetime.now(UTC) + timedelta(hours=10)
    db.flush()
    client = login("sampler")
    page = client.get(PAGE)
    assert page.status_code == 200 and "石金村采样点" in page.text and 'autofocus' in page.text
    first = post(client, ground.people[0].id_number)  # a person before any tube
    assert "请先扫采样管条码" in first and 'class="refused"' in first
    opened = post(client, "T5000001")
    assert "已开管 T5000001（5 人管）" in opened and 'value="T5000001"' in opened
    added = post(client, ground.people[0].id_number, tube="T5000001")
    assert "居民1 已入管 T5000001（1/5）" in added
    assert "本点未封的采样管" in added and "T5000001 (1/5)" in added
    good = ground.people[1].id_number
    refused = post(client, good[:-1] + ("0" if good[-1] != "0" else "1"), tube="T5000001")
    assert 'class="refused"' in refused and "身份证号有误" in refused
    closed = post(client, "", tube="T5000001", close="1")
    assert "已封管 T5000001（1 人）" in closed
    assert login("driver").get(PAGE).status_code == 403


def test_round_page_shows_coverage_advice_and_exports_the_missing(login: Callable[[str], TestClient],
                                                                  ground: Ground, cast: Cast) -> None:
    client = login("village_doctor")
    page = client.get("/screening/rounds/R1?prevalence=0.001")
    assert page.status_code == 200
    assert 'id="coverage">0.0%' in page.text
    assert "建议 20 人一管" in page.text
    assert "HH-1" in page.text and "居民1" in page.text
    export = client.get("/screening/rounds/R1/missing.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 12
    assert all(ground.people[0].id_number not in str(row) for row in rows)
    # The village doctor's jurisdiction is 石滩乡: 城关社区's resident is not theirs to see.
    assert "城关居民" not in page.text and all("城关居民" not in str(row) for row in rows)
    assert isinstance(ground.round, ScreeningRound)


def test_screening_index_links_rounds_and_points(login: Callable[[str], TestClient], ground: Ground) -> None:
    client = login("sampler")
    page = client.get("/screening")
    assert page.status_code == 200
    assert 'href="/screening"' in page.text  # in the menu
    assert 'href="/screening/rounds/R1"' in page.text and 'href="/screening/points/P-SJ/scan"' in page.text
    imports = client.get("/imports").text
    assert "采样记录（离线手持机）" in imports
