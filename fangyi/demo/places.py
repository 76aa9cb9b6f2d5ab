"""The demo county's places: its 17 real townships and synthetic villages, communities and groups.

Township codes follow the statistical habit: towns (镇) from 100, the county
seat first, townships (乡) from 200. Communities (社区) number from 001 and
villages (村) from 201, as many real codes do.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

COUNTY_CODE = "430424"
COUNTY_NAME = "衡东县"
CENTRE = (27.08, 112.95)
NEIGHBOURS = ("430421", "430422", "430423", "430426", "430481", "430482")

# name, code digits, approximate centre (lat, lon), share of the 565,400 residents.
TOWNSHIPS: tuple[tuple[str, str, float, float, int], ...] = (
    ("洣水镇", "100", 27.083, 112.950, 110),
    ("新塘镇", "101", 27.200, 112.830, 45),
    ("大浦镇", "102", 27.120, 112.800, 40),
    ("吴集镇", "103", 26.980, 112.850, 35),
    ("甘溪镇", "104", 27.020, 113.020, 35),
    ("杨林镇", "105", 27.150, 113.050, 30),
    ("草市镇", "106", 27.050, 112.880, 35),
    ("杨桥镇", "107", 27.250, 113.000, 35),
    ("霞流镇", "108", 27.280, 112.900, 35),
    ("荣桓镇", "109", 26.930, 112.950, 30),
    ("高湖镇", "110", 27.180, 112.950, 30),
    ("白莲镇", "111", 27.100, 113.100, 28),
    ("三樟镇", "112", 26.900, 113.050, 28),
    ("石湾镇", "113", 27.220, 113.120, 30),
    ("蓬源镇", "114", 27.000, 113.150, 25),
    ("南湾乡", "200", 26.950, 112.880, 15),
    ("石滩乡", "201", 26.970, 113.080, 15),
)
SEAT = "洣水镇"
SHITAN = "石滩乡"

VILLAGE_FIRST = "石金新东西南北大小高杨荷桥塘田湾山泉龙凤白莲桂松竹枫茶樟清江洣云福兴和平安长"
VILLAGE_SECOND = "金塘湾田桥山冲坪岭溪泉源江湖洲园林峰口垅铺市港坝"
COMMUNITIES = ("城关", "解放", "向阳", "建设", "迎宾", "新华", "东风", "光明", "大桥", "洣江", "河东", "金山")
STREETS = ("解放路", "人民路", "建设路", "迎宾路", "向阳路", "洣水路", "沿河路", "新华街", "东风路", "光明路",
           "正街", "新街", "老街", "大桥路")
GROUP_FIRST = ("上", "下", "大", "小", "新", "老", "前", "后", "坝", "山")
GROUP_SECOND = ("屋", "湾", "冲", "塘", "坪", "岭", "垅", "园")
CLAN = "刘陈王李谭罗彭周肖曾邓赵颜蒋廖文阳康许尹"


@dataclass
class Place:
    """A village or community: where households live."""

    code: str
    name: str
    township: int  # index into TOWNSHIPS
    lat: float
    lon: float
    community: bool
    groups: list[tuple[str, str, float, float]] = field(default_factory=list)  # code, name, lat, lon
    persons: int = 0  # how many residents the demo puts here


@dataclass
class County:
    areas: list[tuple[str, str, str, str | None, float, float]]  # code, name, level, parent, lat, lon
    places: list[Place]
    township_persons: list[int]

    def township_code(self, index: int) -> str:
        return f"{COUNTY_CODE}{TOWNSHIPS[index][1]}000"

    def address(self, place: Place, group: str | None, number: int, rng: random.Random) -> str:
        town = TOWNSHIPS[place.township][0]
        if place.community:
            return f"{COUNTY_NAME}{town}{place.name}{rng.choice(STREETS)}{number}号"
        return f"{COUNTY_NAME}{town}{place.name}{group or ''}{number}号"


def _jitter(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return round(lat + rng.uniform(-spread, spread), 5), round(lon + rng.uniform(-spread, spread), 5)


def _unique(taken: set[str], make: Callable[[], str]) -> str:
    for _ in range(500):
        name = make()
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of names")


def make_county(rng: random.Random, persons: int, scale: float, groups: tuple[int, int]) -> County:
    """The area tree and how many residents each village or community gets.

    ``scale`` is the share of the real number of villages kept (1.0: about 280
    villages and 35 communities), ``groups`` the range of groups per village.
    """
    total_share = sum(t[4] for t in TOWNSHIPS)
    areas: list[tuple[str, str, str, str | None, float, float]] = [
        (COUNTY_CODE, COUNTY_NAME, "county", None, *CENTRE)
    ]
    places: list[Place] = []
    # Rounding leftovers live in the county seat (index 0), where most people live anyway.
    township_persons = [persons * t[4] // total_share for t in TOWNSHIPS]
    township_persons[0] = persons - sum(township_persons[1:])
    for index, (name, digits, lat, lon, share) in enumerate(TOWNSHIPS):
        code = f"{COUNTY_CODE}{digits}000"
        areas.append((code, name, "township", COUNTY_CODE, lat, lon))
        real_residents = 565_400 * share / total_share
        villages = max(1, round(real_residents / 2200 * scale))
        communities = 10 if name == SEAT else (0 if name.endswith("乡") else 2)
        communities = max(1 if name == SEAT else 0, round(communities * scale))
        taken: set[str] = set()
        own: list[Place] = []
        for c in range(communities):
            base = COMMUNITIES[c] if name == SEAT else (name[:2] if c == 0 else COMMUNITIES[(c + index) % 12])
            cname = f"{base}社区"
            taken.add(cname)
            clat, clon = _jitter(rng, lat, lon, 0.012)
            own.append(Place(f"{COUNTY_CODE}{digits}{c + 1:03d}", cname, index, clat, clon, True))
        for v in range(villages):
            if name == SHITAN and v == 0:
                vname = "石金村"
                taken.add(vname)
            else:
                vname = _unique(taken, lambda: rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村")
            vlat, vlon = _jitter(rng, lat, lon, 0.05)
            place = Place(f"{COUNTY_CODE}{digits}{v + 201:03d}", vname, index, vlat, vlon, False)
            gnames: set[str] = set()
            for g in range(rng.randint(*groups)):
                if place.name == "石金村" and g == 0:
                    gname = "小泉屋组"
                    gnames.add(gname)
                elif rng.random() < 0.5:
                    gname = _unique(gnames, lambda: rng.choice(CLAN) + "家" + rng.choice(GROUP_SECOND) + "组")
                else:
                    gname = _unique(
                        gnames, lambda: rng.choice(GROUP_FIRST) + rng.choice(GROUP_SECOND) + "组"
                    )
                glat, glon = _jitter(rng, vlat, vlon, 0.008)
                place.groups.append((f"{place.code}{g + 1:03d}", gname, glat, glon))
            own.append(place)
        weights = [rng.uniform(0.6, 1.4) * (1.6 if p.community else 1.0) for p in own]
        total = sum(weights)
        for place, weight in zip(own, weights, strict=True):
            place.persons = int(township_persons[index] * weight / total)
        own[0].persons += township_persons[index] - sum(p.persons for p in own)
        for place in own:
            areas.append((place.code, place.name, "village", code, place.lat, place.lon))
            for gcode, gname, glat, glon in place.groups:
                areas.append((gcode, gname, "group", place.code, glat, glon))
        places.extend(own)
    return County(areas, places, township_persons)
