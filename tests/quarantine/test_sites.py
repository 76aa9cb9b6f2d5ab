"""Keeping sites and rooms: contact and staff, rooms out of service, a stay ending in transfer, and
monitoring-day tests after release into home health monitoring."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fangyi.errors import Conflict, NotFound
from fangyi.quarantine import care, placing
from fangyi.quarantine.models import Placement, Room
from tests.quarantine.world import add_person, add_site, local

BASE = "/api/v1/quarantine"


def test_site_contact_and_a_room_out_of_service(client, db, cast):
    site = add_site(db, rooms=2)
    office = cast.headers("command_office")
    changed = client.patch(f"{BASE}/sites/GL-01", headers=office, json={"contact": "李经理 13800000000",
                                                                       "staff": "3 人"})
    assert changed.status_code == 200 and changed.json()["contact"] == "李经理 13800000000"
    assert client.patch(f"{BASE}/sites/GL-01", headers=cast.headers("site_manager"),
                        json={"contact": "x"}).status_code == 403
    room = db.scalar(select(Room).where(Room.site_id == site.id, Room.room == "101"))
    out = client.post(f"{BASE}/rooms/{room.id}/out-of-service", headers=office)
    assert out.status_code == 200 and out.json()["beds_free"] == 1
    person = add_person(db, 1)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="密接", last_exposure=local(2022, 3, 27, 12))
    placed = placing.allocate(db, cast["command_office"], [request.id])
    taken = db.scalar(select(Room.room).where(Room.site_id == site.id, Room.state == "occupied"))
    assert taken == "102" and placed.unplaced == {}
    assert client.post(f"{BASE}/rooms/{room.id}/in-service", headers=office).json()["beds_free"] == 1


def test_transfer_ends_the_stay_and_the_room_goes_to_cleaning(client, db, cast):
    add_site(db)
    person = add_person(db, 1)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="密接", last_exposure=local(2022, 3, 27, 12))
    placement_id = placing.allocate(db, cast["command_office"], [request.id]).placements[0]
    answer = client.post(f"{BASE}/placements/{placement_id}/transfer", headers=cast.headers("site_manager"),
                         json={"reason": "发热，转定点医院"})
    assert answer.status_code == 200 and answer.json()["status"] == "transferred"
    room_id = db.get(Placement, placement_id).room_id
    assert db.scalar(select(Room.state).where(Room.id == room_id)) == "cleaning"
    with pytest.raises(Conflict, match="not in quarantine"):
        care.record_check(db, cast["command_office"], person_id=person.id, temperature=36.5)
    # Gone from the 洣水镇 site, the 石滩乡 person is no longer its manager's to check.
    with pytest.raises(NotFound):
        care.record_check(db, cast["site_manager"], person_id=person.id, temperature=36.5)


def test_monitoring_tests_after_release_into_home_monitoring(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    add_site(db)
    person = add_person(db, 1)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="密接", last_exposure=local(2022, 3, 27, 12))
    placement_id = placing.allocate(db, cast["command_office"], [request.id]).placements[0]
    for day, (month, on) in {1: (3, 28), 2: (3, 29), 3: (3, 30), 5: (4, 1), 7: (4, 3)}.items():
        care.record_test(db, cast["site_manager"], person_id=person.id, day=day, result="negative",
                         sampled_at=local(2022, month, on, 9))
    released = care.release(db, cast["site_manager"], placement_id, on=date(2022, 4, 4))
    assert released.placement.release_kind == "monitoring"
    # cn-9: a test on monitoring day 3, i.e. 6 April.
    record = care.record_test(db, cast["site_manager"], person_id=person.id, phase="monitoring", day=3,
                              result="negative", sampled_at=local(2022, 4, 6, 9))
    assert record.placement_id == placement_id
