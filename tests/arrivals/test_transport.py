"""Checkpoint to transport: someone bound for centralized quarantine, registered at a checkpoint, waits
there; their placement request names the checkpoint as the pick-up, and once the command office
places them, transport collects them from the checkpoint, not from the home they have not reached."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fangyi.arrivals import service
from fangyi.quarantine import placing
from fangyi.quarantine.models import PlacementRequest, TransportRequest
from fangyi.transport import service as transport
from fangyi.transport.models import Task
from tests.arrivals.world import SHANGHAI_PUDONG, local, number
from tests.conftest import SHIJIN
from tests.quarantine.world import add_site
from tests.transport.world import with_points


def _high_risk(db, office):
    service.save_origin_risk(db, office, area_code="310000", level="high", valid_from=date(2022, 3, 1),
                             valid_to=None)


def test_the_checkpoint_hands_them_to_transport(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    with_points(db)
    add_site(db, "GL-01", rooms=4, beds=1, lat=27.29, lon=113.09)
    _high_risk(db, cast["command_office"])
    done = service.register_arrival(db, cast["checkpoint"], id_number=number(1), name="浦东返乡",
                                    origin=SHANGHAI_PUDONG, arrived_at=local(2022, 4, 2, 10), staying_area_code=SHIJIN,
                                    means="car", plate="沪A12345", registered_at="G4衡东出口")
    request = db.get(PlacementRequest, done.arrival.placement_request_id)
    assert request.pickup == "卡口 G4衡东出口"
    placing.allocate(db, cast["command_office"], [request.id])
    moved = db.scalar(select(TransportRequest).where(TransportRequest.person_id == done.arrival.person_id))
    assert moved.from_place == "卡口 G4衡东出口" and moved.reason == "placement"
    # Placing them told transport at once (PlacementsMade): its task starts at the checkpoint.
    tasks = db.scalars(select(Task)).all()
    assert [(t.kind, t.from_label, t.person_ids) for t in tasks] == [
        ("placement", "卡口 G4衡东出口", [done.arrival.person_id])]
    assert transport.take_over(db, cast["dispatcher"]) == []  # once


def test_registered_in_the_village_they_are_collected_from_home(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    _high_risk(db, cast["command_office"])
    done = service.register_arrival(db, cast["village_doctor"], id_number=number(2), name="村里返乡",
                                    origin=SHANGHAI_PUDONG, arrived_at=local(2022, 4, 2, 10), staying_area_code=SHIJIN,
                                    registered_at=SHIJIN)
    assert db.get(PlacementRequest, done.arrival.placement_request_id).pickup is None


def test_the_checkpoint_page_says_they_wait_for_transport(client, db, cast, monkeypatch):
    from tests.web.conftest import csrf_of, sign_in

    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    _high_risk(db, cast["command_office"])
    sign_in(client, "checkpoint")
    page = client.get("/arrivals/checkpoint")
    answer = client.post("/arrivals/checkpoint", data={
        "csrf": csrf_of(page.text), "plate": "沪A54321", "origin_code": SHANGHAI_PUDONG, "staying_area_code": SHIJIN,
        "registered_at": "G4衡东出口", "occupants": f"{number(5)} 沪返一\n{number(6)} 沪返二"})
    assert answer.status_code == 200 and answer.text.count("在卡口等候转运") == 2
    assert {r.pickup for r in db.scalars(select(PlacementRequest))} == {"卡口 G4衡东出口"}
