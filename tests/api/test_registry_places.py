"""Areas, venues and check-ins over the API."""

from __future__ import annotations

from typing import get_args

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.registry.models import AREA_LEVELS, VENUE_KINDS, Checkin
from fangyi.registry.schemas import AreaLevel, VenueKind
from tests.api.conftest import LIU, WANG, Ground
from tests.conftest import CHENGGUAN, MISHUI, SHITAN, Cast


def test_api_lists_of_levels_and_kinds_match_the_models():
    assert set(get_args(AreaLevel)) == set(AREA_LEVELS)
    assert set(get_args(VenueKind)) == set(VENUE_KINDS)


# --- areas -------------------------------------------------------------------------


def test_area_lists_its_children(client: TestClient, cast: Cast):
    body = client.get(f"/api/v1/areas/{SHITAN}", headers=cast.headers("tracer")).json()
    assert body["name"] == "石滩乡" and [c["name"] for c in body["children"]] == ["石金村"]


def test_village_doctor_sees_only_areas_of_her_township(client: TestClient, cast: Cast):
    headers = cast.headers("village_doctor")
    body = client.get("/api/v1/areas", params={"level": "village"}, headers=headers).json()
    assert [a["name"] for a in body["items"]] == ["石金村"]
    assert client.get(f"/api/v1/areas/{MISHUI}", headers=headers).status_code == 404


