"""A small workforce for the tests: two institutions (one in 石滩乡, one in 洣水镇), staff of each,
posts in each township, and a date far from today so that a week is whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.auth.models import User
from fangyi.workforce import service
from fangyi.workforce.models import Institution, Post, Staff
from tests.conftest import CHENGGUAN, MISHUI, SHIJIN, SHITAN

MONDAY = date(2030, 3, 25)


@dataclass
class Workforce:
    db: Session
    shitan: Institution
    mishui: Institution
    staff: dict[str, Staff] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)

    def person(self, name: str, phone: str, quals: str, *, at: str = "shitan", user: User | None = None) -> Staff:
        home = self.shitan if at == "shitan" else self.mishui
        made = service.create_staff(self.db, SYSTEM, name=name, phone=phone, institution=home.code,
                                    qualifications=quals, user_id=user.id if user else None)
        self.staff[name] = made
        return made


def workforce(db: Session) -> Workforce:
    shitan = service.create_institution(db, SYSTEM, code="STWSY", name="石滩乡卫生院", kind="township_health_centre",
                                        area_code=SHITAN)
    mishui = service.create_institution(db, SYSTEM, code="XRMYY", name="县人民医院", kind="hospital",
                                        area_code=MISHUI)
    world = Workforce(db, shitan, mishui)
    world.posts["point"] = service.create_post(db, SYSTEM, code="CYD-01", name="石金村采样点", kind="sampling_point",
                                               area_code=SHIJIN, needs={"day": {"sampler": 2}})
    world.posts["gate"] = service.create_post(db, SYSTEM, code="KK-01", name="城关卡口", kind="checkpoint",
                                              area_code=CHENGGUAN, needs={"night": {"security": 1}})
    db.flush()
    return world


def user(db: Session, username: str, role: str, area: str) -> User:
    made = accounts.create_user(db, SYSTEM, username=username, password=f"{username}-pass-2022", role=role,
                                area_code=area)
    db.flush()
    return made
