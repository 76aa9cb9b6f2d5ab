"""The import page: upload, the row report, and the report of a past run."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.registry.models import Person
from tests.conftest import Cast
from tests.web.conftest import csrf_of

Login = Callable[[str], TestClient]

GOOD = make_id_number("430424", date(1990, 1, 2), 7, "F")
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # checksum broken
CSV = (
    "id_number,name,phone,area_code,remark\n"
    f"{GOOD},赵六,13800001111,430424101001,x\n"
    f"{BAD},钱七,13800002222,430424101001,y\n"
).encode()


def upload(client: TestClient, kind: str, content: bytes | None, *, strict: bool = False,
           csrf: str | None = None) -> str:
    token = csrf if csrf is not None else csrf_of(client.get("/imports").text)
    data = {"kind": kind, "csrf": token} | ({"strict": "1"} if strict else {})
    files = {"file": ("人员.csv", content, "text/csv")} if content is not None else None
    response = client.post("/imports", data=data, files=files)
    return f"{response.status_code}\n{response.text}"


def test_import_page_offers_only_the_kinds_the_role_may_load(login: Login, cast: Cast) -> None:
    page = login("tracer").get("/imports").text
    assert 'value="checkins"' in page
    assert 'value="persons"' not in page and 'value="areas"' not in page
    page = login("admin").get("/imports").text
    assert all(f'value="{kind}"' in page for kind in ("areas", "persons", "venues", "checkins"))


def test_upload_shows_the_row_report_with_each_rejected_row(login: Login, cast: Cast, db: Session) -> None:
    result = upload(login("command_office"), "persons", CSV)
    assert result.startswith("200")
    assert "导入报告" in result and "部分导入" in result
    counts = dict(re.findall(r"<dt>(\S+)</dt><dd>(\d+)</dd>", result))
    assert counts == {"总行数": "2", "已导入": "1", "无变化": "0", "被拒绝": "1"}
    assert "<td>3</td><td>id_number</td>" in result and "checksum" in result
    assert "remark" in result  # the ignored column is said
    assert db.scalar(select(Person.name).where(Person.id_number == GOOD)) == "赵六"


def test_strict_upload_loads_nothing_when_a_row_is_bad(login: Login, cast: Cast, db: Session) -> None:
    result = upload(login("command_office"), "persons", CSV, strict=True)
    assert "已拒绝" in result
    assert 'name="strict" value="1" checked' in result
    assert db.scalar(select(Person.id).where(Person.id_number == GOOD)) is None


def test_a_past_run_can_be_read_again(login: Login, cast: Cast) -> None:
    client = login("command_office")
    result = upload(client, "persons", CSV)
    run_id = re.search(r'href="/imports/(\d+)"', result)
    assert run_id
    page = client.get(f"/imports/{run_id.group(1)}").text
    assert "人员.csv" in page and "checksum" in page
    assert client.get("/imports/999999").status_code == 404


def test_a_kind_the_role_may_not_load_is_refused_on_the_form(login: Login, cast: Cast) -> None:
    result = upload(login("tracer"), "persons", CSV)
    assert result.startswith("403")
    assert "您的角色不能导入此类数据" in result


def test_upload_without_a_file_keeps_the_choices_and_says_why(login: Login, cast: Cast) -> None:
    result = upload(login("command_office"), "venues", None, strict=True)
    assert result.startswith("422")
    assert "请选择要上传的文件" in result
    assert 'value="venues" selected' in result and "checked" in result


def test_upload_without_csrf_is_refused(login: Login, cast: Cast, db: Session) -> None:
    result = upload(login("command_office"), "persons", CSV, csrf="forged")
    assert result.startswith("403")
    assert db.scalar(select(Person.id).where(Person.id_number == GOOD)) is None


def test_a_role_without_imports_cannot_open_the_page(login: Login, cast: Cast) -> None:
    assert login("village_doctor").get("/imports").status_code == 403


def test_an_unreadable_file_is_reported_as_failed(login: Login, cast: Cast) -> None:
    result = upload(login("command_office"), "persons", b"\x00\x01\x02 not a table \x00")
    assert result.startswith("200")
    assert "失败" in result and "status-failed" in result


def test_a_tracer_of_one_township_sees_only_their_own_runs(login: Login, cast: Cast, db: Session) -> None:
    cast["tracer"].area_code = "430424101000"
    db.flush()
    checkins = f"id_number,venue_code,checked_in_at\n{GOOD},V-1,2022-03-27T12:05\n".encode()
    theirs = upload(login("command_office"), "checkins", checkins)
    assert GOOD not in theirs and GOOD[:6] + "********" + GOOD[-4:] in theirs
    other = re.search(r'href="/imports/(\d+)"', theirs)
    assert other
    client = login("tracer")
    page = client.get("/imports").text
    assert f'href="/imports/{other.group(1)}"' not in page
    assert client.get(f"/imports/{other.group(1)}").status_code == 404
    mine = upload(client, "checkins", checkins)
    own = re.findall(r'href="/imports/(\d+)"', mine)
    assert own and other.group(1) not in own
    assert client.get(f"/imports/{own[0]}").status_code == 200
