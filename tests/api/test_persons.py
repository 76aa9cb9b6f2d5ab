"""Persons over the API: jurisdiction, masking, unmasking, writes with their audit, merges."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person
from tests.api.conftest import LIU, WANG, Ground
from tests.conftest import SHIJIN, XIAOQUANWU, Cast

ZHAO = make_id_number("430424", date(1978, 11, 30), 41, "M")


def test_village_doctor_cannot_see_person_in_another_township(client: TestClient, cast: Cast, ground: Ground):
    headers = cast.headers("village_doctor")
    assert client.get(f"/api/v1/persons/{ground.liu.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/persons/{ground.wang.id}", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    names = [p["name"] for p in client.get("/api/v1/persons", headers=headers).json()["items"]]
    assert names == ["刘建国"]


def test_identity_masked_in_search(client: TestClient, cast: Cast, ground: Ground):
    # Even a role allowed to see identities gets masked numbers in a list.
    body = client.get("/api/v1/persons", params={"q": "刘建国"}, headers=cast.headers("admin")).json()
    assert body["total"] == 1
    [person] = body["items"]
    assert person["id_number"] == LIU[:6] + "********" + LIU[-4:]
    assert person["phone"] == "138****5678"
    assert person["birth_date"] is None  # it would give away the middle of the number
    assert person["masked"] is True


def test_search_by_last_digits_of_identity_number(client: TestClient, cast: Cast, ground: Ground):
    body = client.get("/api/v1/persons", params={"q": WANG[-6:]}, headers=cast.headers("tracer")).json()
    assert [p["name"] for p in body["items"]] == ["王芳"]


def test_person_detail_is_masked_without_unmask(client: TestClient, cast: Cast, ground: Ground):
    body = client.get(f"/api/v1/persons/{ground.liu.id}", headers=cast.headers("tracer")).json()
    assert body["id_number"] != LIU and body["masked"] is True


def test_unmask_is_audited(client: TestClient, cast: Cast, ground: Ground, db: Session):
    response = client.get(f"/api/v1/persons/{ground.liu.id}?unmask=true", headers=cast.headers("tracer"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id_number"], body["phone"], body["birth_date"]) == (LIU, "13812345678", "1985-06-01")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "view_identity")).all()
    assert [(e.actor, e.entity, e.entity_id) for e in entries] == [("tracer", "person", str(ground.liu.id))]


def test_unmask_refused_for_sampler(client: TestClient, cast: Cast, ground: Ground, db: Session):
    response = client.get(f"/api/v1/persons/{ground.liu.id}?unmask=true", headers=cast.headers("sampler"))
    assert response.status_code == 403
    assert LIU not in response.text
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "view_identity")).all() == []


def test_create_person_reads_birth_date_and_sex_from_the_number(client: TestClient, cast: Cast):
    response = client.post(
        "/api/v1/persons",
        json={"id_number": ZHAO, "name": "赵志强", "area_code": XIAOQUANWU, "phone": "139 1111 2222"},
        headers=cast.headers("village_doctor"),
    )
    assert response.status_code == 201, response.text
    person_id = response.json()["id"]
    full = client.get(f"/api/v1/persons/{person_id}?unmask=true", headers=cast.headers("admin")).json()
    assert (full["sex"], full["birth_date"], full["phone"]) == ("M", "1978-11-30", "13911112222")


def test_bad_checksum_is_422_with_column(client: TestClient, cast: Cast, db: Session):
    wrong = ZHAO[:17] + ("0" if ZHAO[17] != "0" else "1")
    response = client.post(
        "/api/v1/persons", json={"id_number": wrong, "name": "赵志强", "area_code": XIAOQUANWU},
        headers=cast.headers("admin"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["column"] == "id_number"
    assert "checksum" in response.json()["detail"]
    assert db.scalar(select(Person).where(Person.name == "赵志强")) is None


def test_unknown_area_is_422_with_column(client: TestClient, cast: Cast):
    response = client.post(
        "/api/v1/persons", json={"id_number": ZHAO, "name": "赵志强", "area_code": "430424101009"},
        headers=cast.headers("admin"),
    )
    assert response.status_code == 422 and response.json()["column"] == "area_code"


def test_same_identity_number_twice_is_409(client: TestClient, cast: Cast, ground: Ground):
    response = client.post(
        "/api/v1/persons", json={"id_number": LIU, "name": "刘建国", "area_code": XIAOQUANWU},
        headers=cast.headers("admin"),
    )
    assert response.status_code == 409


def test_village_doctor_cannot_add_person_in_another_township(client: TestClient, cast: Cast):
    response = client.post(
        "/api/v1/persons", json={"id_number": ZHAO, "name": "赵志强", "area_code": "430424102001"},
        headers=cast.headers("village_doctor"),
    )
    assert response.status_code == 404


def test_sampler_cannot_add_person(client: TestClient, cast: Cast):
    response = client.post(
        "/api/v1/persons", json={"id_number": ZHAO, "name": "赵志强", "area_code": XIAOQUANWU},
        headers=cast.headers("sampler"),
    )
    assert response.status_code == 403


def test_person_write_is_audited_with_before_and_after(client: TestClient, cast: Cast, ground: Ground, db: Session):
    response = client.patch(
        f"/api/v1/persons/{ground.liu.id}", json={"address": "石金村3组12号", "area_code": SHIJIN},
        headers=cast.headers("tracer"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["address"] == "石金村3组12号"
    assert response.json()["name"] == "刘建国"  # fields not sent stay as they were
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.action == "update")).one()
    assert entry.actor == "tracer" and entry.entity_id == str(ground.liu.id)
    assert entry.before == {"address": None, "area_code": XIAOQUANWU}
    assert entry.after == {"address": "石金村3组12号", "area_code": SHIJIN}


def test_patch_contradicting_the_number_is_422_and_changes_nothing(
    client: TestClient, cast: Cast, ground: Ground, db: Session
):
    response = client.patch(f"/api/v1/persons/{ground.liu.id}", json={"sex": "女"}, headers=cast.headers("admin"))
    assert response.status_code == 422 and response.json()["column"] == "sex"
    db.refresh(ground.liu)
    assert ground.liu.sex == "M"


def test_patch_to_another_persons_number_is_409(client: TestClient, cast: Cast, ground: Ground):
    response = client.patch(f"/api/v1/persons/{ground.liu.id}", json={"id_number": WANG},
                            headers=cast.headers("admin"))
    assert response.status_code == 409 and response.json()["column"] == "id_number"


def test_merge_moves_checkins_and_undo_restores(client: TestClient, cast: Cast, ground: Ground, db: Session):
    headers = cast.headers("command_office")
    duplicate = client.post(
        "/api/v1/persons", json={"id_number": "P:E12345678", "name": "刘建国", "area_code": XIAOQUANWU},
        headers=cast.headers("admin"),
    ).json()
    stay = client.post(
        "/api/v1/checkins",
        json={"id_number": "P:E12345678", "venue_code": "HD-MKT-1", "checked_in_at": "2022-03-28T09:00"},
        headers=headers,
    )
    assert stay.status_code == 201, stay.text

    merge = client.post(f"/api/v1/persons/{ground.liu.id}/merge",
                        json={"merged_id": duplicate["id"], "reason": "same man, passport and ID card"},
                        headers=headers)
    assert merge.status_code == 201, merge.text
    assert merge.json()["moved"]["checkins.person_id"] == 1
    stays = client.get(f"/api/v1/persons/{ground.liu.id}/checkins", headers=headers).json()
    assert sorted(s["venue_code"] for s in stays["items"]) == ["HD-MKT-1", "HD-SHOP-1"]
    assert client.get("/api/v1/persons", params={"q": "刘建国"}, headers=headers).json()["total"] == 1

    undo = client.post(f"/api/v1/merges/{merge.json()['id']}/undo", headers=headers)
    assert undo.status_code == 200 and undo.json()["undone_at"] is not None
    assert db.scalars(select(Checkin.person_id).where(Checkin.id == stay.json()["id"])).one() == duplicate["id"]
    assert client.get("/api/v1/persons", params={"q": "刘建国"}, headers=headers).json()["total"] == 2
    again = client.post(f"/api/v1/merges/{merge.json()['id']}/undo", headers=headers)
    assert again.status_code == 409


def test_tracer_may_not_merge(client: TestClient, cast: Cast, ground: Ground):
    response = client.post(f"/api/v1/persons/{ground.liu.id}/merge",
                           json={"merged_id": ground.wang.id, "reason": "x"}, headers=cast.headers("tracer"))
    assert response.status_code == 403


def test_huge_or_negative_ids_are_422_not_errors(client: TestClient, cast: Cast):
    for path in ("/api/v1/persons/99999999999999999999", "/api/v1/persons/-1", "/api/v1/persons/abc"):
        assert client.get(path, headers=cast.headers("admin")).status_code == 422
    assert client.get("/api/v1/persons/123456789", headers=cast.headers("admin")).status_code == 404


def test_driver_cannot_read_the_registry(client: TestClient, cast: Cast, ground: Ground):
    assert client.get("/api/v1/persons", headers=cast.headers("driver")).status_code == 403
    assert client.get(f"/api/v1/persons/{ground.liu.id}", headers=cast.headers("driver")).status_code == 403


def test_search_paginates_with_total(client: TestClient, cast: Cast, ground: Ground):
    headers = cast.headers("tracer")
    first = client.get("/api/v1/persons", params={"limit": 1}, headers=headers).json()
    second = client.get("/api/v1/persons", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert (first["total"], first["offset"], first["limit"]) == (2, 0, 1)
    assert {first["items"][0]["name"], second["items"][0]["name"]} == {"刘建国", "王芳"}
