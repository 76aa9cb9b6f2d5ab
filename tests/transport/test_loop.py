"""The loop on both databases: quarantine's placements become tasks, a case transfer preempts, a
placement ended calls its task off and the driver is told, the driver's steps (nobody else rides),
disinfection before free, and the loop closing only on the site's confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.quarantine import placing
from fangyi.quarantine.models import Placement, TransportRequest
from fangyi.timeutil import now
from fangyi.tracing.events import CaseConfirmed
from fangyi.transport import service
from fangyi.transport.figures import transport_figures
from fangyi.transport.models import Task, Vehicle
from tests.conftest import CHENGGUAN, SHIJIN
from tests.quarantine.world import add_person, add_site, local
from tests.transport.world import add_vehicle, with_points


def _place(db, cast, people, category="close_contact"):
    ids = [placing.create_request(db, cast["command_office"], person_id=p.id, category=category, reason="typed",
                                  last_exposure=local(2022, 3, 27, 12)).id for p in people]
    return placing.allocate(db, cast["command_office"], ids)




@pytest.fixture
def fleet(db, cast):
    with_points(db)
    add_site(db, "GL-01", rooms=4, beds=2, lat=27.29, lon=113.09)
    return {
        "np": add_vehicle(db, "湘D120A1", "negative_pressure", seats=2, driver="driver"),
        "bus": add_vehicle(db, "湘D120B1", "bus", seats=20, depot=SHIJIN),
    }


def test_a_household_placed_becomes_one_task_and_quarantine_keeps_its_requests(db, cast, fleet):
    mother = add_person(db, 1, household="H1")
    son = add_person(db, 2, household="H1")
    stranger = add_person(db, 3)
    _place(db, cast, [mother, son, stranger])
    tasks = db.scalars(select(Task).order_by(Task.id)).all()
    assert sorted(sorted(t.person_ids) for t in tasks) == [sorted([mother.id, son.id]), [stranger.id]]
    assert all(t.rider_class == "close_contact" and t.kind == "placement" for t in tasks)
    assert db.scalars(select(TransportRequest.status)).all() == ["open"] * 3
    assert service.take_over(db, cast["dispatcher"]) == []  # once each


def test_the_loop_closes_only_on_the_sites_confirmation(db, cast, fleet):
    person = add_person(db, 1, household="H1")
    _place(db, cast, [person])
    task = db.scalar(select(Task))
    bus = fleet["bus"]
    bus.driver_username, fleet["np"].driver_username = "driver", None
    suggestion = service.suggest(db, cast["dispatcher"], seconds=0.2)
    route = next(r for r in suggestion.routes if task.id in r["trips"][0]["task_ids"])
    service.assign(db, cast["dispatcher"], route["vehicle_id"], route["version"],
                   [t["task_ids"] for t in route["trips"]])
    vehicle = db.get(Vehicle, route["vehicle_id"])
    vehicle.driver_username = "driver"
    driver = cast["driver"]
    with pytest.raises(Conflict):
        service.driver_step(db, driver, "picked_up")  # arrive first
    service.driver_step(db, driver, "arrived")
    with pytest.raises(Conflict, match="not on this trip"):
        service.driver_step(db, driver, "picked_up", person_ids=[person.id, person.id + 999])
    service.driver_step(db, driver, "picked_up", person_ids=[person.id])
    service.driver_step(db, driver, "delivered")
    assert task.status == "delivered" and task.delivered_at is not None
    assert db.scalar(select(TransportRequest.status)) == "open"
    # A close contact rode: disinfection is due, and the vehicle may not be marked free before it.
    assert vehicle.needs_disinfection and vehicle.state == "disinfecting"
    with pytest.raises(Conflict, match="disinfection"):
        service.set_state(db, cast["dispatcher"], vehicle.id, "free")
    # The planner keeps it out of work for the edition's minutes after close contacts (cn-8: 30).
    car = next(c for c in service.planning(db, cast["dispatcher"]).cars if c.id == vehicle.id)
    assert 29 <= car.ready <= 30
    with pytest.raises(Forbidden):
        service.confirm_arrival(db, cast["village_doctor"], task.id)  # not a receiving role
    assert task.status == "delivered"
    service.confirm_arrival(db, cast["site_manager"], task.id)
    assert task.status == "done" and task.confirmed_by == "site_manager"
    assert db.scalar(select(TransportRequest.status)) == "done"
    service.driver_step(db, driver, "disinfected")
    assert vehicle.state == "free" and not vehicle.needs_disinfection
    figures = transport_figures(db, (now() + timedelta(hours=8)).date(), cast["commander"])
    assert figures["placement_done"] == 1 and figures["people_moved"] == 1


def test_a_case_transfer_preempts(db, cast, fleet):
    waiting = add_person(db, 1, household="H1")
    _place(db, cast, [waiting])
    placement_task = db.scalar(select(Task))
    np = fleet["np"]
    service.assign(db, cast["dispatcher"], np.id, np.version, [[placement_task.id]])
    assert placement_task.vehicle_id == np.id
    case_person = add_person(db, 2, area=SHIJIN)
    service.on_case_confirmed(db, cast["tracer"], CaseConfirmed(1, "HD-1", case_person.id, SHIJIN, now()))
    case_task = db.scalar(select(Task).where(Task.kind == "hospital"))
    assert case_task.status == "assigned" and case_task.vehicle_id == np.id  # the only negative-pressure one
    assert case_task.latest_at - case_task.earliest_at <= timedelta(hours=2)
    assert placement_task.status == "open" and placement_task.vehicle_id is None  # back on the board
    work = service.driver_work(db, cast["driver"])
    assert [t.id for t in work.trip] == [case_task.id]


def test_a_case_waits_for_the_vehicle_that_frees_soonest(db, cast, fleet):
    np = fleet["np"]
    first = add_person(db, 1, area=SHIJIN)
    service.on_case_confirmed(db, cast["tracer"], CaseConfirmed(1, "HD-1", first.id, SHIJIN, now()))
    service.driver_step(db, cast["driver"], "arrived")
    second = add_person(db, 2, area=SHIJIN)
    service.on_case_confirmed(db, cast["tracer"], CaseConfirmed(2, "HD-2", second.id, SHIJIN, now()))
    tasks = db.scalars(select(Task).order_by(Task.id)).all()
    assert [(t.vehicle_id, t.trip, t.status) for t in tasks] == [(np.id, 1, "arrived"), (np.id, 2, "assigned")]


def test_a_placement_ended_calls_its_task_off_and_the_driver_is_told(db, cast, fleet):
    person = add_person(db, 1, household="H1")
    outcome = _place(db, cast, [person])
    task = db.scalar(select(Task))
    np = fleet["np"]
    service.assign(db, cast["dispatcher"], np.id, np.version, [[task.id]])
    service.driver_step(db, cast["driver"], "arrived")
    db.get(Placement, outcome.placements[0]).status = "transferred"
    db.flush()
    work = service.driver_work(db, cast["driver"])
    assert task.status == "called_off" and work.trip == []
    assert [t.id for t in work.notices] == [task.id] and "called off" in (task.notice or "")
    assert np.state == "free"
    service.driver_step(db, cast["driver"], "seen")
    assert service.driver_work(db, cast["driver"]).notices == []


def test_assignment_keeps_the_separation_rules_and_the_version(db, cast, fleet):
    a, b = add_person(db, 1, household="H1"), add_person(db, 2, household="H2")
    _place(db, cast, [a, b])
    one, two = db.scalars(select(Task).order_by(Task.id)).all()
    bus = fleet["bus"]
    with pytest.raises(Invalid, match="may not ride together"):
        service.assign(db, cast["dispatcher"], bus.id, bus.version, [[one.id, two.id]])
    service.assign(db, cast["dispatcher"], bus.id, bus.version, [[one.id], [two.id]])
    assert (one.trip, two.trip) == (1, 2)
    tubes = service.create_task(db, cast["sampler"], service.TaskFields(
        kind="samples", rider_class="tubes", from_area_code=SHIJIN, to_area_code=CHENGGUAN, items=["BOX-1"]))
    with pytest.raises(Conflict, match="someone else"):
        service.assign(db, cast["dispatcher"], bus.id, 1, [[tubes.id]])
    with pytest.raises(Invalid, match="may not ride in a bus"):
        service.assign(db, cast["dispatcher"], bus.id, bus.version, [[tubes.id]])


def test_bad_input(db, cast, fleet):
    with pytest.raises(Invalid, match="unknown place"):
        service.create_task(db, cast["dispatcher"], service.TaskFields(
            kind="supplies", rider_class="supplies", from_area_code=SHIJIN, to_area_code="430424999999"))
    person = add_person(db, 1)
    with pytest.raises(Invalid, match="never ride with people"):
        service.create_task(db, cast["dispatcher"], service.TaskFields(
            kind="samples", rider_class="tubes", from_area_code=SHIJIN, to_area_code=CHENGGUAN,
            person_ids=[person.id]))
    with pytest.raises(NotFound):
        service.get_task(db, cast["dispatcher"], 10**9)


def test_a_packed_box_of_tubes_becomes_a_task_to_its_lab(db, cast, fleet):
    from fangyi.screening.models import Box, SamplingPoint
    from fangyi.transport.models import Place

    point = SamplingPoint(code="P-1", name="石金村委会采样点", area_code=SHIJIN)
    db.add(point)
    db.add(Place(code="L1", name="县人民医院检验科", kind="lab", area_code=CHENGGUAN))
    db.flush()
    db.add(Box(code="BOX-1", point_id=point.id, lab_code="L1"))
    db.add(Box(code="BOX-2", point_id=point.id, lab_code="NO-SUCH-LAB"))
    db.flush()
    made = service.take_over_boxes(db, cast["dispatcher"])
    assert [(t.kind, t.rider_class, t.items, t.to_label) for t in made] == [
        ("samples", "tubes", ["BOX-1"], "县人民医院检验科")]
    assert service.take_over_boxes(db, cast["dispatcher"]) == []  # once each
