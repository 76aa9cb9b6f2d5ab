"""What a case proposes, by the edition: the venues of its window, a risk level by the criteria, and
the editions' numbers as the rule text gives them."""

from __future__ import annotations

from sqlalchemy import select

from fangyi.protocols.reader import load
from fangyi.registry.models import Venue
from fangyi.zones.models import Zone
from tests.conftest import XIAOQUANWU
from tests.tracing.world import add_person, add_stay, add_venue
from tests.zones.world import county, local


def test_the_venues_where_the_case_met_its_contacts_are_proposed_sealed(cast, db):
    world = county(db)
    restaurant = add_venue(db, "R-SJ", "restaurant")
    diner = add_person(db, 9, area=XIAOQUANWU)
    add_stay(db, world.case_person, restaurant, local("2022-03-28 12:00"), local("2022-03-28 13:00"))
    add_stay(db, diner, restaurant, local("2022-03-28 12:30"), local("2022-03-28 13:30"))
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00")
    venues = [z for z in world.zones() if z.venue_ids]
    assert [(z.kind, z.venue_ids, z.area_codes) for z in venues] == [("sealed", [restaurant.id], [])]
    # The home itself (a household venue) is its group's zone already.
    assert db.scalar(select(Venue.kind).where(Venue.id == venues[0].venue_ids[0])) == "restaurant"


def test_cn8_period_a_risk_area_is_high_only_past_50_cases_with_a_cluster(cast, db):
    world = county(db)
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00")
    levels = [z.kind for z in db.scalars(select(Zone).where(Zone.kind.in_(("high", "medium"))))]
    assert levels == ["medium"]  # one case: new cases within 14 days and at most 50 cumulative


def test_the_editions_carry_the_rule_texts_numbers():
    cn8, cn9, hengyang = load("cn-8"), load("cn-9"), load("hengyang-2022")
    assert cn8.zones.proposal == {"sealed": "group", "controlled": "village", "precaution": "county"}
    assert (cn8.zones.lift_quiet_days, cn8.zones.lift_contact_days, cn8.zones.lift_screening_within_days) == (14, 14, 2)
    assert cn8.zones.precaution_waits_for == ("sealed", "controlled")
    # cn-9: workplaces and places the case stayed medium, places of frequent activity high.
    assert (cn9.risk_areas.venue_level, cn9.risk_areas.frequent_level, cn9.risk_areas.frequent_days) == (
        "medium", "high", 3)
    assert (cn8.risk_areas.venue_level, cn8.risk_areas.frequent_level) == (None, None)
    assert cn8.risk_areas.high_cumulative_cases == 50 and cn8.risk_areas.cluster_days == 14
    assert cn8.risk_areas.downgrade["medium"].quiet_days == 14
    assert cn9.risk_areas.home_level == "high"
    assert (cn9.risk_areas.downgrade["high"].quiet_days, cn9.risk_areas.downgrade["high"].screening_day) == (7, 7)
    assert cn9.risk_areas.downgrade["medium"].after_downgrade_days == 3
    assert hengyang.zones == cn8.zones and hengyang.risk_areas == cn8.risk_areas
