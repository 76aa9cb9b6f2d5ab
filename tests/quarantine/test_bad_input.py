"""Each bad input refused with its reason, and nothing of a refused batch written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.quarantine import care, placing
from fangyi.quarantine.models import Placement, Room, TransportRequest
from tests.quarantine.world import add_person, add_site, local


def _requests(db, cast, people, category="close_contact"):
    return [placing.create_request(db, cast["command_office"], person_id=p.id, category=category, reason="typed",
                                   last_exposure=local(2022, 3, 27, 12)).id for p in people]


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_more_people_than_rooms_places_nobody_unless_partial(db, cast):
    add_site(db, rooms=2)
    people = [add_person(db, n) for n in range(1, 4)]
    ids = _requests(db, cast, people)
    with pytest.raises(Conflict, match="1 of 3 people cannot be placed"):
        placing.allocate(db, cast["command_office"], ids)
    assert _count(db, Placement) == 0 and _count(db, TransportRequest) == 0
    assert db.scalar(select(func.count()).select_from(Room).where(Room.state == "free")) == 2
    outcome = placing.allocate(db, cast["command_office"], ids, partial=True)
    assert len(outcome.placements) == 2 and list(outcome.unplaced) == [ids[2]]
    assert "no free room" in outcome.unplaced[ids[2]]


def test_someone_already_placed_is_refused(db, cast):
    add_site(db, rooms=3)
    person = add_person(db, 1)
    placing.allocate(db, cast["command_office"], _requests(db, cast, [person]))
    again = _requests(db, cast, [person])
    with pytest.raises(Conflict, match="already in quarantine: 人1"):
        placing.allocate(db, cast["command_office"], again)


def test_a_room_that_is_cleaning_is_refused_for_an_override(db, cast):
    site = add_site(db, rooms=2)
    room = db.scalar(select(Room).where(Room.site_id == site.id, Room.room == "101"))
    room.state = "cleaning"
    ids = _requests(db, cast, [add_person(db, 1)])
    with pytest.raises(Conflict, match="room 101 of 隔离点GL-01 is cleaning"):
        placing.allocate(db, cast["command_office"], ids, rooms={ids[0]: room.id})
    # Without the override the free room is taken.
    outcome = placing.allocate(db, cast["command_office"], ids)
    assert db.get(Placement, outcome.placements[0]).room_id != room.id


@pytest.mark.parametrize("temperature", [33.9, 43.5, 0.0, 98.6])
def test_a_temperature_no_living_person_shows_is_refused(db, cast, temperature):
    add_site(db)
    person = add_person(db, 1)
    placing.allocate(db, cast["command_office"], _requests(db, cast, [person]))
    with pytest.raises(Invalid, match="not a living person's temperature") as refused:
        care.record_check(db, cast["site_manager"], person_id=person.id, temperature=temperature)
    assert refused.value.extra["column"] == "temperature"


def test_a_check_for_someone_not_placed_is_refused(db, cast):
    person = add_person(db, 1)
    with pytest.raises(Conflict, match="not in quarantine"):
        care.record_check(db, cast["command_office"], person_id=person.id, temperature=36.5)
    # Outside the 洣水镇 site manager's jurisdiction: not found, placed or not.
    with pytest.raises(NotFound, match="not found in your jurisdiction"):
        care.record_check(db, cast["site_manager"], person_id=person.id, temperature=36.5)


def test_a_hand_edited_release_date_is_refused(db, cast):
    add_site(db)
    person = add_person(db, 1)
    placement_id = placing.allocate(db, cast["command_office"], _requests(db, cast, [person])).placements[0]
    # Last exposure 27 March: under cn-8 the earliest release is 11 April, whatever is typed.
    with pytest.raises(Conflict, match="days not met until 2022-04-11"):
        care.release(db, cast["site_manager"], placement_id, on=local(2022, 4, 1).date())
    from datetime import date
    with pytest.raises(Invalid, match="after today"):
        care.release(db, cast["site_manager"], placement_id, on=date(2999, 1, 1))
    assert db.get(Placement, placement_id).status == "active"


def test_a_test_on_a_day_the_protocol_does_not_name_is_refused(db, cast):
    add_site(db)
    person = add_person(db, 1)
    placing.allocate(db, cast["command_office"], _requests(db, cast, [person]))
    with pytest.raises(Invalid, match="day 5 is not a quarantine test day"):
        care.record_test(db, cast["site_manager"], person_id=person.id, day=5, result="negative",
                         sampled_at=local(2022, 4, 1, 9))
