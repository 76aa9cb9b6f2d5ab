"""The village doctor's day: each item done from the list; a fever raises quarantine's alert; a
reading no person gives (45 °C, 30 °C) is asked again, never stored."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fangyi.arrivals import service
from fangyi.arrivals.models import ArrivalWork
from fangyi.errors import Invalid, NotFound
from fangyi.quarantine.models import Alert, TransportRequest
from tests.arrivals.world import WUHAN_WUCHANG, local, number
from tests.conftest import CHENGGUAN, SHIJIN

DAY3 = date(2022, 4, 5)  # arrived 2 April: day 3 of home health monitoring (cn-8)


@pytest.fixture
def arrival(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    service.save_origin_risk(db, cast["command_office"], area_code="420100", level="medium",
                             valid_from=date(2022, 3, 1), valid_to=None)
    return service.register_arrival(db, cast["checkpoint"], id_number=number(1), name="返乡一", origin=WUHAN_WUCHANG,
                                    arrived_at=local(2022, 4, 2, 10), staying_area_code=SHIJIN).arrival


def _temperature(db, who, arrival, value):
    return service.record_work(db, who, arrival_id=arrival.id, kind="temperature", day=DAY3, temperature=value)


def test_twice_daily_temperatures_are_counted(db, cast, arrival):
    doctor = cast["village_doctor"]
    [task] = [t for t in service.village_day(db, doctor, DAY3) if t.kind == "temperature"]
    assert (task.done, task.wanted) == (0, 2)
    _temperature(db, doctor, arrival, 36.5)
    _temperature(db, doctor, arrival, 36.7)
    [task] = [t for t in service.village_day(db, doctor, DAY3) if t.kind == "temperature"]
    assert (task.done, task.wanted, task.open) == (2, 2, False)


def test_a_fever_raises_the_same_alert_as_at_a_site(db, cast, arrival):
    done = _temperature(db, cast["village_doctor"], arrival, 37.2)
    assert done.alert_id is None
    done = _temperature(db, cast["village_doctor"], arrival, 37.3)  # the edition's threshold
    alert = db.get(Alert, done.alert_id)
    assert (alert.kind, alert.person_id, alert.detail["temperature"]) == ("fever", arrival.person_id, 37.3)
    hospital = db.scalars(select(TransportRequest).where(TransportRequest.reason == "hospital")).all()
    assert [(t.person_id, t.status) for t in hospital] == [(arrival.person_id, "open")]


@pytest.mark.parametrize("value", [45.0, 30.0])
def test_an_impossible_reading_is_asked_again(db, cast, arrival, value):
    with pytest.raises(Invalid) as refused:
        _temperature(db, cast["village_doctor"], arrival, value)
    assert refused.value.extra["column"] == "temperature" and "again" in refused.value.detail
    assert db.scalar(select(func.count()).select_from(ArrivalWork)) == 0
    assert db.scalar(select(func.count()).select_from(Alert)) == 0


def test_the_first_visit_is_recorded_once(db, cast, arrival):
    first = service.record_work(db, cast["village_doctor"], arrival_id=arrival.id, kind="first_visit", day=DAY3)
    # Sent again (another doctor, or the same one twice): merged into the stored visit, not doubled.
    again = service.record_work(db, cast["village_doctor"], arrival_id=arrival.id, kind="first_visit", day=DAY3)
    assert again.merged and again.work.id == first.work.id and not first.merged
    assert db.scalar(select(func.count()).select_from(ArrivalWork).where(ArrivalWork.kind == "first_visit")) == 1


def test_another_townships_arrival_is_not_found(db, cast, arrival):
    other = service.register_arrival(db, cast["command_office"], id_number=number(2), name="返乡二",
                                     origin=WUHAN_WUCHANG, arrived_at=local(2022, 4, 2, 10),
                                     staying_area_code=CHENGGUAN).arrival
    with pytest.raises(NotFound):
        _temperature(db, cast["village_doctor"], other, 36.5)
    assert {t.arrival.id for t in service.village_day(db, cast["village_doctor"], DAY3)} == {arrival.id}
