"""The round setup page: the Dorfman advice without script, the round and point forms, who may."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.screening.models import SamplingPoint, ScreeningRound
from tests.conftest import SHIJIN, SHITAN, Cast
from tests.web.conftest import csrf_of

PAGE = "/screening/setup"


def test_advice_by_link_and_by_the_forms_button_keeps_what_was_typed(login: Callable[[str], TestClient],
                                                                      cast: Cast) -> None:
    client = login("command_office")
    # 0.1%: cn-8's sizes 1, 5, 10, 20 cost 1, 0.205, 0.110, 0.070 tests a person: 20 is advised.
    linked = client.get(f"{PAGE}?prevalence=0.001")
    assert linked.status_code == 200 and "建议 20 人一管（每人平均 0.07 次检测）" in linked.text
    # 5%: a pool of 20 turns positive too often; 5 is the cheapest (0.426).
    page = client.get(PAGE).text
    advised = client.post(f"{PAGE}/round", data={
        "csrf": csrf_of(page), "code": "R-9", "name": "第九轮", "area_codes": [SHITAN, SHIJIN],
        "starts_at": "2022-04-05T08:00", "pool_size": "20", "prevalence": "5%", "advise": "1"})
    assert advised.status_code == 200
    assert "建议 5 人一管（每人平均 0.426 次检测）" in advised.text
    assert '<option value="5" selected>' in advised.text  # the advised size is chosen for the user
    assert 'value="R-9"' in advised.text and 'value="2022-04-05T08:00"' in advised.text
    assert f'<option value="{SHITAN}" selected>' in advised.text
    bad = client.post(f"{PAGE}/round", data={"csrf": csrf_of(page), "code": "R-9", "prevalence": "两成",
                                             "advise": "1"})
    assert bad.status_code == 422 and "is not a number" in bad.text


def test_round_form_round_trips_input_on_error_and_creates_the_round(login: Callable[[str], TestClient],
                                                                       db: Session, cast: Cast) -> None:
    client = login("command_office")
    page = client.get(PAGE).text
    form = {"csrf": csrf_of(page), "code": "R-10", "name": "第十轮全员核酸", "area_codes": [SHITAN],
            "starts_at": "2022-04-05T08:00", "deadline_at": "2022-04-05T06:00", "pool_size": "10",
            "prevalence": ""}
    refused = client.post(f"{PAGE}/round", data=form)
    assert refused.status_code == 422 and "the deadline comes before the start" in refused.text
    assert 'value="第十轮全员核酸"' in refused.text and 'value="2022-04-05T06:00"' in refused.text
    assert '<option value="10" selected>' in refused.text and f'<option value="{SHITAN}" selected>' in refused.text
    no_area = client.post(f"{PAGE}/round", data=form | {"area_codes": [], "deadline_at": ""})
    assert no_area.status_code == 422 and "a round covers at least one area" in no_area.text
    assert db.scalar(select(ScreeningRound).where(ScreeningRound.code == "R-10")) is None

    created = client.post(f"{PAGE}/round", data=form | {"deadline_at": "2022-04-06T08:00"}, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/screening/rounds/R-10"
    found = db.scalar(select(ScreeningRound).where(ScreeningRound.code == "R-10"))
    assert found is not None and found.pool_size == 10 and found.area_codes == [SHITAN]
    assert found.starts_at.hour == 0  # 08:00 in Hengdong
    assert db.scalar(select(AuditEntry.actor).where(AuditEntry.entity == "screening_round")) == "command_office"
    again = client.post(f"{PAGE}/round", data=form | {"deadline_at": ""})
    assert again.status_code == 422 and "round R-10 exists already" in again.text


def test_point_and_team_form(login: Callable[[str], TestClient], db: Session, cast: Cast) -> None:
    client = login("admin")
    page = client.get(PAGE).text
    form = {"csrf": csrf_of(page), "point_code": "T-1", "point_name": "石金入户一队", "kind": "team",
            "area_code": SHIJIN, "address": "", "hours": "08:00-18:00", "staff": "张医生 13800001111"}
    bad = client.post(f"{PAGE}/point", data=form | {"point_code": "T 1"})
    assert bad.status_code == 422 and "1-40 letters, digits, - or _" in bad.text
    assert 'value="石金入户一队"' in bad.text and "张医生 13800001111" in bad.text
    done = client.post(f"{PAGE}/point", data=form)
    assert done.status_code == 200 and "已添加 T-1" in done.text
    team = db.scalar(select(SamplingPoint).where(SamplingPoint.code == "T-1"))
    assert team is not None and (team.kind, team.area_code, team.hours) == ("team", SHIJIN, "08:00-18:00")
    assert "入户采样队" in client.get("/screening").text


def test_only_the_screening_managers_set_up(login: Callable[[str], TestClient], cast: Cast) -> None:
    for role in ("sampler", "lab", "village_doctor", "commander"):
        assert login(role).get(PAGE).status_code == 403, role
    sampler = login("sampler")
    token = csrf_of(sampler.get("/screening").text)
    assert sampler.post(f"{PAGE}/round", data={"csrf": token, "code": "R-X"}).status_code == 403
    office = login("command_office")
    assert office.post(f"{PAGE}/round", data={"csrf": "forged", "code": "R-X"}).status_code == 403
    assert 'href="/screening/setup"' in office.get("/screening").text
