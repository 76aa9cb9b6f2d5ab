"""A small round: two households in 石金村, one person in 城关社区, a point, a lab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.registry.models import Person
from fangyi.registry.persons import clean_person, save_person
from fangyi.screening.models import SamplingPoint, ScreeningRound
from fangyi.screening.setup import RoundFields, create_lab, create_point, create_round
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, Cast
from tests.web.conftest import login  # noqa: F401  (the page tests sign in through it)

START = datetime(2022, 4, 1, 0, 0, tzinfo=UTC)  # 08:00 in Hengdong


def id_number(seq: int) -> str:
    return make_id_number("430424", date(1980, 5, 1), seq, "M")


@dataclass
class Ground:
    people: list[Person]  # 12 residents of 石金村 (households HH-1..HH-4), one of 城关社区 last
    round: ScreeningRound
    point: SamplingPoint


@pytest.fixture
def ground(db: Session, cast: Cast) -> Ground:
    admin = cast["admin"]
    people = []
    for seq in range(1, 13):
        fields = clean_person({"id_number": id_number(seq), "name": f"居民{seq}", "area_code": SHIJIN,
                               "household": f"HH-{(seq - 1) // 3 + 1}", "address": f"石金村{(seq - 1) // 3 + 1}号"})
        people.append(save_person(db, admin, fields))
    people.append(save_person(db, admin, clean_person({"id_number": id_number(13), "name": "城关居民",
                                                        "area_code": CHENGGUAN})))
    for person in people:
        person.created_at = datetime(2022, 1, 1, tzinfo=UTC)
    found = create_round(db, admin, RoundFields("R1", "第一轮全员核酸", [COUNTY], START))
    point = create_point(db, admin, code="P-SJ", name="石金村采样点", area_code=SHIJIN, address="村委会",
                         hours="07:00-19:00")
    create_lab(db, admin, "LAB-1", "衡东县人民医院")
    db.flush()
    return Ground(people, found, point)
