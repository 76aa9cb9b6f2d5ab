"""The Hengdong timeline replayed. Every expected date below is counted by hand from the rule text
(protocols.md), not by the code under test:

- cn-8, a sealed or controlled zone lifts when (1) no new case inside for 14 days, counted from the
  local date of the last case's confirmation as day 0 and holding from day 14 on: confirmed
  2022-03-30 → 2022-04-13; (2) every close contact last exposed more than 14 days before and
  negative: exposed 2022-03-29 → more than 14 days on 2022-04-13; (3) a negative sample of everyone
  inside in the 2 days before lifting (2022-04-12 or 13). So the lifts are proposed on 2022-04-13,
  not on 2022-04-12. The precaution zone lifts only once no sealed or controlled zone remains.
- cn-8 period risk areas: 14 days with no new case lowers one level: medium from 2022-03-30 → low
  proposed 2022-04-13.
- cn-9: high → medium after 7 days with no new infection and a day-7 screening of everyone negative:
  2022-03-30 + 7 = 2022-04-06; then → low after 3 more days: 2022-04-09.
- cn-9 areas: "high: the case's home compound or village, and places of frequent activity; medium:
  workplaces and places the case stayed". The window looks back 4 days before sampling (sampled
  2022-03-29 10:00 → from 2022-03-25 10:00). A market in 城关社区 visited on 25, 26 and 27 March
  (three separate days: frequent, Fangyi's choice of 3) makes 城关社区 high; a workplace in 二组 on
  28 March makes 二组 medium. Medium → low after 7 days and a negative day-7 round: 2022-04-06, as
  the high areas go medium that day.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.registry.models import Venue
from fangyi.zones import service
from fangyi.zones.models import ZoneDecision, ZoneNotice
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, XIAOQUANWU
from tests.tracing.world import add_person, add_stay
from tests.zones.world import ERZU, County, county, day, local


def proposals(views):
    return {(v.zone.kind, tuple(v.zone.area_codes)): (v.zone.pending, v.zone.pending_on) for v in views
            if v.zone.pending}


def first_case(world: County, commander) -> None:
    # Sampled and isolated on 29 March, confirmed on 30 March: its household last exposed on 29 March.
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00", actor=commander)


def test_cn8_a_case_proposes_its_three_zones_and_every_lift_comes_on_13_april(cast, db):
    world = county(db)
    commander = cast["commander"]
    first_case(world, cast["tracer"])
    proposed = {(z.kind, tuple(z.area_codes)) for z in world.zones() if z.state == "proposed"}
    assert proposed == {("sealed", (XIAOQUANWU,)), ("controlled", (SHIJIN,)), ("precaution", (COUNTY,)),
                        ("medium", (XIAOQUANWU,))}
    for zone in world.zones():
        service.approve(db, commander, zone.id, at=local("2022-03-30 12:00"))
    assert {z.state for z in world.zones()} == {"active"}

    world.sample([world.mate], "2022-04-05 09:00")  # the contact's test in quarantine: negative
    world.sample(world.everyone, "2022-04-12 08:00", round_code="SJ-0412")  # the round before lifting

    assert proposals(service.check(db, SYSTEM, day("2022-04-12"))) == {}
    views = service.check(db, SYSTEM, day("2022-04-13"))
    assert proposals(views) == {
        ("sealed", (XIAOQUANWU,)): ("lift", day("2022-04-13")),
        ("controlled", (SHIJIN,)): ("lift", day("2022-04-13")),
        ("medium", (XIAOQUANWU,)): ("downgrade", day("2022-04-13")),
    }
    sealed = next(v for v in views if v.zone.kind == "sealed").as_json()
    assert [(c["name"], c["met"], c["since"]) for c in sealed["criteria"]] == [
        ("no_new_case", True, "2022-04-13"), ("contacts_clear", True, "2022-04-13"),
        ("everyone_negative", True, "2022-04-12")]
    assert sealed["criteria"][0]["evidence"]["positives"] == ["HD-2022-001"]
    assert sealed["criteria"][2]["evidence"]["rounds"] == ["SJ-0412"]
    assert sealed["proposal"] == {"action": "lift", "on": "2022-04-13"}

    # The precaution zone waits for the sealed and controlled ones.
    precaution = world.zone("precaution", COUNTY)
    assert precaution.pending is None
    for kind, area in (("sealed", XIAOQUANWU), ("controlled", SHIJIN)):
        service.approve(db, commander, world.zone(kind, area).id, at=local("2022-04-13 15:00"))
    views = service.check(db, SYSTEM, day("2022-04-13"))
    assert proposals(views)[("precaution", (COUNTY,))] == ("lift", day("2022-04-13"))
    service.approve(db, commander, precaution.id, at=local("2022-04-13 15:00"))
    service.approve(db, commander, world.zone("medium", XIAOQUANWU).id, at=local("2022-04-13 15:00"))
    assert {z.state for z in world.zones()} == {"lifted"}
    routine = db.scalar(select(ZoneDecision).where(ZoneDecision.action == "routine"))
    assert routine is not None and routine.at == local("2022-04-13 15:00") and routine.county_code == COUNTY
    notice = db.scalar(select(ZoneNotice).where(ZoneNotice.zone_id == world.zone("sealed", XIAOQUANWU).id)
                       .order_by(ZoneNotice.id.desc()).limit(1))
    assert notice is not None and "解除" in notice.title and "2022年4月13日15时" in notice.body


def test_cn8_a_positive_inside_the_controlled_zone_seals_it_and_moves_its_lift(cast, db):
    world = county(db)
    commander = cast["commander"]
    first_case(world, cast["tracer"])
    for zone in world.zones():
        service.approve(db, commander, zone.id, at=local("2022-03-30 12:00"))
    # A positive in 二组, inside the controlled village, confirmed on 5 April.
    world.case(world.erzu[0], "HD-2022-002", "2022-04-05 10:00", sampled="2022-04-05 07:00")
    village = world.zone("controlled", SHIJIN)
    assert (village.pending, village.pending_on) == ("seal", day("2022-04-05"))
    # At the top of the command's list; no second sealed zone over 二组, the village is being sealed.
    views = service.list_zones(db, commander, day("2022-04-05"))
    assert views[0].zone.id == village.id
    assert not any(z.kind == "sealed" and ERZU in z.area_codes for z in world.zones())
    service.approve(db, commander, village.id, at=local("2022-04-05 12:00"))
    assert village.kind == "sealed"

    world.sample([world.mate], "2022-04-05 09:00")
    world.sample(world.everyone, "2022-04-12 08:00", round_code="SJ-0412")
    views = service.check(db, SYSTEM, day("2022-04-13"))
    # The group's sealed zone lifts on 13 April; the village's last case was on 5 April → 19 April.
    assert proposals(views).get(("sealed", (XIAOQUANWU,))) == ("lift", day("2022-04-13"))
    assert ("sealed", (SHIJIN,)) not in proposals(views)
    world.sample([world.mate, world.neighbour, world.erzu[1]], "2022-04-18 08:00", round_code="SJ-0418")
    assert ("sealed", (SHIJIN,)) not in proposals(service.check(db, SYSTEM, day("2022-04-18")))
    assert proposals(service.check(db, SYSTEM, day("2022-04-19")))[("sealed", (SHIJIN,))] == (
        "lift", day("2022-04-19"))


def test_cn9_the_risk_area_goes_high_medium_low_on_6_and_9_april(cast, db, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    world = county(db)
    commander = cast["commander"]
    first_case(world, cast["tracer"])
    assert [(z.kind, z.area_codes) for z in world.zones()] == [("high", [XIAOQUANWU])]
    area = world.zone("high", XIAOQUANWU)
    service.approve(db, commander, area.id, at=local("2022-03-30 12:00"))
    world.sample([world.mate, world.neighbour], "2022-04-06 08:00", round_code="SJ-0406")  # the day-7 round
    assert proposals(service.check(db, SYSTEM, day("2022-04-05"))) == {}
    assert proposals(service.check(db, SYSTEM, day("2022-04-06"))) == {("high", (XIAOQUANWU,)): (
        "downgrade", day("2022-04-06"))}
    service.approve(db, commander, area.id, at=local("2022-04-06 18:00"))
    assert (area.kind, area.state) == ("medium", "active")
    assert proposals(service.check(db, SYSTEM, day("2022-04-08"))) == {}
    assert proposals(service.check(db, SYSTEM, day("2022-04-09"))) == {("medium", (XIAOQUANWU,)): (
        "downgrade", day("2022-04-09"))}
    service.approve(db, commander, area.id, at=local("2022-04-09 18:00"))
    assert (area.kind, area.state) == ("low", "lifted")
    assert service.routine_since(db, commander, COUNTY) == local("2022-04-09 18:00")


def test_cn9_the_case_s_workplace_is_medium_and_its_frequent_market_high(cast, db, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    world = county(db)
    commander = cast["commander"]
    workplace = Venue(code="W-ERZU", name="二组砖厂", kind="workplace", area_code=ERZU)
    market = Venue(code="M-CG", name="城关菜市场", kind="market", area_code=CHENGGUAN)
    db.add_all([workplace, market])
    db.flush()
    colleague, stallholder = world.erzu[1], add_person(db, 20, area=CHENGGUAN)
    for when in ("2022-03-25", "2022-03-26", "2022-03-27"):
        for person in (world.case_person, stallholder):
            add_stay(db, person, market, local(f"{when} 15:00"), local(f"{when} 16:00"))
    for person in (world.case_person, colleague):
        add_stay(db, person, workplace, local("2022-03-28 08:00"), local("2022-03-28 17:00"))
    first_case(world, cast["tracer"])
    assert sorted((z.kind, z.area_codes, z.venue_ids) for z in world.zones()) == [
        ("high", [XIAOQUANWU], []), ("high", [CHENGGUAN], [market.id]), ("medium", [ERZU], [workplace.id])]
    for zone in world.zones():
        service.approve(db, commander, zone.id, at=local("2022-03-30 12:00"))
    residents = [world.mate, world.neighbour, *world.erzu, stallholder]
    world.sample(residents, "2022-04-06 08:00", round_code="SJ-0406")  # the day-7 round
    assert proposals(service.check(db, SYSTEM, day("2022-04-05"))) == {}
    assert proposals(service.check(db, SYSTEM, day("2022-04-06"))) == {
        ("high", (XIAOQUANWU,)): ("downgrade", day("2022-04-06")),
        ("high", (CHENGGUAN,)): ("downgrade", day("2022-04-06")),
        ("medium", (ERZU,)): ("downgrade", day("2022-04-06")),
    }
    medium = world.zone("medium", ERZU)
    service.approve(db, commander, medium.id, at=local("2022-04-06 18:00"))
    assert (medium.kind, medium.state) == ("low", "lifted")
