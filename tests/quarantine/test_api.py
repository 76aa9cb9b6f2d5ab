"""The quarantine API: a batch allocated, a fever check with its alert and transport, release refused with
the missing items, jurisdiction, and problem+json errors."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from fangyi.quarantine.models import Room
from tests.conftest import SHIJIN
from tests.quarantine.world import add_person, add_site

BASE = "/api/v1/quarantine"


def _request(client, cast, person, category="close_contact", source="manual"):
    answer = client.post(f"{BASE}/requests", headers=cast.headers("command_office"), json={
        "person_id": person.id, "category": category, "reason": "密接", "last_exposure": "2022-03-27T13:10:00",
        "source": source})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_allocate_check_fever_and_release_refused(client, db, cast):
    add_site(db, rooms=2)
    a, b = add_person(db, 1), add_person(db, 2)
    requests = [_request(client, cast, a), _request(client, cast, b, source="arrival")]
    assert [r["source"] for r in requests] == ["manual", "arrival"]
    # A time without an offset is Hengdong's local time.
    assert datetime.fromisoformat(requests[0]["last_exposure"]) == datetime(2022, 3, 27, 5, 10, tzinfo=UTC)
    office = cast.headers("command_office")
    allocated = client.post(f"{BASE}/allocations", headers=office, json={"request_ids": [r["id"] for r in requests]})
    assert allocated.status_code == 201, allocated.text
    placed = allocated.json()
    assert len(placed["placements"]) == 2 and len(placed["transports"]) == 2 and placed["unplaced"] == {}

    view = client.get(f"{BASE}/placements/{placed['placements'][0]}", headers=office).json()
    assert (view["day1"], view["release_date"], view["monitoring_end"]) == ("2022-03-28", "2022-04-11", "2022-04-17")
    assert [t["on"] for t in view["test_days"] if t["phase"] == "quarantine"] == [
        "2022-03-28", "2022-03-31", "2022-04-03", "2022-04-10"]

    manager = cast.headers("site_manager")  # 洣水镇, where the site is
    board = client.get(f"{BASE}/sites/GL-01", headers=manager).json()
    assert [r["state"] for r in board["room_list"]] == ["occupied", "occupied"] and board["beds_free"] == 0
    fever = client.post(f"{BASE}/checks", headers=manager, json={"person_id": a.id, "temperature": 38.2})
    assert fever.status_code == 201 and fever.json()["alert_id"] is not None
    alerts = client.get(f"{BASE}/alerts", headers=office).json()
    assert [(x["person_id"], x["kind"]) for x in alerts] == [(a.id, "fever")]
    hospital = [t for t in client.get(f"{BASE}/transport", headers=office).json() if t["reason"] == "hospital"]
    assert [t["person_id"] for t in hospital] == [a.id]

    refused = client.post(f"{BASE}/placements/{placed['placements'][1]}/release", headers=manager,
                          json={"on": "2022-04-05"})
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert "days not met until 2022-04-11" in refused.json()["detail"]

    hot = client.post(f"{BASE}/checks", headers=manager, json={"person_id": b.id, "temperature": 45})
    assert hot.status_code == 422 and hot.json()["column"] == "temperature"
    nobody = add_person(db, 3)
    absent = client.post(f"{BASE}/checks", headers=office, json={"person_id": nobody.id, "temperature": 36.5})
    assert absent.status_code == 409 and "not in quarantine" in absent.json()["detail"]
    # The site manager of 洣水镇 sees the people at their site, not a 石滩乡 person staying at home.
    unseen = client.post(f"{BASE}/checks", headers=manager, json={"person_id": nobody.id, "temperature": 36.5})
    assert unseen.status_code == 404 and "not in quarantine" not in unseen.json()["detail"]


def test_more_people_than_rooms_and_jurisdiction(client, db, cast):
    add_site(db, "SHITAN-1", rooms=1, area=SHIJIN)  # outside the site manager's 洣水镇
    people = [add_person(db, n) for n in (1, 2)]
    ids = [_request(client, cast, p)["id"] for p in people]
    office = cast.headers("command_office")
    full = client.post(f"{BASE}/allocations", headers=office, json={"request_ids": ids})
    assert full.status_code == 409 and "1 of 2 people cannot be placed" in full.json()["detail"]
    assert db.scalar(select(Room.state)) == "free"
    assert client.get(f"{BASE}/sites/SHITAN-1", headers=cast.headers("site_manager")).status_code == 404
    assert client.get(f"{BASE}/sites", headers=cast.headers("site_manager")).json() == []
    assert client.post(f"{BASE}/allocations", headers=cast.headers("site_manager"),
                       json={"request_ids": ids}).status_code == 403


def test_requests_from_tracing_over_the_api(client, db, cast):
    from tests.quarantine.world import add_case, add_contact, local

    index, close = add_person(db, 1), add_person(db, 2)
    add_contact(db, add_case(db, index), close, "close", local(2022, 3, 27, 13, 10))
    made = client.post(f"{BASE}/requests/from-tracing", headers=cast.headers("command_office"))
    assert made.status_code == 200
    assert [(r["person_id"], r["category"], r["source"]) for r in made.json()] == [
        (close.id, "close_contact", "tracing")]
    listed = client.get(f"{BASE}/requests", headers=cast.headers("command_office")).json()
    assert [r["person_id"] for r in listed] == [close.id]