def test_admin_adds_an_area_and_it_is_audited(client: TestClient, cast: Cast, db: Session):
    response = client.post("/api/v1/areas", json={"code": "430424101002", "name": "石湾村", "level": "village"},
                           headers=cast.headers("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["parent_code"] == SHITAN
    entry = db.scalars(select(AreaEntry := AuditEntry).where(AreaEntry.entity == "area")).one()
    assert (entry.action, entry.entity_id, entry.after["name"]) == ("create", "430424101002", "石湾村")


def test_level_not_fitting_the_code_is_422_with_column(client: TestClient, cast: Cast):
    response = client.post("/api/v1/areas", json={"code": "430424101002", "name": "石湾村", "level": "township"},
                           headers=cast.headers("admin"))
    assert response.status_code == 422 and response.json()["column"] == "level"


def test_only_administrators_add_areas(client: TestClient, cast: Cast):
    response = client.post("/api/v1/areas", json={"code": "430424101002", "name": "石湾村", "level": "village"},
                           headers=cast.headers("command_office"))
    assert response.status_code == 403


def test_renaming_an_area_keeps_its_code(client: TestClient, cast: Cast):
    response = client.patch(f"/api/v1/areas/{CHENGGUAN}", json={"name": "城关社区居委会", "lat": 27.08},
                            headers=cast.headers("admin"))
    assert response.status_code == 200
    assert (response.json()["code"], response.json()["name"], response.json()["lat"]) == (
        CHENGGUAN, "城关社区居委会", 27.08
    )


# --- venues ------------------------------------------------------------------------


def test_venues_filter_by_kind_and_area(client: TestClient, cast: Cast, ground: Ground):
    headers = cast.headers("tracer")
    assert [v["code"] for v in client.get("/api/v1/venues", params={"kind": "market"},
                                          headers=headers).json()["items"]] == ["HD-MKT-1"]
    assert [v["code"] for v in client.get("/api/v1/venues", params={"area": SHITAN},
                                          headers=headers).json()["items"]] == ["HD-SHOP-1"]
    assert client.get(f"/api/v1/venues/{ground.market.id}",
                      headers=cast.headers("village_doctor")).status_code == 404


def test_venue_created_and_updated_with_audit(client: TestClient, cast: Cast, db: Session):
    headers = cast.headers("command_office")
    created = client.post("/api/v1/venues", json={"code": "HD-REST-9", "name": "湘味饭店", "kind": "restaurant",
                                                   "area_code": CHENGGUAN, "default_stay_minutes": 90},
                          headers=headers)
    assert created.status_code == 201, created.text
    changed = client.patch(f"/api/v1/venues/{created.json()['id']}", json={"default_stay_minutes": 120},
                           headers=headers)
    assert changed.json()["default_stay_minutes"] == 120 and changed.json()["name"] == "湘味饭店"
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity == "venue").order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert (entries[1].before, entries[1].after) == ({"default_stay_minutes": 90}, {"default_stay_minutes": 120})


def test_unknown_venue_kind_is_422_with_column(client: TestClient, cast: Cast):
    response = client.post("/api/v1/venues", json={"code": "X1", "name": "网吧", "kind": "cafe",
                                                   "area_code": CHENGGUAN}, headers=cast.headers("admin"))
    assert response.status_code == 422 and response.json()["column"] == "kind"


def test_venue_code_taken_is_409(client: TestClient, cast: Cast, ground: Ground):
    response = client.post("/api/v1/venues", json={"code": "HD-MKT-1", "name": "又一个", "kind": "market",
                                                   "area_code": CHENGGUAN}, headers=cast.headers("admin"))
    assert response.status_code == 409


# --- check-ins ---------------------------------------------------------------------


def test_checkins_are_returned_in_local_time(client: TestClient, cast: Cast, ground: Ground):
    body = client.get("/api/v1/checkins", params={"venue": ground.shop.id}, headers=cast.headers("tracer")).json()
    [stay] = body["items"]
    assert stay["checked_in_at"] == "2022-03-27T12:05:00+08:00"
    assert stay["checked_out_at"] == "2022-03-27T13:10:00+08:00"


def test_checkins_filter_by_time_window(client: TestClient, cast: Cast, ground: Ground):
    headers = cast.headers("tracer")
    inside = client.get("/api/v1/checkins", params={"from": "2022-03-27T12:00", "to": "2022-03-27T12:06"},
                        headers=headers).json()
    assert inside["total"] == 2
    after = client.get("/api/v1/checkins", params={"from": "2022-03-27T04:06:00+00:00"}, headers=headers).json()
    assert after["total"] == 0


def test_bad_time_in_filter_is_422_with_column(client: TestClient, cast: Cast):
    response = client.get("/api/v1/checkins", params={"from": "27/03/2022"}, headers=cast.headers("tracer"))
    assert response.status_code == 422 and response.json()["column"] == "from"


def test_checkins_outside_jurisdiction_are_not_listed(client: TestClient, cast: Cast, ground: Ground):
    body = client.get("/api/v1/checkins", headers=cast.headers("village_doctor")).json()
    assert [s["person_id"] for s in body["items"]] == [ground.liu.id]


def test_checkin_recorded_and_audited(client: TestClient, cast: Cast, ground: Ground, db: Session):
    response = client.post("/api/v1/checkins", json={"id_number": WANG, "venue_code": "HD-SHOP-1",
                                                     "checked_in_at": "2022-03-27T12:30:00+08:00"},
                           headers=cast.headers("tracer"))
    assert response.status_code == 201, response.text
    assert response.json()["venue_name"] == "石金小卖部"
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "checkin")).all() == ["create"]


def test_same_checkin_sent_twice_returns_the_first(client: TestClient, cast: Cast, ground: Ground, db: Session):
    stay = {"id_number": LIU, "venue_code": "HD-SHOP-1", "checked_in_at": "2022-03-27T12:05:00"}
    first = client.post("/api/v1/checkins", json=stay, headers=cast.headers("tracer"))
    assert first.status_code == 200  # the ground has this stay already
    assert first.json()["checked_out_at"] == "2022-03-27T13:10:00+08:00"
    assert db.scalar(select(func.count()).select_from(Checkin)) == 2


def test_checkout_added_to_an_open_stay(client: TestClient, cast: Cast, ground: Ground):
    stay = {"id_number": WANG, "venue_code": "HD-MKT-1", "checked_in_at": "2022-03-27T12:05:00+08:00",
            "checked_out_at": "2022-03-27T12:40:00+08:00"}
    response = client.post("/api/v1/checkins", json=stay, headers=cast.headers("tracer"))
    assert response.status_code == 200 and response.json()["checked_out_at"] == "2022-03-27T12:40:00+08:00"
    stay["checked_out_at"] = "2022-03-27T12:50:00+08:00"
    assert client.post("/api/v1/checkins", json=stay, headers=cast.headers("tracer")).status_code == 409


