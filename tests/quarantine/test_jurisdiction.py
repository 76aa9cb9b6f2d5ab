"""Quarantine within a jurisdiction: users of 石滩乡 against a 洣水镇 person's request, placement and
transport. Each test is a leak the issue found (a write or a read across the township line), or a
check that had been skipped for a kind of principal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.errors import Forbidden, NotFound
from fangyi.quarantine import care, placing
from fangyi.quarantine import service as quarantine
from fangyi.quarantine.figures import forecast, quarantine_figures
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, Room, TransportRequest
from fangyi.timeutil import today
from tests.conftest import CHENGGUAN, SHIJIN, SHITAN
from tests.quarantine.world import add_person, add_site, local
from tests.web.conftest import sign_in

BASE = "/api/v1/quarantine"


def _township_user(db, role: str):
    """A user of this role whose jurisdiction is 石滩乡."""
    return accounts.create_user(db, SYSTEM, username=f"st-{role}", password=f"{role}-pass-2022", role=role,
                                area_code=SHITAN)


def _headers(db, user) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, user, 'test')}"}


def _placed(db, person):
    request = placing.create_request(db, SYSTEM, person_id=person.id, category="close_contact", reason="密接",
                                     last_exposure=local(2022, 3, 27, 12))
    return db.get(Placement, placing.allocate(db, SYSTEM, [request.id]).placements[0])


@pytest.fixture
def world(db, cast):
    """A site in each township; a 洣水镇 person placed at the 洣水镇 site (with its transport)."""
    add_site(db, "MX-1", area=CHENGGUAN)
    outsider = add_person(db, 11, area=CHENGGUAN)
    outsider.name, outsider.address = "洣水人", "洣水镇城关街9号"
    placement = _placed(db, outsider)
    add_site(db, "ST-1", area=SHIJIN)
    transport = db.scalar(select(TransportRequest).where(TransportRequest.person_id == outsider.id))
    return outsider, placement, transport


def test_a_dispatcher_cannot_close_another_townships_transport(client, db, world):
    _, _, transport = world
    dispatcher = _headers(db, _township_user(db, "dispatcher"))
    assert client.get(f"{BASE}/transport", headers=dispatcher).json() == []
    answer = client.post(f"{BASE}/transport/{transport.id}/done", headers=dispatcher)
    assert answer.status_code == 404 and "not found in your jurisdiction" in answer.json()["detail"]
    assert db.get(TransportRequest, transport.id).status == "open"


def test_the_allocation_page_lists_only_the_townships_transports(client, db, world):
    _township_user(db, "command_office")
    sign_in(client, "st-command_office", "command_office-pass-2022")
    page = client.get("/quarantine/allocate")
    assert page.status_code == 200
    assert "洣水人" not in page.text and "洣水镇城关街9号" not in page.text and "MX-1" not in page.text


def test_another_townships_request_cannot_be_allocated(client, db, world):
    outsider = add_person(db, 12, area=CHENGGUAN)
    request = placing.create_request(db, SYSTEM, person_id=outsider.id, category="close_contact", reason="密接",
                                     last_exposure=local(2022, 3, 27, 12))
    office = _headers(db, _township_user(db, "command_office"))
    answer = client.post(f"{BASE}/allocations", headers=office, json={"request_ids": [request.id]})
    assert answer.status_code == 404
    assert db.get(PlacementRequest, request.id).status == "open"
    assert db.scalar(select(Placement).where(Placement.person_id == outsider.id)) is None


def test_the_conflict_for_someone_placed_never_names_an_outsider(client, db, world):
    outsider, _, _ = world
    # A second request for the 洣水镇 person who is placed already.
    again = placing.create_request(db, SYSTEM, person_id=outsider.id, category="close_contact", reason="再次",
                                   last_exposure=local(2022, 3, 28, 12))
    office = _headers(db, _township_user(db, "command_office"))
    answer = client.post(f"{BASE}/allocations", headers=office, json={"request_ids": [again.id]})
    assert answer.status_code == 404 and "洣水人" not in answer.text


def test_a_batch_goes_only_to_rooms_of_the_jurisdiction(client, db, world):
    person = add_person(db, 13)  # 石滩乡
    request = placing.create_request(db, SYSTEM, person_id=person.id, category="close_contact", reason="密接",
                                     last_exposure=local(2022, 3, 27, 12))
    office = _township_user(db, "command_office")
    outside_room = db.scalar(select(Room).where(Room.state == "free", Room.site_id == world[1].site_id))
    with pytest.raises(NotFound):
        placing.allocate(db, office, [request.id], rooms={request.id: outside_room.id})
    outcome = placing.allocate(db, office, [request.id])
    room = db.get(Room, db.get(Placement, outcome.placements[0]).room_id)
    assert room.site_id != world[1].site_id  # 石滩乡's own site


def test_the_forecast_and_the_figures_count_only_the_jurisdiction(client, db, world):
    add_person(db, 14)
    placing.create_request(db, SYSTEM, person_id=add_person(db, 15).id, category="close_contact", reason="密接",
                           last_exposure=local(2022, 3, 27, 12))
    placing.create_request(db, SYSTEM, person_id=add_person(db, 16, area=CHENGGUAN).id, category="close_contact",
                           reason="密接", last_exposure=local(2022, 3, 27, 12))
    commander = _township_user(db, "commander")
    answer = client.get(f"{BASE}/forecast", headers=_headers(db, commander)).json()
    assert [s["code"] for s in answer["sites"]] == ["ST-1"]
    assert answer["waiting"] == 1 and answer["free"][0] == 3  # ST-1's three free beds
    lines, total = forecast(db, SYSTEM, today())
    assert [f.site.code for f in lines] == ["MX-1", "ST-1"] and total["waiting"] == 2

    day = today()
    county = quarantine_figures(db, day, SYSTEM)
    township = quarantine_figures(db, day, commander)
    assert county["in_quarantine"] == 1 and county["placed_today"] == 1
    assert township["in_quarantine"] == 0 and township["placed_today"] == 0 and township["centralized"] == 0
    # Beds where the site is: 石滩乡's three; the county's five (one of MX-1's taken).
    assert (township["beds_free"], county["beds_free"]) == (3, 5)


@dataclass(frozen=True)
class Clerk:
    """A principal that is not a User row (as a snapshot or a service account would be)."""

    id: int = 99
    username: str = "clerk"
    role: str = "command_office"
    area_code: str = "430424"


def test_no_principal_skips_the_checks_for_not_being_a_user(db, world):
    _, placement, transport = world
    with pytest.raises(Forbidden, match="only a commander"):
        care.release(db, Clerk(), placement.id, override_reason="家中有事")
    driver = Clerk(role="driver")
    with pytest.raises(Forbidden):
        care.release(db, driver, placement.id, override_reason="家中有事")
    with pytest.raises(Forbidden):
        care.transport_done(db, driver, transport.id)
    with pytest.raises(Forbidden):
        placing.create_request(db, driver, person_id=placement.person_id, category="close_contact", reason="x",
                               last_exposure=local(2022, 3, 27, 12))
    assert db.get(Placement, placement.id).status == "active"


def test_a_ruled_out_case_flags_only_the_tracers_own_placements(db, world):
    outsider, placement, _ = world
    mine = _placed(db, add_person(db, 17))
    tracer = _township_user(db, "tracer")
    flagged = quarantine.flag_for_review(db, tracer, person_ids=[outsider.id, mine.person_id], case_id=1,
                                         reason="排除")
    assert flagged == [mine.id]
    assert db.scalar(select(Alert).where(Alert.placement_id == placement.id, Alert.kind == "review")) is None


def test_a_placement_lies_where_the_person_lives_and_at_its_site(client, db, cast, world):
    outsider, placement, _ = world
    guest = _placed(db, add_person(db, 18))  # a 石滩乡 person, placed by the county at the 洣水镇 site
    assert guest.site_id == placement.site_id
    shitan = _headers(db, _township_user(db, "site_manager"))
    assert client.get(f"{BASE}/placements/{guest.id}", headers=shitan).status_code == 200  # their person
    assert client.get(f"{BASE}/placements/{placement.id}", headers=shitan).status_code == 404
    assert client.get(f"{BASE}/sites/MX-1", headers=shitan).status_code == 404
    check = client.post(f"{BASE}/checks", headers=shitan, json={"person_id": outsider.id, "temperature": 36.5})
    assert check.status_code == 404 and "洣水人" not in check.text
    # The 洣水镇 site manager cares for everyone at MX-1, the 石滩乡 guest too.
    mishui = cast.headers("site_manager")
    assert client.get(f"{BASE}/placements/{guest.id}", headers=mishui).status_code == 200
    check = client.post(f"{BASE}/checks", headers=mishui, json={"person_id": guest.person_id, "temperature": 36.5})
    assert check.status_code == 201
