"""Measures from the origin's risk on the arrival date, as each edition gives them (protocols.md):

- cn-8, medium-risk origin: 14 days home health monitoring, tests on days 1 and 7 (choice).
- cn-9, medium-risk origin: 7 days home quarantine.
- high-risk origin: centralized quarantine, a placement request quarantine already handles.

Day 1 is the day after the arrival (the arrival ends the exposure at the origin). Every date below
is written by hand from those rules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fangyi.arrivals import service
from fangyi.audit.models import AuditEntry
from fangyi.quarantine.models import PlacementRequest
from tests.arrivals.world import SHANGHAI_PUDONG, WUHAN_WUCHANG, local, number
from tests.conftest import SHIJIN


def _list(db, office):
    service.save_origin_risk(db, office, area_code="420100", level="medium", valid_from=date(2022, 3, 1),
                             valid_to=date(2022, 7, 31))
    service.save_origin_risk(db, office, area_code="310000", level="high", valid_from=date(2022, 3, 1),
                             valid_to=date(2022, 7, 31))


def _arrive(db, who, when, origin=WUHAN_WUCHANG, n=1):
    return service.register_arrival(db, who, id_number=number(n), name=f"返乡{n}", origin=origin, arrived_at=when,
                                    staying_area_code=SHIJIN)


def _due(db, who, day):
    return sorted((t.kind, t.label) for t in service.village_day(db, who, day))


def test_cn8_medium_risk_is_fourteen_days_of_home_monitoring(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    _list(db, cast["command_office"])
    done = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 10))
    arrival, plan = done.arrival, done.measures
    assert (arrival.risk_level, arrival.category, arrival.edition) == ("medium", "arrival_medium_risk", "cn-8")
    assert plan.setting == "monitoring"
    assert (plan.home_from, plan.home_to, plan.release) == (date(2022, 4, 3), date(2022, 4, 16), date(2022, 4, 17))
    assert [t.day for t in plan.tests] == [date(2022, 4, 3), date(2022, 4, 9)]
    assert arrival.placement_request_id is None
    doctor = cast["village_doctor"]
    assert _due(db, doctor, date(2022, 4, 2)) == [("first_visit", "")]
    assert _due(db, doctor, date(2022, 4, 3)) == [("first_visit", ""), ("temperature", ""), ("test", "m1")]
    service.record_work(db, doctor, arrival_id=arrival.id, kind="first_visit", day=date(2022, 4, 3))
    assert _due(db, doctor, date(2022, 4, 4)) == [("temperature", "")]
    assert _due(db, doctor, date(2022, 4, 9)) == [("temperature", ""), ("test", "m7")]
    assert _due(db, doctor, date(2022, 4, 16)) == [("temperature", "")]
    assert _due(db, doctor, date(2022, 4, 17)) == [("release", "")]
    assert _due(db, doctor, date(2022, 4, 18)) == []


def test_cn9_medium_risk_is_seven_days_of_home_quarantine(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    _list(db, cast["command_office"])
    done = _arrive(db, cast["checkpoint"], local(2022, 7, 2, 10))
    plan = done.measures
    assert (done.arrival.category, plan.setting) == ("arrival_medium_risk", "home")
    assert (plan.home_from, plan.home_to, plan.release) == (date(2022, 7, 3), date(2022, 7, 9), date(2022, 7, 10))
    doctor = cast["village_doctor"]
    assert _due(db, doctor, date(2022, 7, 9))[-1] == ("test", "q7")
    assert ("temperature", "") in _due(db, doctor, date(2022, 7, 9))
    assert ("release", "") in _due(db, doctor, date(2022, 7, 10))
    assert ("temperature", "") not in _due(db, doctor, date(2022, 7, 10))


@pytest.mark.parametrize("edition", ["cn-8", "cn-9"])
def test_a_high_risk_origin_becomes_a_placement_request(db, cast, monkeypatch, edition):
    monkeypatch.setenv("FANGYI_PROTOCOL", edition)
    _list(db, cast["command_office"])
    done = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 10), origin=SHANGHAI_PUDONG)
    request = db.get(PlacementRequest, done.arrival.placement_request_id)
    assert (request.person_id, request.category, request.source) == (done.arrival.person_id, "arrival_high_risk",
                                                                     "arrivals")
    assert request.last_exposure == local(2022, 4, 2, 10)
    # The same arrival again asks for no second bed.
    _arrive(db, cast["checkpoint"], local(2022, 4, 2, 11), origin=SHANGHAI_PUDONG)
    assert len(db.scalars(select(PlacementRequest)).all()) == 1
    # cn-8 (Hengyang's reading): 7 days centralized, then 7 days home health monitoring in the village.
    plan = done.measures
    # Nothing for the village while they are at the site.
    assert _due(db, cast["village_doctor"], date(2022, 4, 2)) == []
    if edition == "cn-8":
        assert (plan.home_from, plan.home_to, plan.release) == (date(2022, 4, 10), date(2022, 4, 16),
                                                                date(2022, 4, 17))
        assert _due(db, cast["village_doctor"], date(2022, 4, 10)) == [("first_visit", ""), ("temperature", "")]
    else:
        assert plan.home_from is None and plan.release is None


def test_an_origin_not_listed_asks_only_for_the_first_visit(db, cast):
    done = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 10), origin="440300")
    assert done.arrival.risk_level is None and done.measures is None
    assert _due(db, cast["village_doctor"], date(2022, 4, 2)) == [("first_visit", "")]


def test_a_province_with_local_cases_asks_for_two_tests(db, cast):
    service.save_origin_risk(db, cast["command_office"], area_code="440000", level="local_cases",
                             valid_from=date(2022, 3, 1), valid_to=None)
    done = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 10), origin="440300")
    # Within 24 h: by day 1 (3 April); within 7 days: by day 7 (9 April).
    assert [(t.day, t.label) for t in done.measures.tests] == [(date(2022, 4, 3), "h24"), (date(2022, 4, 9), "h168")]


def test_a_second_checkpoint_naming_a_graver_origin_brings_its_measures(db, cast):
    """The same person seen at two checkpoints two hours apart, first said to come from Wuhan
    (medium), then from Shanghai (high): one arrival, from Shanghai, with a placement request; the
    change audited. A milder origin the second time changes nothing."""
    _list(db, cast["command_office"])
    first = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 10))
    assert (first.arrival.risk_level, first.arrival.placement_request_id) == ("medium", None)
    graver = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 12), origin=SHANGHAI_PUDONG)
    assert not graver.new and graver.arrival.id == first.arrival.id
    assert (graver.arrival.origin_code, graver.arrival.risk_level) == (SHANGHAI_PUDONG, "high")
    request = db.get(PlacementRequest, graver.arrival.placement_request_id)
    assert (request.person_id, request.category) == (first.arrival.person_id, "arrival_high_risk")
    assert graver.measures is not None and graver.measures.setting == "centralized"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).one()
    assert entry.before["risk_level"] == "medium" and entry.after["risk_level"] == "high"
    milder = _arrive(db, cast["checkpoint"], local(2022, 4, 2, 13))
    assert (milder.arrival.origin_code, milder.arrival.risk_level) == (SHANGHAI_PUDONG, "high")
    assert len(db.scalars(select(PlacementRequest)).all()) == 1
