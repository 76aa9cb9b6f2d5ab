"""The daily report page and its Excel download."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from fangyi.timeutil import to_local
from tests.command.test_epi import _outbreak
from tests.web.conftest import People

Login = Callable[[str], TestClient]


def test_report_shows_each_section_as_a_table(login: Login, people: People) -> None:
    page = login("command_office").get("/report", params={"date": "2022-04-01"}).text
    assert "疫情防控日报" in page and "2022年4月1日" in page
    assert "基础信息" in page
    assert '<th scope="row">登记人员</th><td class="num">3</td>' in page
    assert 'type="date" value="2022-04-01"' in page


def test_report_in_english(login: Login, people: People) -> None:
    client = login("commander")
    client.get("/lang/en")
    page = client.get("/report", params={"date": "2022-04-01"}).text
    assert "Daily situation report" in page and "Registry" in page
    assert '<th scope="row">Persons</th>' in page


def test_a_bad_date_comes_back_with_the_reason(login: Login, people: People) -> None:
    response = login("commander").get("/report", params={"date": "2022-13-40"})
    assert response.status_code == 422
    assert "2022-13-40" in response.text and "YYYY-MM-DD" in response.text


def test_report_downloads_as_xlsx(login: Login, people: People) -> None:
    response = login("command_office").get("/report.xlsx", params={"date": "2022-04-01"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert ("日期 date", "2022-04-01") in rows
    assert ("persons", 3) in rows


def test_the_report_draws_the_curve_and_rt_up_to_its_day(login: Login, people: People, db: Session) -> None:
    _outbreak(db, areas=False)
    page = login("commander").get("/report", params={"date": "2022-04-08"}).text
    assert "流行曲线与Rt" in page and 'id="epi-chart"' in page and "/vendor/plotly-" in page
    assert '<strong id="rt-today">0.' in page  # brought down by then: below 1
    figure = json.loads(page.split('id="epi-figure">')[1].split("</script>")[0].replace("<\\/", "</"))
    bars = {trace["name"]: trace for trace in figure["data"]}
    assert bars["本土确诊"]["y"][bars["本土确诊"]["x"].index("2022-04-02")] == 10
    assert bars["输入确诊"]["y"][bars["输入确诊"]["x"].index("2022-03-29")] == 1
    assert bars["Rt"]["x"][-1] == "2022-04-08"
    # A day before any case: no chart, no estimate.
    assert "epi-chart" not in login("commander").get("/report", params={"date": "2022-03-01"}).text


def test_report_is_for_the_command_only(login: Login, people: People) -> None:
    assert login("village_doctor").get("/report").status_code == 403


def test_the_page_closes_a_day_and_shows_it_as_corrected(login: Login, db: Session) -> None:
    from tests.command.test_closing import DAY, _reclassify_one

    _outbreak(db, areas=False)
    office = login("command_office")
    page = office.get("/report", params={"date": DAY.isoformat()}).text
    assert "关账上报" in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    closed = office.post("/report/close", data={"date": DAY.isoformat(), "csrf": csrf})
    assert closed.status_code == 200 and "已关账" in closed.text and "关账上报" not in closed.text
    _reclassify_one(db)
    corrected = office.get("/report", params={"date": DAY.isoformat(), "corrected": "1"}).text
    assert 'class="changed"' in corrected and "查看上报数" in corrected
    assert 'class="changed"' not in office.get("/report", params={"date": DAY.isoformat()}).text
    viewer = login("commander")
    assert viewer.post("/report/close", data={"date": "2022-04-03"}).status_code == 403  # no CSRF token


def test_the_page_shows_a_day_as_the_records_stood_at_a_moment(login: Login, db: Session) -> None:
    from tests.command.test_as_of import DAY, _moment, _reclassify

    _outbreak(db, areas=False)
    before = _moment()
    _reclassify(db)
    office = login("command_office")
    local = to_local(before).replace(tzinfo=None).isoformat()  # the local time the form sends
    page = office.get("/report", params={"date": DAY.isoformat(), "as_of": local}).text
    assert 'id="as-of"' in page and "按该时点的记录重算" in page
    assert '<th scope="row">无症状感染者</th><td class="num">0</td>' in page
    assert '<th scope="row">累计病例</th><td class="num">31</td>' in page  # the cases existed by then
    assert "未按时点重建，为现状" in page  # sections not rebuilt exactly say so
    now_page = office.get("/report", params={"date": DAY.isoformat()}).text
    assert '<th scope="row">无症状感染者</th><td class="num">1</td>' in now_page and 'id="as-of"' not in now_page
    bad = office.get("/report", params={"date": DAY.isoformat(), "as_of": "soon"})
    assert bad.status_code == 422 and "soon" in bad.text
