"""The API's answers: an unknown place is refused with its reason, a stale vehicle version is 409,
the driver's phone sees masked identity numbers."""

from __future__ import annotations

from tests.conftest import CHENGGUAN, SHIJIN
from tests.quarantine.world import add_person
from tests.transport.world import add_vehicle, with_points

API = "/api/v1/transport"


def test_the_api_refuses_an_unknown_place_and_a_stale_version(db, cast, client):
    with_points(db)
    van = add_vehicle(db, "湘D00001", "van", seats=6, driver="driver")
    answer = client.post(f"{API}/tasks", headers=cast.headers("dispatcher"), json={
        "kind": "supplies", "rider_class": "supplies", "from_area_code": SHIJIN, "to_area_code": "430424199999"})
    assert answer.status_code == 422 and "unknown place" in answer.json()["detail"]
    person = add_person(db, 1, area=SHIJIN)
    made = client.post(f"{API}/tasks", headers=cast.headers("dispatcher"), json={
        "kind": "placement", "rider_class": "secondary_contact", "from_area_code": SHIJIN,
        "to_area_code": CHENGGUAN, "person_ids": [person.id]})
    assert made.status_code == 201, made.text
    task_id = made.json()["id"]
    stale = client.post(f"{API}/vehicles/{van.id}/assign", headers=cast.headers("dispatcher"),
                        json={"version": van.version + 5, "trips": [[task_id]]})
    assert stale.status_code == 409
    suggestion = client.post(f"{API}/suggestion", headers=cast.headers("dispatcher")).json()
    route = suggestion["routes"][0]
    ok = client.post(f"{API}/vehicles/{route['vehicle_id']}/assign", headers=cast.headers("dispatcher"),
                     json={"version": route["version"], "trips": [t["task_ids"] for t in route["trips"]]})
    assert ok.status_code == 200, ok.text
    work = client.get(f"{API}/driver", headers=cast.headers("driver")).json()
    assert [r["name"] for r in work["riders"]] == [person.name]
    assert work["riders"][0]["masked_id"] != person.id_number and "*" in work["riders"][0]["masked_id"]
    assert client.get(f"{API}/driver", headers=cast.headers("tracer")).status_code == 403
