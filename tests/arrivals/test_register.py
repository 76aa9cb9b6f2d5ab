"""Registering an arrival: the person found or put in on the spot, the origin kept (flagged when the
national list lacks it), and the same arrival sent twice merged, never doubled."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fangyi.arrivals import service
from fangyi.arrivals.models import Arrival
from fangyi.audit.models import AuditEntry
from fangyi.errors import Forbidden, Invalid, NotFound
from fangyi.protocols.reader import load
from fangyi.registry.models import Person
from tests.arrivals.world import CHANGSHA, SHANGHAI_PUDONG, local, number
from tests.conftest import CHENGGUAN, SHIJIN


def register(db, who, n=1, **extra):
    values = dict(id_number=number(n), name=f"返乡{n}", origin=SHANGHAI_PUDONG, arrived_at=local(2022, 4, 2, 10),
                  staying_area_code=SHIJIN, registered_at="G4-衡东出口")
    values.update(extra)
    return service.register_arrival(db, who, **values)


def test_a_new_person_is_registered_on_the_spot_and_audited(db, cast):
    done = register(db, cast["checkpoint"])
    assert done.new
    person = db.get(Person, done.arrival.person_id)
    assert (person.name, person.area_code, person.birth_date.year) == ("返乡1", SHIJIN, 1990)
    assert done.arrival.origin_known and done.arrival.seen_at == ["G4-衡东出口"]
    actions = db.scalars(select(AuditEntry.entity).where(AuditEntry.action == "create")).all()
    assert "arrival" in actions and "person" in actions


def test_a_person_in_the_registry_is_found_by_identity_number(db, cast):
    first = register(db, cast["checkpoint"], name="返乡1")
    again = register(db, cast["checkpoint"], arrived_at=local(2022, 5, 1, 9), name="")
    assert again.new and again.arrival.person_id == first.arrival.person_id
    assert db.scalar(select(func.count()).select_from(Person)) == 1


def test_a_bad_checksum_is_refused_with_its_column(db, cast):
    bad = number(1)[:-1] + ("0" if number(1)[-1] != "0" else "1")
    with pytest.raises(Invalid) as refused:
        register(db, cast["checkpoint"], id_number=bad)
    assert refused.value.extra["column"] == "id_number"
    assert db.scalar(select(func.count()).select_from(Arrival)) == 0


def test_an_unknown_origin_is_kept_and_flagged(db, cast):
    done = register(db, cast["checkpoint"], origin="999999")
    assert done.arrival.origin_code == "999999" and not done.arrival.origin_known
    assert [a.id for a, _ in service.list_arrivals(db, cast["command_office"], flagged=True)] == [done.arrival.id]
    # A county code of a listed prefecture is known as far as the list goes.
    assert register(db, cast["checkpoint"], n=2, origin="430105").arrival.origin_known
    with pytest.raises(Invalid):
        register(db, cast["checkpoint"], n=3, origin="31011")


def test_the_same_arrival_at_two_checkpoints_is_merged(db, cast):
    first = register(db, cast["checkpoint"])
    twice = register(db, cast["checkpoint"])
    assert not twice.new and twice.arrival.id == first.arrival.id
    later = register(db, cast["village_doctor"], arrived_at=local(2022, 4, 2, 13), registered_at="石金村",
                     phone="13800000001", means="car", plate="湘d12345")
    assert not later.new and later.arrival.id == first.arrival.id
    assert later.arrival.seen_at == ["G4-衡东出口", "石金村"]
    assert (later.arrival.phone, later.arrival.plate) == ("13800000001", "湘D12345")
    assert later.arrival.arrived_at == local(2022, 4, 2, 10)
    assert db.scalar(select(func.count()).select_from(Arrival)) == 1


def test_an_arrival_staying_outside_the_jurisdiction_is_refused(db, cast):
    # The village doctor's jurisdiction is 石滩乡; 城关社区 lies in 洣水镇.
    with pytest.raises(NotFound):
        register(db, cast["village_doctor"], staying_area_code=CHENGGUAN)
    with pytest.raises(Forbidden):
        register(db, cast["lab"])


def test_origin_risk_levels_a_county_inherits(db, cast):
    office = cast["command_office"]
    service.save_origin_risk(db, office, area_code="310000", level="high", valid_from=date(2022, 3, 1),
                             valid_to=None)
    service.save_origin_risk(db, office, area_code="430000", level="local_cases", valid_from=date(2022, 3, 1),
                             valid_to=date(2022, 4, 30))
    service.save_origin_risk(db, office, area_code="430100", level="medium", valid_from=date(2022, 4, 1),
                             valid_to=date(2022, 4, 14))
    cn8 = load("cn-8")
    assert service.risk_level(db, SHANGHAI_PUDONG, date(2022, 4, 2), cn8) == "high"  # the province's level
    assert service.risk_level(db, "430105", date(2022, 4, 2), cn8) == "medium"  # its city's, the most specific
    assert service.risk_level(db, "430105", date(2022, 4, 20), cn8) == "local_cases"  # the city's period is over
    assert service.risk_level(db, CHANGSHA, date(2022, 5, 1), cn8) is None
    # Hengyang's edition treats Shanghai and Jilin as high risk whatever the list says.
    assert service.risk_level(db, "220102", date(2022, 4, 2), load("hengyang-2022")) == "high"


def test_the_api_registers_merges_and_lists(client, db, cast):
    body = {"id_number": number(7), "name": "返乡七", "origin_code": "999999",
            "arrived_at": "2022-04-02T10:00:00+08:00", "staying_area_code": SHIJIN, "means": "car", "plate": "湘D7"}
    made = client.post("/api/v1/arrivals", json=body, headers=cast.headers("checkpoint"))
    assert made.status_code == 201 and made.json()["origin_known"] is False
    again = client.post("/api/v1/arrivals", json=body | {"registered_at_code": "石金村"},
                        headers=cast.headers("village_doctor"))
    assert again.status_code == 200 and again.json()["merged"] and again.json()["id"] == made.json()["id"]
    flagged = client.get("/api/v1/arrivals", params={"flagged": "true"}, headers=cast.headers("command_office"))
    assert [a["id"] for a in flagged.json()] == [made.json()["id"]]
    assert number(7) not in flagged.text  # identity numbers stay in the registry
