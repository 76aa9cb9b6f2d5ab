"""Areas, person search and detail, venues, and the Excel exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.identity import make_id_number, mask_id_number
from fangyi.registry.models import Person
from tests.web.conftest import People, csrf_of

Login = Callable[[str], TestClient]


def test_area_tree_shows_townships_villages_and_person_counts(login: Login, people: People) -> None:
    page = login("admin").get("/areas").text
    for name in ("衡东县", "石滩乡", "洣水镇", "石金村", "小泉屋组", "城关社区"):
        assert name in page
    assert 'href="/persons?area=430424101000">2 人' in page
    assert 'href="/persons?area=430424">3 人' in page


def test_area_tree_of_a_village_doctor_stops_at_her_township(login: Login, people: People) -> None:
    page = login("village_doctor").get("/areas").text
    assert "石滩乡" in page and "石金村" in page
    assert "洣水镇" not in page and "城关社区" not in page


def test_person_search_shows_numbers_masked(login: Login, people: People) -> None:
    page = login("commander").get("/persons", params={"q": "张三"}).text
    assert "张三" in page
    assert mask_id_number(people.zhang.id_number) in page
    assert people.zhang.id_number not in page
    assert "138****1234" in page and "13800001234" not in page


def test_person_search_by_last_four_digits_and_by_area(login: Login, people: People) -> None:
    client = login("commander")
    page = client.get("/persons", params={"q": people.wang.id_number[-4:]}).text
    assert "王五" in page and "张三" not in page
    page = client.get("/persons", params={"area": "430424102000"}).text
    assert "王五" in page and "李四" not in page
    assert 'value="430424102000" selected' in page


def test_person_search_pages_through_long_lists(login: Login, people: People) -> None:
    page = login("commander").get("/persons", params={"q": "", "page": 1}).text
    assert "共 3 条" in page and "第 1 / 1 页" in page
    assert 'rel="next"' not in page


def test_a_bad_area_filter_comes_back_with_the_reason_and_the_input(login: Login, people: People) -> None:
    response = login("commander").get("/persons", params={"q": "张", "area": "12x"})
    assert response.status_code == 200
    assert "12x" in response.text and "digits" in response.text
    assert 'value="张"' in response.text


def test_village_doctor_does_not_find_a_person_of_another_township(login: Login, people: People) -> None:
    client = login("village_doctor")
    page = client.get("/persons", params={"q": "王五"}).text
    assert f'href="/persons/{people.wang.id}"' not in page and "共 0 条" in page
    assert "张三" in client.get("/persons").text
    response = client.get(f"/persons/{people.wang.id}")
    assert response.status_code == 404
    assert "王五" not in response.text
    assert "未找到" in response.text


def test_person_detail_is_masked_with_household_and_local_checkin_times(login: Login, people: People) -> None:
    page = login("village_doctor").get(f"/persons/{people.zhang.id}").text
    assert mask_id_number(people.zhang.id_number) in page and people.zhang.id_number not in page
    assert "李四" in page  # household member
    assert "石滩农贸市场" in page
    assert "2022年3月27日 12:05" in page and "2022年3月27日 13:10" in page
    assert "显示完整号码" not in page  # a village doctor may not see full numbers
    # Nor read the masked digits off the birth date, which they are.
    birth = people.zhang.birth_date
    assert f"{birth.year}年{birth.month}月{birth.day}日" not in page


def test_reveal_shows_the_full_number_and_is_audited(login: Login, people: People, db: Session) -> None:
    client = login("tracer")
    page = client.get(f"/persons/{people.zhang.id}").text
    assert "显示完整号码" in page
    response = client.post(f"/persons/{people.zhang.id}/reveal", data={"csrf": csrf_of(page)})
    assert response.status_code == 200
    assert people.zhang.id_number in response.text and "13800001234" in response.text
    birth = people.zhang.birth_date
    assert f"{birth.year}年{birth.month}月{birth.day}日" in response.text
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "view_identity")).one()
    assert entry.actor == "tracer" and entry.entity_id == str(people.zhang.id)


def test_reveal_without_csrf_or_permission_is_refused(login: Login, people: People) -> None:
    client = login("tracer")
    assert client.post(f"/persons/{people.zhang.id}/reveal", data={"csrf": "forged"}).status_code == 403
    client = login("village_doctor")
    token = csrf_of(client.get(f"/persons/{people.zhang.id}").text)
    response = client.post(f"/persons/{people.zhang.id}/reveal", data={"csrf": token})
    assert response.status_code == 403
    assert people.zhang.id_number not in response.text


def test_person_export_is_an_xlsx_with_masked_numbers_and_is_audited(
    login: Login, people: People, db: Session
) -> None:
    client = login("commander")
    page = client.get("/persons", params={"area": "430424101000"}).text
    assert 'href="/persons/export?area=430424101000"' in page
    response = client.get("/persons/export", params={"area": "430424101000"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "证件号码", "手机号")
    assert {row[0] for row in rows[1:]} == {"张三", "李四"}
    cells = {str(cell) for row in rows for cell in row}
    assert mask_id_number(people.zhang.id_number) in cells and people.zhang.id_number not in cells
    assert "138****1234" in cells and "13800001234" not in cells
    birth = people.zhang.birth_date
    assert not any(str(birth) in cell or birth.strftime("%Y%m%d") in cell for cell in cells)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.actor == "commander" and entry.after is not None and entry.after["rows"] == 2


def test_venue_list_translates_kinds_and_filters(login: Login, people: People) -> None:
    client = login("dispatcher")
    page = client.get("/venues", params={"kind": "market"}).text
    assert "石滩农贸市场" in page and "市场" in page
    assert "石滩农贸市场" not in client.get("/venues", params={"kind": "restaurant"}).text
    client.get("/lang/en")
    assert "Market" in client.get("/venues").text


def test_venue_export_opens_in_excel(login: Login, people: People) -> None:
    response = login("dispatcher").get("/venues/export", params={"q": "农贸"})
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("V-001", "石滩农贸市场", "市场")


def test_person_search_pages_through_more_than_one_page(login: Login, people: People, db: Session) -> None:
    for seq in range(60):
        db.add(Person(id_number=make_id_number("430424", date(1970, 1, 1), 100 + seq, "F"), doc_kind="resident",
                      name=f"赵{seq:02d}", area_code="430424101001"))
    db.flush()
    client = login("commander")
    first = client.get("/persons", params={"q": "赵"}).text
    assert "共 60 条" in first and "第 1 / 2 页" in first
    assert 'href="/persons?q=%E8%B5%B5&amp;page=2"' in first and 'rel="prev"' not in first
    second = client.get("/persons", params={"q": "赵", "page": 2}).text
    assert "第 2 / 2 页" in second and "赵59" in second and "赵00" not in second
    assert 'rel="next"' not in second


def test_a_name_that_looks_like_a_formula_stays_text_in_exports() -> None:
    from fangyi.web.xlsx import workbook_bytes

    content = workbook_bytes("t", ["name"], [['=HYPERLINK("http://x","点我")'], ["-5"], ["张三"]])
    sheet = load_workbook(BytesIO(content)).active
    assert sheet is not None
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ['\'=HYPERLINK("http://x","点我")', "'-5", "张三"]
