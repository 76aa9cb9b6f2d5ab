"""Venues with a QR code, spread over the townships by their population, and who goes where.

A venue is what one QR code covers, and co-presence there is contact. A county's
codes hang where people are together: in each workshop and office of a factory,
each classroom of a school, at a restaurant's door; a factory of two thousand is
a hundred codes of tens, not one code of two thousand (which would make every
worker a close contact of every other). Workplaces and schools are therefore
institutions whose units (workshops, offices, classes) are the venues, opened as
people are given to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fangyi.demo.people import SURNAMES
from fangyi.demo.places import COUNTY_NAME, SEAT, TOWNSHIPS, County, Place

# Where the protocol's default stay would be wrong for a kind, the venue says its own.
STAY = {"restaurant": 45, "market": 30, "gathering": 180}
FOOD = ("土菜馆", "粉店", "饭店", "小炒店", "酒家", "面馆", "烧烤店", "早餐店")
SHOPS = ("超市", "便利店", "药店", "五金店", "理发店", "服装店", "手机店", "农资店", "副食店")
WORK = ("机械厂", "建材厂", "服装厂", "食品厂", "砖厂", "物流公司", "建筑公司", "茶油厂", "电子厂", "养殖场")
OTHER = ("农业银行", "邮政储蓄", "农商银行", "便民服务中心", "文化广场", "老年活动中心", "寺庙", "公园")
EVENTS = ("婚宴", "寿宴", "白事", "满月酒", "乔迁宴")
# Known large institutions of the seat, so that a big workplace exists at every size.
SEAT_WORK = ("衡东县人民政府", "衡东县人民医院", "衡东县中医医院", "衡东经济开发区工业园", "衡东县教育局")
HUBS = (("京广铁路衡东站", "大浦镇"), ("衡东汽车总站", SEAT), ("G4京港澳高速新塘收费站", "新塘镇"),
        ("G4京港澳高速大浦收费站", "大浦镇"))


GRADES = "一二三四五六"
KINDER_CLASSES = "小中大"
# People per unit: an office, a workshop or team, a class (ministry norms: 45 a class, 30 in kindergarten).
OFFICE, WORKSHOP, CLASS, KINDER_CLASS = (5, 15), (15, 45), (40, 50), (25, 35)


@dataclass
class Institution:
    """A workplace or a school: one name and place, scanned per unit (venue)."""

    name: str
    kind: str  # workplace or school
    pool: str  # workplace, kindergarten, primary, middle or high
    township: int
    place: Place
    # Per key (a school's grade; 0 for a workplace): the open unit's venue id, people in it, its size.
    open_units: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    opened: dict[int, int] = field(default_factory=dict)  # units opened so far, per key


@dataclass
class Venues:
    rows: list[tuple[object, ...]] = field(default_factory=list)
    # township -> kind -> venue ids, repeated by popularity
    pools: list[dict[str, list[int]]] = field(default_factory=list)
    high_schools: list[int] = field(default_factory=list)  # institution indexes
    institutions: list[Institution] = field(default_factory=list)
    # township -> anchor pool (workplace, kindergarten, primary, middle) -> institution indexes, by weight
    anchor_pools: list[dict[str, list[int]]] = field(default_factory=list)
    vehicles: list[int] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)
    # (township, day index) -> [(venue id, local start minute, chance each resident attends)]
    events: dict[tuple[int, int], list[tuple[int, int, float]]] = field(default_factory=dict)
    # township -> square-dance venues (one for a few thousand residents: a village square's group)
    dances: list[list[int]] = field(default_factory=list)

    def add(self, rng: random.Random, county: County, township: int, kind: str, name: str,
            place: Place | None = None, weight: int = 1, pool: str | None = None) -> int:
        venue_id = len(self.rows) + 1
        home = place or _place_in(rng, county, township)
        lat, lon = home.lat + rng.uniform(-0.004, 0.004), home.lon + rng.uniform(-0.004, 0.004)
        town = TOWNSHIPS[township][0]
        address = f"{COUNTY_NAME}{town}{home.name}{rng.randint(1, 199)}号"
        self.rows.append((venue_id, f"HD{venue_id:07d}", name, kind, home.code, address, STAY.get(kind),
                          round(lat, 5), round(lon, 5)))
        if pool != "":
            self.pools[township].setdefault(pool or kind, []).extend([venue_id] * weight)
        return venue_id

    def institution(self, rng: random.Random, county: County, township: int, kind: str, name: str,
                    pool: str, weight: int = 1) -> int:
        """A workplace or school whose units open later, as people are given to it."""
        self.institutions.append(Institution(name, kind, pool, township, _place_in(rng, county, township)))
        index = len(self.institutions) - 1
        self.anchor_pools[township].setdefault(pool, []).extend([index] * weight)
        return index

    def unit_for(self, rng: random.Random, county: County, index: int, grade: int = 0) -> int:
        """The venue (office, workshop, class) of the next person the institution takes on:
        the open one, or a new one when it is full."""
        inst = self.institutions[index]
        venue, count, size = inst.open_units.get(grade, (0, 0, 0))
        if count >= size:
            number = inst.opened.get(grade, 0) + 1
            inst.opened[grade] = number
            name, size = _unit(rng, inst, grade, number)
            venue, count = self.add(rng, county, inst.township, inst.kind, name, place=inst.place, pool=""), 0
        inst.open_units[grade] = (venue, count + 1, size)
        return venue


def _unit(rng: random.Random, inst: Institution, grade: int, number: int) -> tuple[str, int]:
    """The name of a unit and how many people it takes. A workplace's first unit is its office;
    a school's grade 0..2 are kindergarten years, 1..6 primary, 7..9 middle, 10..12 high."""
    if inst.kind == "workplace":
        if number == 1:
            return f"{inst.name}办公室", rng.randint(*OFFICE)
        shop = "车间" if inst.name.endswith(("厂", "场", "园")) else "班组"
        return f"{inst.name}{number - 1}号{shop}", rng.randint(*WORKSHOP)
    if inst.pool == "kindergarten":
        return f"{inst.name}{KINDER_CLASSES[min(max(grade, 0), 2)]}({number})班", rng.randint(*KINDER_CLASS)
    if inst.pool == "primary":
        return f"{inst.name}{GRADES[min(max(grade, 1), 6) - 1]}年级{number}班", rng.randint(*CLASS)
    stage = "初" if inst.pool == "middle" else "高"
    year = (grade - 7) if inst.pool == "middle" else (grade - 10)
    return f"{inst.name}{stage}{GRADES[min(max(year, 0), 2)]}({number})班", rng.randint(*CLASS)


