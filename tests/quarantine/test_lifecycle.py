"""A contact from confirmation through placement, checks, tests, release and cleaning, under cn-8 and
cn-9; every date below is worked out by hand from protocols.md ("Quarantine and monitoring")."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fangyi.errors import Conflict
from fangyi.quarantine import care, placing, sites
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, Room, TransportRequest
from fangyi.timeutil import today
from fangyi.tracing.queue import send_handed_over
from tests.quarantine.world import add_case, add_contact, add_person, add_site, local

D = date.fromisoformat

# Close contact last exposed 2022-03-27 13:10, so day 1 is 28 March. The secondary contact last saw the
# close contact on 29 March 20:00, so their day 1 is 30 March.
EXPECTED = {
    "cn-8": {
        # 14 days centralized, tests on days 1, 4, 7, 14; then 7 days of monitoring, tests on its days 2 and 7.
        "close_tests": [("quarantine", 1, "2022-03-28"), ("quarantine", 4, "2022-03-31"),
                        ("quarantine", 7, "2022-04-03"), ("quarantine", 14, "2022-04-10"),
                        ("monitoring", 2, "2022-04-12"), ("monitoring", 7, "2022-04-17")],
        "close_end": "2022-04-10", "close_release": "2022-04-11", "close_monitoring_end": "2022-04-17",
        "close_free": "2022-04-18",
        # 7 days centralized, tests on days 1, 4, 7.
        "secondary_setting": "centralized",
        "secondary_tests": [("quarantine", 1, "2022-03-30"), ("quarantine", 4, "2022-04-02"),
                            ("quarantine", 7, "2022-04-05")],
        "secondary_release": "2022-04-06",
        "reagents": 2,
    },
    "cn-9": {
        # 7 days centralized, tests on days 1, 2, 3, 5, 7; then 3 days of monitoring, a test on its day 3.
        "close_tests": [("quarantine", 1, "2022-03-28"), ("quarantine", 2, "2022-03-29"),
                        ("quarantine", 3, "2022-03-30"), ("quarantine", 5, "2022-04-01"),
                        ("quarantine", 7, "2022-04-03"), ("monitoring", 3, "2022-04-06")],
        "close_end": "2022-04-03", "close_release": "2022-04-04", "close_monitoring_end": "2022-04-06",
        "close_free": "2022-04-07",
        # 7 days home quarantine, tests on days 1, 4, 7.
        "secondary_setting": "home",
        "secondary_tests": [("quarantine", 1, "2022-03-30"), ("quarantine", 4, "2022-04-02"),
                            ("quarantine", 7, "2022-04-05")],
        "secondary_release": "2022-04-06",
        "reagents": 1,
    },
}


def dates(clock):
    return [(t.phase, t.day, t.on.isoformat()) for t in clock.test_days]


@pytest.mark.parametrize("edition", ["cn-8", "cn-9"])
def test_contact_from_confirmation_to_cleaned_room(db, cast, monkeypatch, edition):
    monkeypatch.setenv("FANGYI_PROTOCOL", edition)
    want = EXPECTED[edition]
    office, manager = cast["command_office"], cast["site_manager"]
    site = add_site(db, rooms=2)
    index = add_person(db, 1)
    close = add_person(db, 2)
    secondary = add_person(db, 3)
    case = add_case(db, index)
    add_contact(db, case, close, "close", local(2022, 3, 27, 13, 10))
    add_contact(db, case, secondary, "secondary", local(2022, 3, 29, 20), via=[close.id])

    # Handed over by tracing: each confirmed contact becomes one request, once.
    requests = send_handed_over(db, office)
    assert [(r.person_id, r.category) for r in requests] == [(close.id, "close_contact"),
                                                            (secondary.id, "secondary_contact")]
    assert send_handed_over(db, office) == requests
    assert db.scalar(select(func.count()).select_from(PlacementRequest)) == 2

    outcome = placing.allocate(db, office, [r.id for r in requests])
    placements = {p.person_id: p for p in db.scalars(select(Placement).where(Placement.id.in_(outcome.placements)))}
    c, s = placements[close.id], placements[secondary.id]
    assert c.setting == "centralized" and c.site_id == site.id
    assert s.setting == want["secondary_setting"]
    transports = db.scalars(select(TransportRequest).where(TransportRequest.reason == "placement")).all()
    assert {t.person_id for t in transports} == {p.person_id for p in placements.values()
                                                 if p.setting == "centralized"}
    assert db.get(Room, c.room_id).state == "occupied"

    clock = care.clock_of(c)
    assert dates(clock) == want["close_tests"]
    assert clock.quarantine_end == D(want["close_end"])
    assert clock.release_date == D(want["close_release"])
    assert clock.monitoring_end == D(want["close_monitoring_end"])
    assert clock.free_date == D(want["close_free"])
    second_clock = care.clock_of(s)
    assert dates(second_clock) == want["secondary_tests"]
    assert second_clock.release_date == D(want["secondary_release"])

    # A normal check raises nothing.
    _, alert = care.record_check(db, manager, person_id=close.id, temperature=36.6, at=local(2022, 3, 28, 8))
    assert alert is None

    # The secondary contact waits on the close contact's first two tests.
    gaps = {g.code for g in care.what_is_missing(db, s, D(want["secondary_release"]))}
    assert "linked_tests" in gaps

    quarantine_days = [(day, on) for phase, day, on in want["close_tests"] if phase == "quarantine"]
    for day, on in quarantine_days:
        care.record_test(db, manager, person_id=close.id, day=day, result="negative", reagent="A",
                         sampled_at=local(*map(int, on.split("-")), 9))
    codes = [g.code for g in care.what_is_missing(db, c, D(want["close_release"]))]
    assert codes == (["reagents"] if want["reagents"] == 2 else [])
    if want["reagents"] == 2:
        # cn-8: two samples tested with two different reagents.
        day, on = quarantine_days[-1]
        care.record_test(db, manager, person_id=close.id, day=day, result="negative", reagent="B",
                         sampled_at=local(*map(int, on.split("-")), 15))
        assert care.what_is_missing(db, c, D(want["close_release"])) == []

    # Released the day before the clock says: refused, with the reason.
    the_day_before = D(want["close_release"]).toordinal() - 1
    with pytest.raises(Conflict, match="days not met until " + want["close_release"]):
        care.release(db, manager, c.id, on=date.fromordinal(the_day_before))
    released = care.release(db, manager, c.id, on=D(want["close_release"]))
    assert released.placement.status == "released" and released.placement.release_kind == "monitoring"
    room = db.get(Room, c.room_id)
    assert room.state == "cleaning"
    sites.room_cleaned(db, manager, room.id)
    assert room.state == "free"

    # The secondary contact: own tests and the close contact's first two are negative now. At the
    # site, its manager records them; at home in 石滩乡 (cn-9), the 洣水镇 site manager has no say.
    keeper = manager if s.site_id is not None else office
    for _phase, day, on in want["secondary_tests"]:
        care.record_test(db, keeper, person_id=secondary.id, day=day, result="negative",
                         sampled_at=local(*map(int, on.split("-")), 9))
    assert care.what_is_missing(db, s, D(want["secondary_release"])) == []
    assert care.release(db, keeper, s.id, on=D(want["secondary_release"])).placement.release_kind == "full"
    assert db.scalars(select(Alert)).all() == []


def test_release_before_criteria_only_by_a_commander_with_a_reason(db, cast):
    add_site(db)
    person = add_person(db, 5)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="typed", last_exposure=local(2022, 3, 27, 12))
    placement_id = placing.allocate(db, cast["command_office"], [request.id]).placements[0]
    with pytest.raises(Conflict, match="release criteria not met"):
        care.release(db, cast["command_office"], placement_id, on=D("2022-03-29"))
    from fangyi.errors import Forbidden
    with pytest.raises(Forbidden, match="only a commander"):
        care.release(db, cast["command_office"], placement_id, on=D("2022-03-29"), override_reason="家中有事")
    done = care.release(db, cast["commander"], placement_id, override_reason="转院治疗")
    assert done.placement.release_kind == "override" and done.placement.release_note == "转院治疗"
    assert {g.code for g in done.missing} >= {"test"}
    assert today() >= D("2022-03-29")
