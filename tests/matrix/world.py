"""The matrix's world: a township inside the matrix users' jurisdiction (石滩乡) and one outside it
(洣水镇), each holding one record of every kind a route can name, and a user of every role whose
jurisdiction is the inside township.

Each part adds its records through a builder of its own (`build_<part>.py`, listed in BUILDERS),
run in the parts' order; a record of the outside township registers the words that identify it
(`Side.mark`), which no answer to a matrix user may carry unless the request itself did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Role
from fangyi.accounts import service as accounts
from fangyi.auth.models import User
from fangyi.auth.sessions import open_session
from fangyi.registry.models import Area, Person
from tests.conftest import COUNTY, MISHUI, SHITAN

OUT_VILLAGE = "430424102002"  # 新桥村, in 洣水镇
OUT_GROUP = "430424102002001"  # 新桥村一组
IN_VILLAGE = "430424101002"  # 金龙村, in 石滩乡
IN_GROUP = "430424101002001"  # 金龙村一组


@dataclass
class Side:
    name: str  # inside | outside
    township: str
    village: str
    group: str
    records: dict[str, Any] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)

    def __getitem__(self, kind: str) -> Any:
        return self.records[kind]

    def add(self, kind: str, record: Any, *marks: str | None) -> Any:
        """Keep a record of this side; the words given identify it in an answer."""
        self.records[kind] = record
        self.markers.update(mark for mark in marks if mark)
        return record


@dataclass
class World:
    session: Session
    inside: Side
    outside: Side
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)
    cookies: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (session cookie, csrf)
    # The role being probed, for a probe whose record depends on who asks (a run only its maker reads).
    role: str = ""
    # Whole identity and phone numbers of the inside township's people: a role that sees them masked
    # never reads one in an answer (an error message included) unless its request carried it.
    secrets: set[str] = field(default_factory=set)

    def sides(self) -> tuple[Side, Side]:
        return self.inside, self.outside


Builder = Callable[[World], None]


def _areas(session: Session) -> None:
    for code, name, level, parent in [
        (COUNTY, "衡东县", "county", None),
        (SHITAN, "石滩乡", "township", COUNTY),
        (MISHUI, "洣水镇", "township", COUNTY),
        (IN_VILLAGE, "金龙村", "village", SHITAN),
        (IN_GROUP, "金龙村一组", "group", IN_VILLAGE),
        (OUT_VILLAGE, "新桥村", "village", MISHUI),
        (OUT_GROUP, "新桥村一组", "group", OUT_VILLAGE),
    ]:
        session.add(Area(code=code, name=name, level=level, parent_code=parent))
    session.flush()


def build_world(session: Session, builders: list[Builder]) -> World:
    _areas(session)
    world = World(session, Side("inside", SHITAN, IN_VILLAGE, IN_GROUP),
                  Side("outside", MISHUI, OUT_VILLAGE, OUT_GROUP))
    for role in Role:
        user = accounts.create_user(session, SYSTEM, username=f"m-{role.value}", password=f"{role.value}-pass-2022",
                                    role=role.value, area_code=SHITAN)
        world.users[role.value] = user
        world.tokens[role.value] = accounts.issue_token(session, SYSTEM, user, "matrix")
        world.token_ids[role.value] = max(token.id for token in accounts.tokens_of(session, SYSTEM, user))
        world.cookies[role.value] = open_session(session, user)
    session.flush()
    for build in builders:
        build(world)
        session.flush()
    for id_number, phone in session.execute(select(Person.id_number, Person.phone)
                                            .where(Person.area_code.startswith(world.inside.township[:9]))):
        world.secrets.update(value for value in (id_number, phone) if value)
    return world
