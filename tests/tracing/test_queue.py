"""The tracers' queue: assignment by area and load, reassignment, hand-over and progress counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.config import get_settings
from fangyi.errors import Forbidden, Invalid
from fangyi.quarantine.models import Placement
from fangyi.timeutil import to_local
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.contacts import confirm_contact, log_reach_attempt
from fangyi.tracing.models import Contact
from fangyi.tracing.queue import hand_over, progress, queue, reassign
from tests.conftest import CHENGGUAN, SHIJIN, SHITAN
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


@pytest.fixture
def traced(cast, db):
    """A case with four close contacts in 石滩乡 and two in 洣水镇, and two tracers for 石滩乡."""
    local = [accounts.create_user(db, SYSTEM, username=f"tracer-st{n}", password="password-123",
                                      role="tracer", area_code=SHITAN) for n in (1, 2)]
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    people = [add_person(db, n, area=SHIJIN if n < 6 else CHENGGUAN) for n in range(2, 8)]
    for person in people:
        add_stay(db, person, restaurant, at(12), at(13))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    return case, local, people


def test_contacts_go_to_the_most_local_tracer_with_the_lightest_load(cast, db, traced):
    case, local, people = traced
    contacts = {c.person_id: c for c in db.scalars(select(Contact).where(Contact.case_id == case.id))}
    shitan = [contacts[p.id].assigned_to_id for p in people if p.area_code == SHIJIN]
    assert sorted(shitan) == sorted([local[0].id, local[1].id] * 2)  # two each
    # Nobody covers 洣水镇 more closely than the county tracer.
    assert {contacts[p.id].assigned_to_id for p in people if p.area_code == CHENGGUAN} == {cast["tracer"].id}
    mine, total = queue(db, local[0])
    assert total == 2 and all(contact.assigned_to_id == local[0].id for contact, _, _ in mine)


def test_a_coordinator_reassigns_within_the_jurisdiction(cast, db, traced):
    _, local, people = traced
    town = db.scalar(select(Contact).where(Contact.person_id == people[-1].id))
    with pytest.raises(Forbidden):
        reassign(db, cast["tracer"], town.id, local[0].id)
    with pytest.raises(Invalid) as caught:
        reassign(db, cast["command_office"], town.id, local[0].id)  # 石滩乡's tracer, a 洣水镇 contact
    assert caught.value.extra["column"] == "tracer_id"
    village = db.scalar(select(Contact).where(Contact.person_id == people[0].id))
    other = local[1] if village.assigned_to_id == local[0].id else local[0]
    assert reassign(db, cast["command_office"], village.id, other.id).assigned_to_id == other.id


def test_hand_over_needs_a_confirmed_contact_and_progress_counts(cast, db, traced):
    case, _, people = traced
    contact = db.scalar(select(Contact).where(Contact.person_id == people[0].id))
    with pytest.raises(Invalid):
        hand_over(db, cast["tracer"], contact.id)
    confirm_contact(db, cast["tracer"], contact.id)
    log_reach_attempt(db, cast["tracer"], contact.id, "no_answer")
    assert progress(db, SYSTEM, case_id=case.id) == {"derived": 6, "confirmed": 1, "reached": 0, "unreached": 1,
                                             "handed_over": 0}
    log_reach_attempt(db, cast["tracer"], contact.id, "reached")
    hand_over(db, cast["tracer"], contact.id)
    assert progress(db, SYSTEM, case_id=case.id) == {"derived": 6, "confirmed": 1, "reached": 1, "unreached": 0,
                                             "handed_over": 1}
    today = to_local(contact.handed_over_at).date()
    assert progress(db, SYSTEM, day=today) == {"derived": 6, "confirmed": 1, "reached": 1, "unreached": 0,
                                       "handed_over": 1}
    _, total = queue(db, cast["command_office"])
    assert total == 5  # the handed-over contact has left the queue
    # ...and waits in quarantine's list of people to place, as a close contact of the case.
    from fangyi.quarantine.models import PlacementRequest

    request = db.scalar(select(PlacementRequest).where(PlacementRequest.contact_id == contact.id))
    assert request is not None and request.person_id == people[0].id and request.category == "close_contact"


def test_queue_over_the_api(cast, db, client, traced):
    own = client.get("/api/v1/queue", headers=cast.headers("tracer")).json()
    assert own["total"] == 2 and {item["area_code"] for item in own["items"]} == {CHENGGUAN}
    everyone = client.get(f"/api/v1/queue?area={SHITAN}", headers=cast.headers("command_office")).json()
    assert everyone["total"] == 4 and all("*" in item["id_number"] for item in everyone["items"])
    first = everyone["items"][0]
    handed = client.post(f"/api/v1/contacts/{first['contact_id']}/hand-over", headers=cast.headers("tracer"))
    assert handed.status_code == 422
    client.post(f"/api/v1/contacts/{first['contact_id']}/confirm", headers=cast.headers("tracer"))
    handed = client.post(f"/api/v1/contacts/{first['contact_id']}/hand-over", headers=cast.headers("tracer"))
    assert handed.status_code == 200
    again = client.post(f"/api/v1/contacts/{first['contact_id']}/hand-over", headers=cast.headers("tracer"))
    assert again.status_code == 409
    counts = client.get("/api/v1/cases/HD-2022-001/progress", headers=cast.headers("commander")).json()
    assert counts["handed_over"] == 1 and counts["derived"] == 6


def test_a_contact_confirmed_as_already_in_quarantine_leaves_the_queue(cast, db, traced):
    """A contact already in quarantine for an earlier case, confirmed with that quarantine's start:
    the tracer has nothing left to do, and the queue no longer lists it."""
    from fangyi.tracing.contacts import set_quarantined_at

    _, _, people = traced
    contact = db.scalar(select(Contact).where(Contact.person_id == people[0].id))
    confirm_contact(db, cast["tracer"], contact.id)
    _, total = queue(db, cast["command_office"])
    assert total == 6  # confirmed, still to reach and hand over
    db.add(Placement(person_id=people[0].id, category="close_contact", setting="home", address="石滩乡",
                     last_exposure=at(10), edition="cn-9", placed_at=at(14)))  # placed for an earlier case
    db.flush()
    set_quarantined_at(db, cast["tracer"], contact.id, at(14))
    listed, total = queue(db, cast["command_office"])
    assert total == 5 and contact.id not in {c.id for c, _, _ in listed}


def test_a_self_reported_start_not_handed_over_stays_in_the_queue(cast, db, traced):
    """A tracer records the start a contact reports of a quarantine at home, with no placement
    running and before handing over: the contact is still the tracer's to reach and hand over."""
    from fangyi.tracing.contacts import set_quarantined_at

    _, _, people = traced
    contact = db.scalar(select(Contact).where(Contact.person_id == people[0].id))
    confirm_contact(db, cast["tracer"], contact.id)
    set_quarantined_at(db, cast["tracer"], contact.id, at(14))
    listed, total = queue(db, cast["command_office"])
    assert total == 6 and contact.id in {c.id for c, _, _ in listed}
    hand_over(db, cast["tracer"], contact.id)
    listed, total = queue(db, cast["command_office"])
    assert total == 5 and contact.id not in {c.id for c, _, _ in listed}