def _squares(rng: random.Random, county: County, township: int, count: int) -> list[Place]:
    own = [p for p in county.places if p.township == township]
    return rng.sample(own, min(count, len(own)))


def _place_in(rng: random.Random, county: County, township: int) -> Place:
    own = [p for p in county.places if p.township == township]
    # Shops and offices sit where people live: communities first.
    communities = [p for p in own if p.community]
    return rng.choice(communities if communities and rng.random() < 0.6 else own)


def make_venues(rng: random.Random, county: County, days: int) -> Venues:
    venues = Venues(pools=[{} for _ in TOWNSHIPS], anchor_pools=[{} for _ in TOWNSHIPS])
    total = sum(county.township_persons) or 1
    for t, (town, _digits, _lat, _lon, _share) in enumerate(TOWNSHIPS):
        people = county.township_persons[t]
        short = town[:2]

        def many(per: int, minimum: int = 1, people: int = people) -> int:
            return max(minimum, people // per)

        for _ in range(many(250)):
            venues.add(rng, county, t, "restaurant", rng.choice(SURNAMES) + "记" + rng.choice(FOOD),
                       weight=rng.randint(1, 4))
        for _ in range(many(150)):
            venues.add(rng, county, t, "shop", short + rng.choice(SURNAMES) + "氏" + rng.choice(SHOPS),
                       weight=rng.randint(1, 3))
        for i in range(many(15000)):
            venues.add(rng, county, t, "market", f"{short}{'农贸市场' if i == 0 else f'第{i + 1}菜市场'}")
        if town == SEAT:
            for name in SEAT_WORK:
                venues.institution(rng, county, t, "workplace", name, "workplace", weight=max(1, people // 400))
        for _ in range(many(200)):
            size = min(300, int(rng.paretovariate(1.2)))
            venues.institution(rng, county, t, "workplace", short + rng.choice(SURNAMES) + "氏" + rng.choice(WORK),
                               "workplace", weight=size)
        for i in range(many(3000)):
            venues.institution(rng, county, t, "school", f"{short}{'中心' if i == 0 else f'第{i + 1}'}幼儿园",
                               "kindergarten")
        for i in range(many(2500)):
            venues.institution(rng, county, t, "school", f"{short}{'中心' if i == 0 else f'第{i + 1}'}小学",
                               "primary")
        for i in range(many(8000)):
            venues.institution(rng, county, t, "school", f"{short}{'' if i == 0 else f'第{i + 1}'}中学",
                               "middle")
        if town == SEAT:
            for name in ("衡东县第一中学", "衡东县第二中学", "衡东县欧阳遇实验中学")[: many(20000)]:
                venues.high_schools.append(venues.institution(rng, county, t, "school", name, "high"))
            for name in ("衡东县人民医院", "衡东县中医医院"):
                venues.add(rng, county, t, "clinic", name, weight=3)
        venues.add(rng, county, t, "clinic", f"{town}卫生院", weight=2)
        own = [p for p in county.places if p.township == t and not p.community]
        for place in own[: many(1500)]:
            venues.add(rng, county, t, "clinic", f"{place.name}卫生室", place=place)
        for _ in range(many(1500)):
            venues.add(rng, county, t, "other", short + rng.choice(OTHER))
        for _ in range(many(500)):
            owner = rng.choice(SURNAMES) + rng.choice("建国华明德秀英兰") + rng.choice("生平林芳华军")
            venues.add(rng, county, t, "household", owner + "家")
        for _ in range(many(3000)):
            day = rng.randrange(max(days, 1))
            start = rng.choice((11 * 60, 11 * 60 + 30, 17 * 60 + 30, 18 * 60))
            name = f"{rng.choice(SURNAMES)}家{rng.choice(EVENTS)}"
            venue = venues.add(rng, county, t, "gathering", name, pool="event")
            chance = rng.randint(40, 200) / max(people, 1)
            venues.events.setdefault((t, day), []).append((venue, start, chance))
        # Square dancing: a group on each village or community square, not the whole township on one.
        venues.dances.append([
            venues.add(rng, county, t, "gathering", f"{place.name}广场舞", place=place, pool="dance")
            for place in _squares(rng, county, t, people // 2500)
        ])
    seat = next(i for i, t in enumerate(TOWNSHIPS) if t[0] == SEAT)
    for route in range(max(3, total // 3000)):
        name = f"衡东公交{route + 1}路" if route % 3 else f"湘D·{rng.randint(10000, 99999)} 衡东—衡阳班车"
        venues.vehicles.append(venues.add(rng, county, seat, "vehicle", name, pool="bus"))
    for name, town in HUBS:
        t = next(i for i, tw in enumerate(TOWNSHIPS) if tw[0] == town)
        venues.hubs.extend([venues.add(rng, county, t, "transport_hub", name, pool="hub")] * 3)
    for t, (town, *_rest) in enumerate(TOWNSHIPS):
        if town != SEAT and county.township_persons[t] >= 20000:
            venues.hubs.append(venues.add(rng, county, t, "transport_hub", f"{town}汽车站", pool="hub"))
    return venues
