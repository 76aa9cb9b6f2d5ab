"""Venues with a QR code, spread over the townships by their population, and who goes where."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fangyi.demo.people import SURNAMES
from fangyi.demo.places import COUNTY_NAME, SEAT, TOWNSHIPS, County, Place

# Where the protocol's default stay would be wrong for a kind, the venue says its own.
STAY = {"restaurant": 60, "market": 45, "gathering": 180}
FOOD = ("土菜馆", "粉店", "饭店", "小炒店", "酒家", "面馆", "烧烤店", "早餐店")
SHOPS = ("超市", "便利店", "药店", "五金店", "理发店", "服装店", "手机店", "农资店", "副食店")
WORK = ("机械厂", "建材厂", "服装厂", "食品厂", "砖厂", "物流公司", "建筑公司", "茶油厂", "电子厂", "养殖场")
OTHER = ("农业银行", "邮政储蓄", "农商银行", "便民服务中心", "文化广场", "老年活动中心", "寺庙", "公园")
EVENTS = ("婚宴", "寿宴", "白事", "满月酒", "乔迁宴")
# Known large institutions of the seat, so that a big workplace exists at every size.
SEAT_WORK = ("衡东县人民政府", "衡东县人民医院", "衡东县中医医院", "衡东经济开发区工业园", "衡东县教育局")
HUBS = (("京广铁路衡东站", "大浦镇"), ("衡东汽车总站", SEAT), ("G4京港澳高速新塘收费站", "新塘镇"),
        ("G4京港澳高速大浦收费站", "大浦镇"))


@dataclass
class Venues:
    rows: list[tuple[object, ...]] = field(default_factory=list)
    # township -> kind -> venue ids, repeated by popularity
    pools: list[dict[str, list[int]]] = field(default_factory=list)
    high_schools: list[int] = field(default_factory=list)
    vehicles: list[int] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)
    # (township, day index) -> [(venue id, local start minute, chance each resident attends)]
    events: dict[tuple[int, int], list[tuple[int, int, float]]] = field(default_factory=dict)
    dances: list[int] = field(default_factory=list)  # one square-dance venue per township, 0 if none

    def add(self, rng: random.Random, county: County, township: int, kind: str, name: str,
            place: Place | None = None, weight: int = 1, pool: str | None = None) -> int:
        venue_id = len(self.rows) + 1
        home = place or _place_in(rng, county, township)
        lat, lon = home.lat + rng.uniform(-0.004, 0.004), home.lon + rng.uniform(-0.004, 0.004)
        town = TOWNSHIPS[township][0]
        address = f"{COUNTY_NAME}{town}{home.name}{rng.randint(1, 199)}号"
        self.rows.append((venue_id, f"HD{venue_id:07d}", name, kind, home.code, address, STAY.get(kind),
                          round(lat, 5), round(lon, 5)))
        self.pools[township].setdefault(pool or kind, []).extend([venue_id] * weight)
        return venue_id


def _place_in(rng: random.Random, county: County, township: int) -> Place:
    own = [p for p in county.places if p.township == township]
    # Shops and offices sit where people live: communities first.
    communities = [p for p in own if p.community]
    return rng.choice(communities if communities and rng.random() < 0.6 else own)


def make_venues(rng: random.Random, county: County, days: int) -> Venues:
    venues = Venues(pools=[{} for _ in TOWNSHIPS])
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
                venues.add(rng, county, t, "workplace", name, weight=max(1, people // 400))
        for _ in range(many(200)):
            size = min(300, int(rng.paretovariate(1.2)))
            venues.add(rng, county, t, "workplace", short + rng.choice(SURNAMES) + "氏" + rng.choice(WORK),
                       weight=size)
        for i in range(many(3000)):
            venues.add(rng, county, t, "school", f"{short}{'中心' if i == 0 else f'第{i + 1}'}幼儿园",
                       pool="kindergarten")
        for i in range(many(2500)):
            venues.add(rng, county, t, "school", f"{short}{'中心' if i == 0 else f'第{i + 1}'}小学",
                       pool="primary")
        for i in range(many(8000)):
            venues.add(rng, county, t, "school", f"{short}{'' if i == 0 else f'第{i + 1}'}中学", pool="middle")
        if town == SEAT:
            for name in ("衡东县第一中学", "衡东县第二中学", "衡东县欧阳遇实验中学")[: many(20000)]:
                venues.high_schools.append(venues.add(rng, county, t, "school", name, pool="high"))
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
        venues.dances.append(
            venues.add(rng, county, t, "gathering", f"{short}广场舞", pool="dance") if people >= 2000 else 0
        )
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
