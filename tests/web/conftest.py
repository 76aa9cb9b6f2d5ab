"""Page tests sign in the way a person does: the login form, its CSRF field, the cookie."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person, Venue
from fangyi.registry.persons import clean_person, save_person
from tests.conftest import CHENGGUAN, SHIJIN, SHITAN, Cast, password_for

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str | None = None, next_url: str = "") -> str:
    """Post the login form as a browser would; returns where the app sent us."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password or password_for(username), "csrf": token,
              "next": next_url},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


@pytest.fixture
def login(client: TestClient, cast: Cast) -> Callable[[str], TestClient]:
    def as_role(role: str) -> TestClient:
        client.cookies.clear()
        sign_in(client, role)
        return client

    return as_role


@dataclass
class People:
    """Two persons of 石滩乡 sharing a household, one of 洣水镇, a venue and a check-in."""

    zhang: Person  # 石金村, 石滩乡
    li: Person  # same household as zhang
    wang: Person  # 城关社区, 洣水镇
    venue: Venue


def add_person(session: Session, actor: User, name: str, area: str, seq: int, phone: str,
               household: str | None = None) -> Person:
    id_number = make_id_number("430424", date(1980, 5, 1), seq, "M")
    fields = clean_person({"id_number": id_number, "name": name, "phone": phone, "area_code": area,
                           "household": household})
    return save_person(session, actor, fields)


@pytest.fixture
def people(db: Session, cast: Cast) -> People:
    admin = cast["admin"]
    zhang = add_person(db, admin, "张三", SHIJIN, 1, "13800001234", household="HH-1")
    li = add_person(db, admin, "李四", SHIJIN, 2, "13900005678", household="HH-1")
    wang = add_person(db, admin, "王五", CHENGGUAN, 3, "13700009999")
    venue = Venue(code="V-001", name="石滩农贸市场", kind="market", area_code=SHITAN)
    db.add(venue)
    db.flush()
    # 2022-03-27 12:05 in Hengdong is 04:05 UTC.
    in_at = int(datetime(2022, 3, 27, 4, 5, tzinfo=UTC).timestamp())
    db.add(Checkin(person_id=zhang.id, venue_id=venue.id, in_at=in_at, out_at=in_at + 3900))
    db.flush()
    return People(zhang, li, wang, venue)
