"""A zone's screening round: offered once the zone is in force, over exactly its areas' residents (door
to door in a sealed zone, at points in a controlled one), recorded on the zone and named by its lift
criteria; refused for a zone not in force, a second round while one runs, a user without
manage_screening or outside the jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Forbidden, NotFound
from fangyi.screening import rounds as screening_rounds
from fangyi.screening.models import ScreeningRound
from fangyi.timeutil import now, to_local, today
from fangyi.zones import service
from fangyi.zones.models import ZoneDecision, ZoneRound
from tests.conftest import MISHUI, SHIJIN, XIAOQUANWU
from tests.web.conftest import csrf_of, sign_in
from tests.zones.world import county, local


def in_force(cast, db):
    world = county(db)
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00")
    for zone in world.zones():
        service.approve(db, cast["commander"], zone.id, at=local("2022-03-30 12:00"))
    return world


def test_a_sealed_zone_gets_a_door_to_door_round_over_exactly_its_residents(cast, db):
    world = in_force(cast, db)
    group, village = world.zone("sealed", XIAOQUANWU), world.zone("controlled", SHIJIN)
    office = cast["command_office"]
    offer = service.round_offer(db, office, group.id)
    assert offer.mode == "door_to_door" and offer.area_codes == [XIAOQUANWU]
    assert offer.name == f"封控区#{group.id}（小泉屋组）全员核酸检测（入户采样）"
    record, found = service.start_round(db, office, group.id)
    assert (found.code, found.name, found.area_codes) == (offer.code, offer.name, [XIAOQUANWU])
    assert abs((found.starts_at - now()).total_seconds()) < 60 and found.deadline_at > found.starts_at
    assert (record.zone_id, record.round_id, record.mode, record.started_by) == (group.id, found.id, "door_to_door",
                                                                                   "command_office")
    # Its residents are the zone's: the household and the neighbour of 小泉屋组, not 二组.
    _, people = service.residents(db, office, group.id)
    assert [(r.area_code, r.count) for r in people] == [(XIAOQUANWU, 3)]
    # And the screening part's own progress of the round counts the same three people, the group alone.
    progress = screening_rounds.coverage(db, office, found.code)
    assert (progress.target, progress.sampled) == (3, 0)
    decision = db.scalar(select(ZoneDecision).where(ZoneDecision.zone_id == group.id, ZoneDecision.action == "round"))
    assert decision is not None and decision.evidence["round"] == found.code
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "zone_round")) == 1
    # A controlled zone's round samples at points; the code and name may be edited.
    _, other = service.start_round(db, office, village.id, code="SJ-GK-1", name="石金村管控区第一轮")
    assert (other.code, other.name, other.area_codes) == ("SJ-GK-1", "石金村管控区第一轮", [SHIJIN])
    assert db.scalar(select(ZoneRound.mode).where(ZoneRound.round_id == other.id)) == "points"
    assert [s.code for _, s in service.zone_rounds(db, office, group.id)] == [found.code]


def test_the_lift_criteria_name_the_zones_rounds(cast, db):
    world = in_force(cast, db)
    group = world.zone("sealed", XIAOQUANWU)
    _, found = service.start_round(db, cast["command_office"], group.id)
    world.sample([world.mate, world.neighbour], to_local(now()).strftime("%Y-%m-%d %H:%M"), round_code=found.code)
    view = service.zone_view(db, cast["commander"], group.id, today())
    assert view.evaluation is not None
    [everyone] = [c for c in view.evaluation.criteria if c.name == "everyone_negative"]
    assert everyone.evidence["zone_rounds"] == [found.code] and found.code in everyone.evidence["rounds"]


def test_refusals_leave_nothing_written(cast, db):
    world = in_force(cast, db)
    group = world.zone("sealed", XIAOQUANWU)
    office = cast["command_office"]
    proposed = service.propose(db, SYSTEM, kind="controlled", area_codes=["430424101001002"], reason="二组")

    def rounds():
        return db.scalar(select(func.count()).select_from(ScreeningRound))

    before = rounds()
    with pytest.raises(Conflict, match="is proposed"):
        service.start_round(db, office, proposed.id)
    for role in ("commander", "tracer", "village_doctor"):
        with pytest.raises(Forbidden):
            service.start_round(db, cast[role], group.id)
    elsewhere = accounts.create_user(db, SYSTEM, username="office-mishui", password="office-mishui-2022",
                                     role="command_office", area_code=MISHUI)
    with pytest.raises(NotFound):
        service.start_round(db, elsewhere, group.id)
    assert rounds() == before
    _, found = service.start_round(db, office, group.id)
    with pytest.raises(Conflict, match=f"round {found.code} is still running"):
        service.start_round(db, office, group.id)
    service.lift(db, cast["commander"], group.id, override="试验")
    with pytest.raises(Conflict, match="is lifted"):
        service.start_round(db, office, group.id)
    assert rounds() == before + 1


def test_the_api_and_the_page_start_a_round(cast, db, client):
    world = in_force(cast, db)
    group, village = world.zone("sealed", XIAOQUANWU), world.zone("controlled", SHIJIN)
    answer = client.post(f"/api/v1/zones/{group.id}/round", json={}, headers=cast.headers("command_office"))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["areas"], body["mode"], body["zone_id"]) == ([XIAOQUANWU], "door_to_door", group.id)
    again = client.post(f"/api/v1/zones/{group.id}/round", json={}, headers=cast.headers("command_office"))
    assert again.status_code == 409 and "still running" in again.json()["detail"]
    refused = client.post(f"/api/v1/zones/{village.id}/round", json={}, headers=cast.headers("commander"))
    assert refused.status_code == 403
    page = client.get(f"/api/v1/zones/{group.id}", headers=cast.headers("commander"))
    assert any(d["action"] == "round" for d in page.json()["timeline"])


def test_the_zone_page_offers_the_round_to_the_command_office_only(cast, db, client):
    world = in_force(cast, db)
    group = world.zone("sealed", XIAOQUANWU)
    sign_in(client, "commander")
    page = client.get(f"/zones/{group.id}")
    assert page.status_code == 200 and f'action="/zones/{group.id}/round"' not in page.text
    client.cookies.clear()
    sign_in(client, "command_office")
    page = client.get(f"/zones/{group.id}")
    offer = service.round_offer(db, cast["command_office"], group.id)
    assert f'action="/zones/{group.id}/round"' in page.text and offer.name in page.text and "入户采样" in page.text
    token = csrf_of(page.text)
    done = client.post(f"/zones/{group.id}/round", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    [(record, found)] = service.zone_rounds(db, cast["command_office"], group.id)
    assert (found.code, found.area_codes, record.mode) == (offer.code, [XIAOQUANWU], "door_to_door")
    page = client.get(f"/zones/{group.id}")
    assert found.code in page.text and "still running" in page.text
    again = client.post(f"/zones/{group.id}/round", data={"csrf": token})
    assert again.status_code == 409 and "still running" in again.text
