"""A little registry on top of the cast: two persons in two townships, two venues, stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person, Venue
from tests.conftest import CHENGGUAN, SHIJIN, XIAOQUANWU, Cast

LIU = make_id_number("430424", date(1985, 6, 1), 12, "M")  # lives in 石滩乡
WANG = make_id_number("430424", date(1990, 2, 3), 7, "F")  # lives in 洣水镇
# 2022-03-27 12:05 and 13:10 in Hengdong (UTC+8)
NOON = 1648353900
ONE_PM = NOON + 65 * 60


@dataclass
class Ground:
    liu: Person
    wang: Person
    shop: Venue  # in 石金村
    market: Venue  # in 城关社区


@pytest.fixture
def ground(db: Session, cast: Cast) -> Ground:
    del cast  # the areas come with the cast
    liu = Person(id_number=LIU, doc_kind="resident", name="刘建国", sex="M", birth_date=date(1985, 6, 1),
                 phone="13812345678", area_code=XIAOQUANWU)
    wang = Person(id_number=WANG, doc_kind="resident", name="王芳", sex="F", birth_date=date(1990, 2, 3),
                  phone="13987654321", area_code=CHENGGUAN)
    shop = Venue(code="HD-SHOP-1", name="石金小卖部", kind="shop", area_code=SHIJIN)
    market = Venue(code="HD-MKT-1", name="城关农贸市场", kind="market", area_code=CHENGGUAN)
    db.add_all([liu, wang, shop, market])
    db.flush()
    db.add(Checkin(person_id=liu.id, venue_id=shop.id, in_at=NOON, out_at=ONE_PM))
    db.add(Checkin(person_id=wang.id, venue_id=market.id, in_at=NOON))
    db.flush()
    return Ground(liu, wang, shop, market)
