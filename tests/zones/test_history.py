"""A past day is counted and shown by the kind and state each zone had at its end, rebuilt from the
zone's decisions, not by what the zone is today."""

from __future__ import annotations

import pytest

from fangyi.zones import figures, service
from tests.conftest import COUNTY, SHIJIN, XIAOQUANWU
from tests.zones.world import county, day, local


def test_a_controlled_zone_sealed_later_counts_as_controlled_before_and_sealed_after(cast, db):
    world = county(db)
    commander = cast["commander"]
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00")
    for zone in world.zones():
        service.approve(db, commander, zone.id, at=local("2022-03-30 12:00"))
    # A positive in 二组 on 2 April: the village's controlled zone is sealed at 12:00 that day.
    world.case(world.erzu[0], "HD-2022-002", "2022-04-02 10:00", sampled="2022-04-02 07:00")
    village, group = world.zone("controlled", SHIJIN), world.zone("sealed", XIAOQUANWU)
    service.approve(db, commander, village.id, at=local("2022-04-02 12:00"))
    # The group's zone lifted early on 3 April.
    service.lift(db, commander, group.id, at=local("2022-04-03 10:00"), override="提前解除试验")
    assert (village.kind, group.state) == ("sealed", "lifted")
    office = cast["command_office"]
    assert figures.zone_figures(db, day("2022-03-29"), office) == {"sealed": 0, "controlled": 0, "precaution": 0}
    assert figures.zone_figures(db, day("2022-04-01"), office) == {"sealed": 1, "controlled": 1, "precaution": 1}
    assert figures.zone_figures(db, day("2022-04-02"), office) == {"sealed": 2, "controlled": 0, "precaution": 1}
    assert figures.zone_figures(db, day("2022-04-03"), office) == {"sealed": 1, "controlled": 0, "precaution": 1}
    # The list of a past day shows each zone as it was, and evaluates it so; today's record is untouched.
    then = {v.zone.id: v.as_json() for v in service.list_zones(db, office, day("2022-04-01"))}
    assert then[village.id]["kind"] == "controlled" and then[village.id]["state"] == "active"
    assert then[group.id]["kind"] == "sealed" and then[group.id]["state"] == "active"
    assert {c["name"] for c in then[group.id]["criteria"]} == {"no_new_case", "contacts_clear", "everyone_negative"}
    later = {v.zone.id: v.as_json() for v in service.list_zones(db, office, day("2022-04-03"))}
    assert later[village.id]["kind"] == "sealed" and group.id not in later
    assert (village.kind, village.state, group.state) == ("sealed", "active", "lifted")
    assert COUNTY in world.zone("precaution", COUNTY).area_codes


def test_cn9_a_high_risk_area_downgraded_counts_as_high_before_and_medium_after(cast, db,
                                                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    world = county(db)
    commander = cast["commander"]
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00")
    area = world.zone("high", XIAOQUANWU)
    service.approve(db, commander, area.id, at=local("2022-03-30 12:00"))
    world.sample([world.mate, world.neighbour], "2022-04-06 08:00", round_code="SJ-0406")
    service.check(db, commander, day("2022-04-06"))
    service.approve(db, commander, area.id, at=local("2022-04-06 18:00"))
    service.check(db, commander, day("2022-04-09"))
    service.approve(db, commander, area.id, at=local("2022-04-09 18:00"))
    assert (area.kind, area.state) == ("low", "lifted")
    office = cast["command_office"]
    assert figures.risk_figures(db, day("2022-04-05"), office) == {"high": 1, "medium": 0}
    assert figures.risk_figures(db, day("2022-04-06"), office) == {"high": 0, "medium": 1}
    assert figures.risk_figures(db, day("2022-04-08"), office) == {"high": 0, "medium": 1}
    assert figures.risk_figures(db, day("2022-04-09"), office) == {"high": 0, "medium": 0}
    [view] = service.list_zones(db, office, day("2022-04-07"))
    assert (view.as_json()["kind"], view.as_json()["state"]) == ("medium", "active")