def test_checkout_before_checkin_is_422(client: TestClient, cast: Cast, ground: Ground):
    response = client.post("/api/v1/checkins", json={"id_number": LIU, "venue_code": "HD-SHOP-1",
                                                     "checked_in_at": "2022-03-27T12:05",
                                                     "checked_out_at": "2022-03-27T11:05"},
                           headers=cast.headers("tracer"))
    assert response.status_code == 422 and response.json()["column"] == "checked_out_at"


def test_unknown_person_or_venue_is_404_with_column(client: TestClient, cast: Cast, ground: Ground):
    # Not found, as one outside the jurisdiction is: the two answers must not tell them apart.
    headers = cast.headers("tracer")
    unknown_person = client.post("/api/v1/checkins", json={"id_number": "P:NOBODY1", "venue_code": "HD-SHOP-1",
                                                           "checked_in_at": "2022-03-27T12:05"}, headers=headers)
    assert unknown_person.status_code == 404 and unknown_person.json()["column"] == "id_number"
    unknown_venue = client.post("/api/v1/checkins", json={"id_number": LIU, "venue_code": "NOWHERE",
                                                          "checked_in_at": "2022-03-27T12:05"}, headers=headers)
    assert unknown_venue.status_code == 404 and unknown_venue.json()["column"] == "venue_code"


def test_village_doctor_cannot_record_a_stay_for_someone_outside_her_township(
    client: TestClient, cast: Cast, ground: Ground
):
    response = client.post("/api/v1/checkins", json={"id_number": WANG, "venue_code": "HD-SHOP-1",
                                                     "checked_in_at": "2022-03-27T15:00"},
                           headers=cast.headers("village_doctor"))
    assert response.status_code == 404 and response.json()["column"] == "id_number"
    assert WANG not in response.text  # the number of someone she may not read is not echoed


def test_village_doctor_cannot_record_a_stay_at_a_venue_outside_her_township(
    client: TestClient, cast: Cast, ground: Ground
):
    response = client.post("/api/v1/checkins", json={"id_number": LIU, "venue_code": "HD-MKT-1",
                                                     "checked_in_at": "2022-03-27T15:00"},
                           headers=cast.headers("village_doctor"))
    assert response.status_code == 404 and response.json()["column"] == "venue_code"


def test_a_time_at_the_edge_of_the_calendar_is_422_not_an_error(
    client: TestClient, cast: Cast, ground: Ground, db: Session
):
    for moment in ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00"):
        response = client.post("/api/v1/checkins", json={"id_number": LIU, "venue_code": "HD-SHOP-1",
                                                         "checked_in_at": moment}, headers=cast.headers("tracer"))
        assert response.status_code == 422, moment
        assert response.json()["column"] == "checked_in_at" or "range" in response.json()["detail"]
    assert db.scalar(select(func.count()).select_from(Checkin)) == 2


def test_checkin_time_filter_outside_the_calendar_is_refused(client: TestClient, cast: Cast, ground: Ground):
    for moment in ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00"):
        response = client.get("/api/v1/checkins", params={"to": moment}, headers=cast.headers("tracer"))
        assert response.status_code == 422
        assert "between 2000 and 2100" in response.json()["detail"]


def test_a_stay_imported_at_the_calendars_edge_still_lists(client: TestClient, cast: Cast, ground: Ground, db: Session):
    db.add(Checkin(person_id=ground.liu.id, venue_id=ground.market.id, in_at=-62135596800))
    db.flush()
    response = client.get("/api/v1/checkins", params={"person": ground.liu.id}, headers=cast.headers("tracer"))
    assert response.status_code == 200 and response.json()["total"] == 2
