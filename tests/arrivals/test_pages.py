"""The village doctor lands on today's list and does each item in a tap (a temperature typed once);
the checkpoint registers a car's occupants in one form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fangyi.arrivals import service
from fangyi.arrivals.models import Arrival, ArrivalWork
from fangyi.quarantine.models import Alert
from fangyi.timeutil import now
from tests.arrivals.world import WUHAN_WUCHANG, number
from tests.conftest import SHIJIN
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def arrived(db, cast, monkeypatch):
    """Someone from a medium-risk city who came two days ago: day 2 of home health monitoring."""
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    service.save_origin_risk(db, cast["command_office"], area_code="420100", level="medium",
                             valid_from=date(2022, 1, 1), valid_to=None)
    done = service.register_arrival(db, cast["checkpoint"], id_number=number(1), name="返乡甲",
                                    origin=WUHAN_WUCHANG, arrived_at=now() - timedelta(days=2),
                                    staying_area_code=SHIJIN)
    db.commit()
    return done.arrival


def test_the_village_doctor_lands_on_the_day_and_works_it(client, db, cast, arrived):
    landing = sign_in(client, "village_doctor")
    if landing != "/arrivals/day":
        landing = client.get(landing, follow_redirects=False).headers.get("location", landing)
    assert landing == "/arrivals/day"
    page = client.get("/arrivals/day")
    assert page.status_code == 200
    assert "返乡甲" in page.text and "首次上门" in page.text and "测体温" in page.text
    csrf = csrf_of(page.text)
    path = f"/arrivals/{arrived.id}/work"
    refused = client.post(path, data={"csrf": csrf, "kind": "temperature", "temperature": "45"})
    assert refused.status_code == 422 and "请重新测量" in refused.text
    assert db.scalar(select(func.count()).select_from(ArrivalWork)) == 0
    fever = client.post(path, data={"csrf": csrf, "kind": "temperature", "temperature": "38.1"})
    assert fever.status_code == 200 and "发热" in fever.text
    assert db.scalar(select(Alert.kind).where(Alert.person_id == arrived.person_id)) == "fever"
    visit = client.post(path, data={"csrf": csrf, "kind": "first_visit"}, follow_redirects=False)
    assert visit.status_code == 303 and visit.headers["location"] == "/arrivals/day"
    assert "已完成" in client.get("/arrivals/day").text


def test_the_checkpoint_registers_a_car_of_four(client, db, cast, arrived):
    sign_in(client, "checkpoint")
    page = client.get("/arrivals/checkpoint")
    assert page.status_code == 200
    occupants = "\n".join(f"{number(n)} 乘客{n}" for n in (11, 12, 13)) + f"\n{number(1)}"
    answer = client.post("/arrivals/checkpoint", data={
        "csrf": csrf_of(page.text), "plate": "湘D88888", "origin_code": WUHAN_WUCHANG,
        "staying_area_code": SHIJIN, "occupants": occupants})
    assert answer.status_code == 200, answer.text
    assert answer.text.count("居家健康监测") == 4  # every occupant's measure shown at once
    assert all(f"乘客{n}" in answer.text for n in (11, 12, 13)) and "返乡甲" in answer.text
    # The one who came two days ago is the same person, arriving again (beyond the merging window).
    assert db.scalar(select(func.count()).select_from(Arrival).where(Arrival.person_id == arrived.person_id)) == 2
    plates = db.scalars(select(Arrival.plate).where(Arrival.plate.is_not(None))).all()
    assert plates == ["湘D88888"] * 4


def test_a_bad_number_keeps_the_whole_car_out(client, db, cast):
    sign_in(client, "checkpoint")
    page = client.get("/arrivals/checkpoint")
    bad = number(12)[:-1] + ("0" if number(12)[-1] != "0" else "1")
    answer = client.post("/arrivals/checkpoint", data={
        "csrf": csrf_of(page.text), "plate": "湘D1", "origin_code": WUHAN_WUCHANG, "staying_area_code": SHIJIN,
        "occupants": f"{number(11)} 乘客\n{bad} 乘客"})
    assert answer.status_code == 422
    assert db.scalar(select(func.count()).select_from(Arrival)) == 0
