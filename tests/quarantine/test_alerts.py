"""A fever or a positive test: an alert at once, a transport to the designated hospital, one single test;
and a close contact turning positive makes its secondary contacts close contacts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangyi.quarantine import care, placing
from fangyi.quarantine import service as quarantine
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, QuarantineTest, TransportRequest
from fangyi.tracing.models import Case
from fangyi.tracing.queue import send_handed_over, wanted
from fangyi.tracing.review import rule_out_case
from tests.quarantine.world import add_person, add_site, local


def _place(db, cast, person, category="close_contact", linked=()):
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category=category,
                                     reason="typed", last_exposure=local(2022, 3, 27, 12), linked_person_ids=linked)
    return db.get(Placement, placing.allocate(db, cast["command_office"], [request.id]).placements[0])


def test_a_fever_raises_an_alert_and_a_hospital_transport(db, cast):
    add_site(db)
    person = add_person(db, 1)
    placement = _place(db, cast, person)
    # 37.3 °C is a fever under the protocol (health_checks.fever_celsius); 37.2 is not.
    _, none = care.record_check(db, cast["site_manager"], person_id=person.id, temperature=37.2)
    assert none is None
    _, alert = care.record_check(db, cast["site_manager"], person_id=person.id, temperature=37.3, symptoms="咳嗽")
    assert alert is not None and alert.kind == "fever" and alert.detail["temperature"] == 37.3
    hospital = db.scalars(select(TransportRequest).where(TransportRequest.reason == "hospital")).all()
    assert [(t.person_id, t.status, t.from_place) for t in hospital] == [(person.id, "open", "隔离点GL-01 101")]
    assert "定点医院" in hospital[0].to_place
    care.record_check(db, cast["site_manager"], person_id=person.id, temperature=38.0)
    tasks = db.scalars(select(QuarantineTest).where(QuarantineTest.placement_id == placement.id,
                                                QuarantineTest.phase == "single")).all()
    assert len(tasks) == 1 and tasks[0].result == "pending"
    assert len(db.scalars(select(Alert)).all()) == 2


@pytest.mark.parametrize("edition", ["cn-8", "cn-9"])
def test_the_index_turns(db, cast, monkeypatch, edition):
    monkeypatch.setenv("FANGYI_PROTOCOL", edition)
    add_site(db, rooms=3)
    close, secondary, waiting = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    placed_close = _place(db, cast, close)
    placed_secondary = _place(db, cast, secondary, "secondary_contact", [close.id])
    still_open = placing.create_request(db, cast["command_office"], person_id=waiting.id,
                                        category="secondary_contact", reason="typed",
                                        last_exposure=local(2022, 3, 28, 12), linked_person_ids=[close.id])
    care.record_test(db, cast["site_manager"], person_id=close.id, day=1, result="positive",
                     sampled_at=local(2022, 3, 28, 9))
    kinds = sorted(a.kind for a in db.scalars(select(Alert)))
    assert kinds == ["index_turned", "positive"]
    assert db.scalars(select(TransportRequest.person_id).where(TransportRequest.reason == "hospital")).all() \
        == [close.id]
    assert still_open.category == "close_contact"
    if edition == "cn-8":
        # Both centralized: the same room, a close contact's clock (14 days from the last exposure to it).
        assert placed_secondary.status == "active" and placed_secondary.category == "close_contact"
        assert care.clock_of(placed_secondary).release_date.isoformat() == "2022-04-11"
    else:
        # cn-9: the secondary contact was at home; a close contact goes to a site, so a new request waits.
        assert placed_secondary.status == "transferred"
        new = db.scalar(select(PlacementRequest).where(PlacementRequest.person_id == secondary.id,
                                                       PlacementRequest.status == "open"))
        assert new.category == "close_contact" and new.source == "index_turned"
    assert placed_close.status == "active"


def test_hand_over_hook_and_a_ruled_out_case_flags_its_contacts_for_review(db, cast):
    from tests.quarantine.world import add_case, add_contact

    add_site(db, rooms=2)
    index, close, other = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    contact = add_contact(db, add_case(db, index), close, "close", local(2022, 3, 27, 13, 10))
    [request] = quarantine.request_placements(db, cast["tracer"], [wanted(contact)])
    assert quarantine.request_placements(db, cast["tracer"], [wanted(contact)]) == [request]
    assert send_handed_over(db, cast["command_office"]) == [request]  # taken once only
    placing.allocate(db, cast["command_office"], [request.id])
    assert contact.quarantined_at is not None  # tracing learnt when the contact was placed
    _place(db, cast, other)
    rule_out_case(db, cast["tracer"], db.get(Case, contact.case_id).case_no, "复核阴性，排除病例")
    review = db.scalars(select(Alert).where(Alert.kind == "review")).all()
    assert [a.person_id for a in review] == [close.id]
    assert db.get(Placement, review[0].placement_id).status == "active"  # flagged, not released


def test_a_turned_contact_is_released_on_their_day_without_an_override(db, cast, monkeypatch):
    """cn-9: a secondary contact at home, last exposed 27 March 12:00, turns close when the close
    contact tests positive on 28 March. As a close contact their day 1 is 28 March, tests on days
    1, 2, 3, 5, 7 (28, 29, 30 March, 1 and 3 April), release on 4 April. The centralized placement
    begins only on 31 March: day 1 is met by the negative test at home, day 2 by a negative pool
    of a screening round, day 3 (untested) is waived with a reason; no commander is needed."""
    from datetime import date

    from fangyi.errors import Invalid
    from fangyi.screening.models import Sample, Tube

    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    add_site(db, rooms=3)
    close, secondary = add_person(db, 1), add_person(db, 2)
    _place(db, cast, close)
    at_home = _place(db, cast, secondary, "secondary_contact", [close.id])
    assert at_home.setting == "home"
    db.add(QuarantineTest(placement_id=at_home.id, person_id=secondary.id, phase="quarantine", day=1,
                          sampled_at=local(2022, 3, 28, 9), result="negative"))
    care.record_test(db, cast["site_manager"], person_id=close.id, day=1, result="positive",
                     sampled_at=local(2022, 3, 28, 9))
    assert at_home.status == "transferred"
    tube = Tube(barcode="T-ROUND-29", pool_size=10, members=1, state="tested", result="negative",
                opened_at=local(2022, 3, 29, 9))
    db.add(tube)
    db.flush()
    db.add(Sample(tube_id=tube.id, person_id=secondary.id, sampled_at=local(2022, 3, 29, 10)))
    request = db.scalar(select(PlacementRequest).where(PlacementRequest.person_id == secondary.id,
                                                       PlacementRequest.status == "open"))
    placed = db.get(Placement, placing.allocate(db, cast["command_office"], [request.id]).placements[0])
    placed.placed_at = local(2022, 3, 31, 10)
    db.flush()
    assert care.clock_of(placed).release_date == date(2022, 4, 4)
    for day, sampled in ((5, local(2022, 4, 1, 9)), (7, local(2022, 4, 3, 9))):
        care.record_test(db, cast["site_manager"], person_id=secondary.id, day=day, result="negative",
                         sampled_at=sampled)
    gaps = care.what_is_missing(db, placed, date(2022, 4, 4))
    assert [(g.code, g.params.get("day")) for g in gaps] == [("test", 3)]
    with pytest.raises(Invalid, match="before the placement began"):
        care.waive_test(db, cast["site_manager"], placed.id, day=5, reason="漏检")
    care.waive_test(db, cast["site_manager"], placed.id, day=3, reason="居家期间转运中，未能采样")
    assert care.what_is_missing(db, placed, date(2022, 4, 4)) == []
    done = care.release(db, cast["site_manager"], placed.id, on=date(2022, 4, 4))
    assert done.placement.release_kind == "monitoring" and done.missing == []
