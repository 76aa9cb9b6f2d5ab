"""One demo user per role, with passwords that the seed reproduces (so they can be printed again)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Role
from fangyi.accounts.service import create_user
from fangyi.demo.places import COUNTY_CODE, SEAT, SHITAN, TOWNSHIPS

TITLES = {
    Role.commander: "指挥长",
    Role.command_office: "指挥部办公室",
    Role.tracer: "疾控流调员",
    Role.sampler: "采样员",
    Role.lab: "检测实验室",
    Role.site_manager: "隔离点负责人",
    Role.dispatcher: "转运调度员",
    Role.driver: "转运司机",
    Role.village_doctor: "村医",
    Role.checkpoint: "卡口值守员",
    Role.admin: "系统管理员",
    Role.sentinel: "卫生院预检分诊台",
}
WORDS = ("mishui", "xiangjiang", "nanyue", "hengshan", "shitan", "dapu", "xintang", "ganxi", "rongheng",
         "bailian", "sanzhang", "gaohu")


def _township(name: str) -> str:
    return next(f"{COUNTY_CODE}{digits}000" for town, digits, *_ in TOWNSHIPS if town == name)


# The village doctor works in 石滩乡, where the case was found; the quarantine site is in the seat.
JURISDICTION = {role: COUNTY_CODE for role in Role} | {
    Role.village_doctor: _township(SHITAN),
    Role.site_manager: _township(SEAT),
    Role.sentinel: _township(SHITAN),  # 石滩乡卫生院's fever desk
}


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    title: str
    area_code: str
    password: str


def logins(seed: int) -> list[Login]:
    rng = random.Random(f"{seed}:users")
    return [
        Login(role.value, role.value, TITLES[role], JURISDICTION[role],
              f"{rng.choice(WORDS)}-{rng.randrange(1000, 10000)}")
        for role in Role
    ]


def create_users(session: Session, seed: int) -> list[Login]:
    made = logins(seed)
    for login in made:
        create_user(session, SYSTEM, username=login.username, password=login.password, role=login.role,
                    area_code=login.area_code, display_name=login.title)
    return made
