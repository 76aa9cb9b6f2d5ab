"""The registry's checks live in its services: every record a request names or touches lies in the
user's jurisdiction (else 404, as a record that does not exist), permission before anything is
looked up (else 403 whatever the record), and no error quotes the number of someone the user may not
read. The users here are of 石滩乡; 王芳, the market and 城关社区 lie in 洣水镇."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.errors import NotFound
from fangyi.registry.models import Household, Person, PersonMerge
from fangyi.registry.persons import clean_person, merge_persons, save_person, undo_merge
from tests.api.conftest import WANG, Ground
from tests.conftest import CHENGGUAN, SHITAN, XIAOQUANWU, Cast

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def township(db: Session, cast: Cast) -> Headers:
    """API headers of a user of the given role whose jurisdiction is 石滩乡."""
    del cast  # the areas come with the cast

    def headers(role: str) -> dict[str, str]:
        user = accounts.create_user(db, SYSTEM, username=f"shitan-{role}", password="a-long-pass-2022", role=role,
                                    area_code=SHITAN)
        return {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, user, 'test')}"}

    return headers


def test_an_area_outside_is_refused_as_forbidden_to_a_role_that_may_not_edit_areas(
    client: TestClient, township: Headers
):
    # Permission first: the answer does not tell whether the area lies outside.
    response = client.patch(f"/api/v1/areas/{CHENGGUAN}", json={"name": "改名"}, headers=township("commander"))
    assert response.status_code == 403


def test_an_invalid_body_from_a_role_that_may_not_write_is_forbidden(client: TestClient, cast: Cast):
    response = client.post("/api/v1/venues", json={"code": "X1", "name": "网吧", "kind": "cafe",
                                                   "area_code": CHENGGUAN}, headers=cast.headers("sampler"))
    assert response.status_code == 403


def test_stays_at_a_venue_outside_are_not_found_rather_than_an_empty_list(
    client: TestClient, ground: Ground, township: Headers
):
    headers = township("tracer")
    response = client.get("/api/v1/checkins", params={"venue": ground.market.id}, headers=headers)
    assert response.status_code == 404
    assert client.get("/api/v1/checkins", params={"person": ground.wang.id}, headers=headers).status_code == 404
    assert client.get("/api/v1/checkins", params={"venue": ground.shop.id}, headers=headers).json()["total"] == 1


def test_a_number_held_outside_is_not_quoted_in_the_conflict(client: TestClient, ground: Ground, township: Headers):
    response = client.post("/api/v1/persons", json={"id_number": WANG, "name": "王芳", "area_code": XIAOQUANWU},
                           headers=township("tracer"))
    assert response.status_code == 409 and response.json()["column"] == "id_number"
    assert WANG not in response.text and WANG[-4:] not in response.text


def test_a_number_the_user_may_read_is_quoted_in_the_conflict(client: TestClient, ground: Ground, cast: Cast):
    response = client.post("/api/v1/persons", json={"id_number": WANG, "name": "王芳", "area_code": CHENGGUAN},
                           headers=cast.headers("tracer"))
    assert response.status_code == 409 and WANG in response.json()["detail"]


def test_a_person_cannot_join_a_household_outside(client: TestClient, db: Session, ground: Ground, township: Headers):
    db.add(Household(code="HH-MISHUI", area_code=CHENGGUAN))
    db.flush()
    response = client.patch(f"/api/v1/persons/{ground.liu.id}", json={"household": "HH-MISHUI"},
                            headers=township("tracer"))
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Person, ground.liu.id).household_id is None  # type: ignore[union-attr]


def test_a_stay_outside_is_not_found(client: TestClient, ground: Ground, township: Headers):
    response = client.post("/api/v1/checkins", json={"id_number": WANG, "venue_code": "HD-MKT-1",
                                                     "checked_in_at": "2022-03-27T15:00"}, headers=township("tracer"))
    assert response.status_code == 404 and WANG not in response.text


def test_an_undone_merge_outside_is_not_found_rather_than_a_conflict(db: Session, cast: Cast):
    office = accounts.create_user(db, SYSTEM, username="shitan-office", password="a-long-pass-2022",
                                  role="command_office", area_code=SHITAN)
    admin = cast["admin"]
    a = save_person(db, admin, clean_person({"id_number": "P:MX0001", "name": "王芳", "area_code": CHENGGUAN}))
    b = save_person(db, admin, clean_person({"id_number": "P:MX0002", "name": "王芳", "area_code": CHENGGUAN}))
    merge = merge_persons(db, admin, survivor_id=a.id, merged_id=b.id, reason="dup")
    undo_merge(db, admin, merge.id)
    with pytest.raises(NotFound):
        undo_merge(db, office, merge.id)
    assert db.scalar(select(PersonMerge.undone_at).where(PersonMerge.id == merge.id)) is not None


def test_a_record_outside_answers_exactly_as_one_that_does_not_exist(
    client: TestClient, ground: Ground, township: Headers
):
    headers = township("tracer")
    for outside, missing in ((f"/api/v1/persons/{ground.wang.id}", "/api/v1/persons/999999"),
                             (f"/api/v1/venues/{ground.market.id}", "/api/v1/venues/999999"),
                             (f"/api/v1/areas/{CHENGGUAN}", "/api/v1/areas/430424101999")):
        there, nowhere = client.get(outside, headers=headers), client.get(missing, headers=headers)
        assert there.status_code == nowhere.status_code == 404
        assert there.json() == nowhere.json()
