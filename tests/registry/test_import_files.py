"""Reading import files: encodings, Excel sheets, headers, and files that cannot be read."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.audit.models import AuditEntry
from fangyi.imports.models import ImportProblem, ImportRun
from fangyi.imports.read import scan
from fangyi.imports.service import run_import
from fangyi.registry.models import Household, Person, Venue
from tests.conftest import Cast
from tests.registry.data.make import PERSON_HEADER, csv_bytes, id_number, person_row, write, xlsx

NAMES = ["张三", "李四", "王五"]


def _people_csv(encoding: str) -> bytes:
    return csv_bytes(PERSON_HEADER, [person_row(i, name) for i, name in enumerate(NAMES)], encoding)


def _names(db: Session) -> list[str]:
    return sorted(db.scalars(select(Person.name)))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_each_encoding_loads_chinese_names(db: Session, cast: Cast, tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "persons.csv", _people_csv(encoding))
    report = run_import(db, SYSTEM, "persons", path)
    assert (report.status, report.exit_code, report.rows_loaded) == ("done", 0, 3)
    assert _names(db) == sorted(NAMES)


def test_gb18030_file_whose_first_megabyte_is_ascii_is_still_gb18030() -> None:
    rows = [[id_number(i), "Zhang", "M", "", "", "430424101001"] for i in range(30000)] + [[id_number(1), "张三"]]
    data = csv_bytes(PERSON_HEADER[:6], rows, "gb18030")
    assert len(data) > 1 << 20 and data[: 1 << 20].isascii()
    info = scan(io.BytesIO(data))
    assert info.encoding == "gb18030"
    assert scan(io.BytesIO(data.decode("gb18030").encode())).encoding == "utf-8"


def test_utf8_character_cut_at_a_chunk_boundary_is_still_utf8() -> None:
    data = b"a" * ((1 << 20) - 1) + "张".encode()  # the character straddles the first chunk's end
    assert scan(io.BytesIO(data)).encoding == "utf-8"


def test_blank_lines_are_skipped_and_lines_are_physical(db: Session, cast: Cast) -> None:
    bad = person_row(9, "坏校验")
    bad[0] = str(bad[0])[:-1] + ("0" if str(bad[0])[-1] != "0" else "1")
    text = _people_csv("utf-8").decode().replace("\r\n", "\r\n\r\n,,,,,,,\r\n", 1)
    text += "\r\n" + ",".join(map(str, bad)) + "\r\n"
    report = run_import(db, SYSTEM, "persons", io.BytesIO(text.encode()), filename="p.csv")
    assert report.rows_total == 4 and report.rows_loaded == 3
    # header 1, blank 2, blank-cells 3, rows 4-6, blank 7, the bad row 8
    assert [(p.line, p.column) for p in report.problems] == [(8, "id_number")]
    assert "checksum" in report.problems[0].reason


def test_xlsx_with_merged_title_row_above_header(db: Session, cast: Cast, tmp_path: Path) -> None:
    rows: list[list[object]] = [list(PERSON_HEADER), *(person_row(i, name) for i, name in enumerate(NAMES))]
    rows.append([None] * len(PERSON_HEADER))
    bad = person_row(7, "出生日期错")
    bad[3] = "1991-01-01"
    rows.append(bad)
    path = xlsx(tmp_path / "persons.xlsx", rows, title="衡东县人员名单", merge="A1:H1")
    report = run_import(db, SYSTEM, "persons", path)
    assert report.rows_loaded == 3 and report.rows_rejected == 1
    assert report.message is not None and "row 1 above the header" in report.message
    # title 1, header 2, people 3-5, blank 6, bad 7: the row numbers Excel shows
    assert [(p.line, p.column) for p in report.problems] == [(7, "birth_date")]
    assert "contradicts the identity number" in report.problems[0].reason
    assert _names(db) == sorted(NAMES)


def test_xlsx_with_merged_header_cells_leaving_blanks(db: Session, cast: Cast, tmp_path: Path) -> None:
    header = ["id_number", "name", None, "area_code", "备注", None]
    rows = [header, [id_number(1), "赵六", None, "430424101001", "note", None]]
    path = xlsx(tmp_path / "p.xlsx", rows)
    report = run_import(db, SYSTEM, "persons", path)
    assert report.status == "done" and report.rows_loaded == 1
    assert report.ignored_columns == ["备注"]


def test_xlsx_numbers_become_text(db: Session, cast: Cast, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "v.xlsx", [["code", "name", "kind", "area_code", "default_stay_minutes"],
                                      ["V1", "饭店", "restaurant", 430424101001, 30.0]])
    report = run_import(db, SYSTEM, "venues", path)
    assert report.status == "done", report.problems
    venue = db.scalar(select(Venue))
    assert venue is not None and (venue.area_code, venue.default_stay_minutes) == ("430424101001", 30)


def test_extra_columns_are_reported_once(db: Session, cast: Cast) -> None:
    header = (*PERSON_HEADER, "备注", "remark")
    rows = [[*person_row(i, name), "x", "y"] for i, name in enumerate(NAMES)]
    report = run_import(db, SYSTEM, "persons", io.BytesIO(csv_bytes(header, rows)), filename="p.csv")
    assert report.ignored_columns == ["备注", "remark"]
    assert report.message is not None and report.message.count("remark") == 1
    assert report.exit_code == 0


def test_missing_required_column_means_the_file_cannot_be_read(db: Session, cast: Cast) -> None:
    header = ("id_number", "sex", "phone")
    data = csv_bytes(header, [[id_number(1), "M", "13800138000"]])
    report = run_import(db, SYSTEM, "persons", io.BytesIO(data), filename="p.csv")
    assert (report.status, report.exit_code) == ("failed", 1)
    assert report.message is not None and "name" in report.message and "area_code" in report.message
    assert db.scalar(select(func.count()).select_from(Person)) == 0
    run = db.get(ImportRun, report.import_id)
    assert run is not None and run.status == "failed"


def test_random_bytes_cannot_be_read_and_nothing_is_written(db: Session, cast: Cast) -> None:
    data = random.Random(7).randbytes(300_000)
    audits_before = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    report = run_import(db, SYSTEM, "persons", io.BytesIO(data), filename="persons.csv")
    assert report.exit_code == 1 and report.rows_loaded == 0
    assert report.message and "not a CSV or Excel file" in report.message
    assert db.scalar(select(func.count()).select_from(Person)) == 0
    assert db.scalar(select(func.count()).select_from(Household)) == 0
    # the run itself is on record, with its one audit entry
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits_before + 1


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("p.xlsx", b"this is not a zip at all", "not one"),
        ("p.xlsx", b"PK\x03\x04" + os.urandom(2000), "not a readable Excel"),
        ("p.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls"),
        ("p.csv", b"", "empty"),
        ("p.csv", "名字,年龄\n张三,3\n".encode(), "missing"),
    ],
)
def test_files_of_the_wrong_kind_say_why(db: Session, cast: Cast, name: str, data: bytes, says: str) -> None:
    report = run_import(db, SYSTEM, "persons", io.BytesIO(data), filename=name)
    assert report.status == "failed"
    assert report.message is not None and says in report.message
    assert db.scalar(select(func.count()).select_from(ImportProblem)) == 0


def test_invalid_utf8_late_in_a_gbk_named_file_fails_without_writing(db: Session, cast: Cast) -> None:
    good = _people_csv("utf-8")
    data = good + b"\x81"  # a lone GB18030 lead byte at the very end: neither encoding
    report = run_import(db, SYSTEM, "persons", io.BytesIO(data), filename="p.csv")
    assert report.status == "failed"
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_a_nul_byte_far_into_a_csv_makes_it_unreadable(db: Session, cast: Cast) -> None:
    rows = [person_row(i, f"人{i}") for i in range(200)]
    data = csv_bytes(PERSON_HEADER, rows) + b"430424,\x00bad,M,,,430424101001,,\r\n"
    assert b"\x00" not in data[:4096]
    report = run_import(db, SYSTEM, "persons", io.BytesIO(data), filename="p\x00.csv")
    assert report.status == "failed" and report.message and "binary" in report.message
    assert report.filename == "p.csv"
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_a_row_with_more_cells_than_the_header_is_refused_not_shifted(db: Session, cast: Cast) -> None:
    good = person_row(0, "张三")
    shifted = person_row(1, "李四", household="H-1")
    shifted[6] = "石金村,1号"  # an unquoted comma in the address
    trailing = person_row(2, "王五")
    text = csv_bytes(PERSON_HEADER, [good]).decode()
    text += ",".join(map(str, shifted)) + "\r\n" + ",".join(map(str, trailing)) + ",,\r\n"
    report = run_import(db, SYSTEM, "persons", io.BytesIO(text.encode()), filename="p.csv")
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert [(p.line, p.column) for p in report.problems] == [(3, None)]
    assert report.problems[0].reason == "row has 9 cells, the header has 8 (an unquoted comma?)"
    assert _names(db) == ["张三", "王五"]


def test_xlsx_birth_dates_in_date_cells_are_read_as_dates(db: Session, cast: Cast, tmp_path: Path) -> None:
    from datetime import date, datetime

    rows: list[list[object]] = [list(PERSON_HEADER)]
    for i, name in enumerate(NAMES[:2]):
        row = person_row(i, name)
        row[3] = datetime.fromisoformat(str(row[3])) if i == 0 else date.fromisoformat(str(row[3]))
        rows.append(row)
    report = run_import(db, SYSTEM, "persons", xlsx(tmp_path / "p.xlsx", rows))
    assert (report.status, report.rows_loaded) == ("done", 2), report.problems
    assert sorted(db.scalars(select(Person.birth_date))) == [date(1960, 1, 1)] * 2


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """A workbook whose shared strings are one cell's text repeated: tiny packed, huge unpacked."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with book.open("xl/sharedStrings.xml", "w") as strings:
            block = b"<si><t>" + b"A" * 1000 + b"</t></si>"
            strings.write(b'<?xml version="1.0"?><sst>')
            for _ in range(unpacked_mb * 1000):
                strings.write(block)
            strings.write(b"</sst>")
    return path


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(db: Session, cast: Cast, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "persons.xlsx", unpacked_mb=60)
    assert bomb.stat().st_size < 1 << 20
    report = run_import(db, cast["admin"], "persons", bomb)
    assert report.status == "failed" and "times larger than it is packed" in (report.message or "")
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_a_workbook_over_the_unpacked_limit_is_refused(db: Session, cast: Cast, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANGYI_MAX_XLSX_UNPACKED_MB", "1")
    path = xlsx(tmp_path / "persons.xlsx", [PERSON_HEADER, *[person_row(i, f"人{i}") for i in range(3000)]])
    report = run_import(db, cast["admin"], "persons", path)
    assert report.status == "failed" and "more than the 1 MB an import takes" in (report.message or "")


# (A NUL makes the whole file binary: refused whole, see test_random_bytes_cannot_be_read…)
@pytest.mark.parametrize("control", ["\x1b", "\x7f", "\x85"])
def test_a_cell_with_a_control_character_is_refused_by_line_and_column(db: Session, cast: Cast,
                                                                        control: str) -> None:
    rows = [person_row(0, "张三"), person_row(1, f"李{control}四"), person_row(2, "王五")]
    report = run_import(db, cast["admin"], "persons", io.BytesIO(csv_bytes(PERSON_HEADER, rows, "utf-8")),
                        filename="persons.csv")
    assert [(p.line, p.column) for p in report.problems] == [(3, "name")]
    assert _names(db) == ["张三", "王五"]

