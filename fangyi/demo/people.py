"""Households and their members: names, identity numbers, phones, ages and daily roles."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from fangyi.demo.places import COUNTY_CODE, NEIGHBOURS, County, Place
from fangyi.identity import make_id_number

SURNAMES = "刘刘刘陈陈陈王王李李谭谭罗罗彭彭周周肖曾邓赵颜蒋廖文阳康许尹胡黄贺朱段唐"
# Given-name characters by the decade people were named in: names date a generation.
GIVEN = {
    "M": ("建国华明德福荣生军平志文春林", "伟勇斌强军涛辉波峰刚建兵", "杰鹏浩磊超俊宇飞凯晨亮", "子梓宇轩浩睿泽俊铭皓"),
    "F": ("秀英兰珍桂芳玉梅凤华莲菊", "丽红霞艳燕琴娟敏萍玲芬", "婷倩静雪丹佳慧颖露晶", "欣怡梓涵诗雨萱若可馨"),
}
# Five-year age bands 0-4 … 90-94: a rural Hunan county, young adults gone to work in cities.
PYRAMID = (45, 60, 60, 50, 42, 48, 68, 64, 60, 80, 90, 80, 62, 60, 45, 30, 20, 10, 4)
HOUSEHOLD_SIZES = (2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5)

# Daily roles, which decide where a person scans.
INFANT, KINDER, PRIMARY, MIDDLE, HIGH, WORKER, ADULT, ELDER = range(8)


@dataclass
class Residents:
    """What the check-in stage needs of each person, kept compact (the county has 565,400)."""

    township: array[int] = field(default_factory=lambda: array("b"))
    role: array[int] = field(default_factory=lambda: array("b"))
    age: array[int] = field(default_factory=lambda: array("b"))  # a pupil's grade follows it
    household_start: array[int] = field(default_factory=lambda: array("i"))  # persons are contiguous

    @property
    def count(self) -> int:
        return len(self.role)


def role_for(age: int, sex: str, rng: random.Random) -> int:
    if age < 3:
        return INFANT
    if age < 6:
        return KINDER
    if age < 12:
        return PRIMARY
    if age < 15:
        return MIDDLE
    if age < 18:
        return HIGH if rng.random() < 0.8 else ADULT
    if age >= 65:
        return ELDER
    employed = (0.68 if sex == "M" else 0.52) if age < 60 else 0.2
    return WORKER if rng.random() < employed else ADULT


class PersonMaker:
    def __init__(self, rng: random.Random, until: date) -> None:
        self.rng = rng
        self.until = until
        self.sequences: dict[tuple[str, int, str], int] = {}
        self.phones = 0
        self.bands: list[int] = []
        for band, weight in enumerate(PYRAMID):
            self.bands.extend([band] * weight)

    def age(self, low: int = 0) -> int:
        while True:
            age = self.rng.choice(self.bands) * 5 + self.rng.randrange(5)
            if age >= low:
                return age

    def born(self, age: int) -> date:
        return date.fromordinal(self.until.toordinal() - age * 365 - age // 4 - self.rng.randrange(1, 365))

    def id_number(self, born: date, sex: str) -> str:
        area = COUNTY_CODE if self.rng.random() < 0.9 else self.rng.choice(NEIGHBOURS)
        key = (area, born.toordinal(), sex)
        sequence = self.sequences.get(key, self.rng.randrange(40))
        self.sequences[key] = sequence + 1
        return make_id_number(area, born, sequence, sex)

    def name(self, surname: str, born: date, sex: str) -> str:
        era = 0 if born.year < 1960 else 1 if born.year < 1985 else 2 if born.year < 2005 else 3
        chars = GIVEN[sex][era]
        given = self.rng.choice(chars)
        if self.rng.random() < 0.7:
            given += self.rng.choice(chars)
        return surname + given

    def phone(self, age: int) -> str | None:
        if age < 14 or (age > 80 and self.rng.random() < 0.5):
            return None
        self.phones += 1
        # 199-99 block, numbers permuted so neighbours do not share a run: clearly fake, validly shaped.
        return f"19999{self.phones * 7919 % 1_000_000:06d}"

    def household(self, size: int) -> list[tuple[int, str]]:
        """Ages and sexes of one household: a couple, their children, perhaps a grandparent.

        Many older couples bring up grandchildren whose parents work in the cities (留守儿童).
        """
        rng = self.rng
        head = self.age(22)
        members = [(head, "M"), (max(20, head + rng.randint(-6, 3)), "F")]
        if head >= 48 and size >= 3 and rng.random() < 0.55:
            while len(members) < size:
                members.append((max(0, min(head - 40, rng.randrange(0, 17))), rng.choice("MF")))
        while len(members) < size:
            child = head - rng.randint(22, 36)
            if child >= 0 and (len(members) < 4 or rng.random() < 0.5):
                members.append((child, rng.choice("MF")))
            elif head + 26 <= 98:
                members.append((min(98, head + rng.randint(24, 32)), rng.choice("MF")))
            else:
                members.append((max(0, child), rng.choice("MF")))
        return members[:size]


def residents_of(
    place: Place, county: County, maker: PersonMaker, first_id: int, first_household: int,
    created: str, residents: Residents,
) -> Iterator[tuple[tuple[object, ...] | None, tuple[object, ...]]]:
    """(household row or None, person row) for everyone living in one village or community."""
    rng = maker.rng
    person_id, household_id, made, number = first_id, first_household, 0, 0
    while made < place.persons:
        remaining = place.persons - made
        size = rng.choice(HOUSEHOLD_SIZES)
        if remaining <= 5:
            size = remaining
        elif remaining - size == 1:
            size += -1 if size > 2 else 1
        members = maker.household(size)
        if not place.groups:
            area, group = place.code, None
        else:
            area, group = place.groups[rng.randrange(len(place.groups))][:2]
        number += 1
        address = county.address(place, group, number, rng)
        household = (household_id, f"H{area}{number:04d}", area)
        residents.household_start.append(residents.count)
        surname = rng.choice(SURNAMES)
        for index, (age, sex) in enumerate(members):
            born = maker.born(age)
            own = surname if index != 1 and index < 4 else rng.choice(SURNAMES)
            row = (
                person_id, maker.id_number(born, sex), "resident", maker.name(own, born, sex), sex, born,
                maker.phone(age), area, address, household_id, created, created,
            )
            residents.township.append(place.township)
            residents.role.append(role_for(age, sex, rng))
            residents.age.append(min(age, 127))
            yield (household if index == 0 else None), row
            person_id += 1
            made += 1
        household_id += 1
