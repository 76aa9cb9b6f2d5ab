"""Small import files, made in the tests so that each shows what it is about."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.registry.models import Person, Venue

SHITAN = "430424101000"
SHIJIN = "430424101001"
CHENGGUAN = "430424102001"
MISHUI = "430424102000"


def id_number(seq: int, sex: str = "M") -> str:
    """A distinct valid number for each seq (make_id_number's sequence wraps at 500)."""
    return make_id_number("430424", date(1960, 1, 1) + timedelta(days=seq // 500), seq, sex)


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def xlsx(path: Path, rows: Sequence[Sequence[object]], *, title: str | None = None, merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title is not None:
        sheet.append([title])
        if merge:
            sheet.merge_cells(merge)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


PERSON_HEADER = ("id_number", "name", "sex", "birth_date", "phone", "area_code", "address", "household")


def person_row(seq: int, name: str, area: str = SHIJIN, sex: str = "M", household: str = "") -> list[object]:
    number = id_number(seq, sex)
    born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    return [number, name, "男" if sex == "M" else "女", born, "13800138000", area, "石金村1号", household]


def add_people(session: Session, count: int, area: str = SHIJIN) -> list[Person]:
    people = [
        Person(id_number=id_number(i), doc_kind="resident", name=f"人{i}", sex="M",
               birth_date=date(1960, 1, 1) + timedelta(days=i // 500), area_code=area)
        for i in range(count)
    ]
    session.add_all(people)
    session.flush()
    return people


def add_venues(session: Session) -> list[Venue]:
    venues = [
        Venue(code="V-SJ-1", name="石金村小卖部", kind="shop", area_code=SHIJIN),
        Venue(code="V-CG-1", name="城关饭店", kind="restaurant", area_code=CHENGGUAN),
    ]
    session.add_all(venues)
    session.flush()
    return venues
