"""Two weeks of scans with a county's daily rhythm.

Workers scan in at work on weekdays between 8 and 18, children at school,
the old go to market in the morning, people eat at noon and in the evening,
families go out together, weddings and funerals gather a village. Most
scans have a check-out; some do not, as in life.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fangyi.demo.people import ADULT, ELDER, HIGH, INFANT, KINDER, MIDDLE, PRIMARY, WORKER, Residents
from fangyi.demo.places import County
from fangyi.demo.venues import Venues
from fangyi.timeutil import day_bounds

Row = tuple[int, int, int, int | None]  # person, venue, in, out
SEAT = 0


@dataclass(frozen=True)
class Errand:
    """A kind of outing: chance per day (weekday, weekend), local window in minutes, stay, check-out."""

    pool: str
    weekday: float
    weekend: float
    start: int
    end: int
    stay: tuple[int, int]
    checkout: float = 0.7


MARKET = Errand("market", 0.24, 0.3, 6 * 60, 10 * 60, (10, 40))
SHOP = Errand("shop", 0.27, 0.34, 8 * 60, 21 * 60, (5, 30))
LUNCH = Errand("restaurant", 0.12, 0.14, 11 * 60 + 20, 13 * 60, (20, 50))
DINNER = Errand("restaurant", 0.1, 0.16, 17 * 60 + 30, 20 * 60, (30, 75))
CLINIC = Errand("clinic", 0.02, 0.015, 8 * 60, 17 * 60, (20, 120))
OTHER = Errand("other", 0.07, 0.08, 8 * 60, 18 * 60, (10, 60))
VISIT = Errand("household", 0.008, 0.02, 10 * 60, 20 * 60, (60, 180))
BUS = Errand("bus", 0.08, 0.1, 6 * 60 + 30, 19 * 60, (15, 60), checkout=0.5)
HUB = Errand("hub", 0.006, 0.01, 6 * 60, 21 * 60, (10, 60), checkout=0.5)

ERRANDS: dict[int, tuple[Errand, ...]] = {
    INFANT: (),
    KINDER: (),
    PRIMARY: (SHOP,),
    MIDDLE: (SHOP, BUS),
    HIGH: (SHOP, BUS, LUNCH),
    WORKER: (SHOP, LUNCH, DINNER, CLINIC, OTHER, VISIT, BUS, HUB),
    ADULT: (MARKET, SHOP, LUNCH, DINNER, CLINIC, OTHER, VISIT, BUS, HUB),
    ELDER: (MARKET, MARKET, CLINIC, CLINIC, OTHER, VISIT, BUS),
}
ANCHOR_POOL = {KINDER: "kindergarten", PRIMARY: "primary", MIDDLE: "middle", WORKER: "workplace"}


def days_until(until: date, days: int, tz: ZoneInfo) -> list[tuple[int, bool]]:
    """(local midnight as epoch seconds, is a weekend day) for each day up to ``until``."""
    out = []
    for back in range(days - 1, -1, -1):
        day = until - timedelta(days=back)
        out.append((int(day_bounds(day, tz)[0].timestamp()), day.weekday() >= 5))
    return out


# A pupil's grade from their age: kindergarten years 0..2, primary 1..6, middle 7..9, high 10..12.
GRADE_FROM_AGE = {KINDER: -3, PRIMARY: -5, MIDDLE: -5, HIGH: -5}


def anchors(rng: random.Random, residents: Residents, venues: Venues, county: County) -> array[int]:
    """Each worker's workshop or office and each pupil's class: the same venue every weekday.

    The workplace or school is drawn by its weight; its units (venues) fill up in turn.
    """
    out = array("i", bytes(4 * residents.count))
    for person in range(residents.count):
        role = residents.role[person]
        town = residents.township[person]
        if role == HIGH:
            pool: list[int] = venues.high_schools
        else:
            pool_name = ANCHOR_POOL.get(role)
            if pool_name is None:
                continue
            # A third of the workers outside the seat commute to it.
            if role == WORKER and town != SEAT and rng.random() < 0.3:
                town = SEAT
            pool = venues.anchor_pools[town].get(pool_name) or venues.anchor_pools[SEAT].get(pool_name) or []
        if pool:
            grade = residents.age[person] + GRADE_FROM_AGE[role] if role in GRADE_FROM_AGE else 0
            out[person] = venues.unit_for(rng, county, pool[rng.randrange(len(pool))], grade)
    return out


def checkins(
    rng: random.Random, residents: Residents, venues: Venues, anchor: array[int],
    days: list[tuple[int, bool]], first: int, last: int,
) -> Iterator[Row]:
    """Check-in rows (without id) of households ``first`` up to ``last``."""
    random_ = rng.random
    starts = residents.household_start
    roles, towns = residents.role, residents.township
    pools = venues.pools
    for household in range(first, last):
        begin = starts[household]
        end = starts[household + 1] if household + 1 < len(starts) else residents.count
        town = towns[begin]
        for index, (midnight, weekend) in enumerate(days):
            seen: set[tuple[int, int]] = set()
            # A family meal out: everyone scans within a minute or two of each other.
            if random_() < (0.1 if weekend else 0.04):
                pool = pools[town].get("restaurant")
                if pool:
                    venue = pool[int(random_() * len(pool))]
                    at = midnight + (17 * 60 + 30 + int(random_() * 120)) * 60
                    out = at + (45 + int(random_() * 45)) * 60 if random_() < 0.6 else None
                    for person in range(begin, end):
                        seen.add((person, venue))
                        yield person + 1, venue, at + int(random_() * 120), out
            events = venues.events.get((town, index), ())
            dances = venues.dances[town]
            dance = dances[household % len(dances)] if dances else 0
            for person in range(begin, end):
                role = roles[person]
                venue = anchor[person]
                if venue and (not weekend or (role == WORKER and random_() < 0.25)):
                    if role == WORKER:
                        at = midnight + int((7.5 + random_() * 1.5) * 3600)
                        leave = midnight + int((17 + random_() * 1.5) * 3600)
                    else:
                        at = midnight + int((7 + random_() * 0.9) * 3600)
                        leave = midnight + int((16 + random_() * 1.5) * 3600)
                    seen.add((person, venue))
                    yield person + 1, venue, at, leave if random_() < 0.85 else None
                for errand in ERRANDS[role]:
                    if random_() >= (errand.weekend if weekend else errand.weekday):
                        continue
                    if errand.pool == "bus":
                        pool = venues.vehicles
                    elif errand.pool == "hub":
                        pool = venues.hubs
                    else:
                        place = SEAT if random_() < 0.15 else town
                        pool = pools[place].get(errand.pool) or pools[town].get(errand.pool) or []
                    if not pool:
                        continue
                    venue = pool[int(random_() * len(pool))]
                    if (person, venue) in seen:
                        continue
                    seen.add((person, venue))
                    at = midnight + (errand.start + int(random_() * (errand.end - errand.start))) * 60
                    at += int(random_() * 60)
                    low, high = errand.stay
                    stay = (low + int(random_() * (high - low))) * 60
                    yield person + 1, venue, at, at + stay if random_() < errand.checkout else None
                for venue, start, chance in events:
                    if role != INFANT and random_() < chance and (person, venue) not in seen:
                        seen.add((person, venue))
                        at = midnight + (start - 30 + int(random_() * 50)) * 60 + int(random_() * 60)
                        yield person + 1, venue, at, at + int((90 + random_() * 90) * 60) if random_() < 0.5 else None
                if dance and role in (ADULT, ELDER) and random_() < 0.05 and (person, dance) not in seen:
                    seen.add((person, dance))
                    at = midnight + (19 * 60 + 20 + int(random_() * 20)) * 60
                    yield person + 1, dance, at, at + int((60 + random_() * 40) * 60) if random_() < 0.6 else None
