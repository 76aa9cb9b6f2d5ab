"""The arrivals' numbers, read from the edition in force (its `[arrivals]` section and the quarantine
categories it names), and the days an arrival's measures fall on. No number here is a rule."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from fangyi.errors import Invalid
from fangyi.protocols.reader import Protocol, ProtocolError, QuarantineRule

ORIGINS = Path(__file__).parent / "origins.csv"


class ArrivalRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    measures: dict[str, str]  # origin risk level -> the edition's quarantine category
    same_arrival_hours: int = Field(ge=0)
    plausible_celsius: tuple[float, float]
    treated_as_high_risk: tuple[str, ...] = ()
    # A fever sentinel's report asks for a test within this many hours (Fangyi's choice, not a rule).
    sentinel_test_hours: int = Field(ge=1, le=168)


def check_temperature(temperature: float | None, protocol: Protocol, column: str = "temperature") -> None:
    """A reading no living person gives (45 °C, 30 °C: outside `plausible_celsius`) is a typing or
    thermometer slip: refused, to be taken again, and nothing is stored."""
    low, high = rules_of(protocol).plausible_celsius
    if temperature is None or not low <= temperature <= high:
        raise Invalid(f"{temperature if temperature is not None else '?'} °C cannot be a person's temperature "
                      f"({low:g}–{high:g}): take it again", column=column)


def rules_of(protocol: Protocol) -> ArrivalRules:
    try:
        return ArrivalRules.model_validate(protocol.arrivals)
    except ValueError as exc:
        raise ProtocolError(f"protocol edition {protocol.edition!r}: [arrivals] is invalid: {exc}") from exc


@cache
def origin_names() -> dict[str, str]:
    """Province- and prefecture-level codes (GB/T 2260) with their names, from the shipped list."""
    with ORIGINS.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {row["code"]: row["name"] for row in rows}


def lineage(code: str) -> list[str]:
    """The code, its prefecture's and its province's, most specific first (no repeats)."""
    found = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(found))


def origin_known(code: str) -> bool:
    """A code the shipped list holds, or a county code of a listed prefecture (county codes are not
    shipped, so they are checked as far as their prefecture)."""
    names = origin_names()
    if code in names:
        return True
    return code[4:] != "00" and code[:4] + "00" in names


def origin_name(code: str) -> str:
    names = origin_names()
    return next((names[c] for c in lineage(code) if c in names), code)


@dataclass(frozen=True)
class Due:
    """What an arrival's measures ask of the village on a given day."""

    kind: str  # first_visit | temperature | test | release
    day: date
    label: str = ""  # the test's day ("quarantine 4", "monitoring 7")


@dataclass(frozen=True)
class Plan:
    category: str
    setting: str  # centralized | home | monitoring | none
    home_from: date | None  # first and last day of home quarantine or monitoring (temperatures)
    home_to: date | None
    tests: tuple[Due, ...]  # the tests the village sees to (not those taken at a quarantine site)
    release: date | None  # the day the village releases them (home measures ended)
    ends: date  # the last day under any measure


def plan(rule: QuarantineRule, category: str, arrived: date) -> Plan:
    """Days count from the arrival date, day 1 being the day after it (as contacts count from their
    last exposure): the arrival ends the exposure at the origin."""

    def on(day: int) -> date:
        return arrived + timedelta(days=day)

    n, m = rule.days, rule.monitoring_days
    tests: list[Due] = []
    home_from = home_to = release = None
    if rule.setting in ("home", "monitoring") and n:
        tests += [Due("test", on(d), f"q{d}") for d in rule.test_days]
        home_from, home_to = on(1), on(n)
    if m:
        tests += [Due("test", on(n + d), f"m{d}") for d in rule.monitoring_test_days]
        home_from, home_to = home_from or on(n + 1), on(n + m)
    if home_to is not None:
        release = home_to + timedelta(days=1)
    # "A test within 24 h of arrival and another within 7 days": due by the day the hours reach.
    tests += [Due("test", on(max(1, math.ceil(hours / 24))), f"h{hours}") for hours in rule.test_within_hours]
    ends = max([on(n + m), *(t.day for t in tests)])
    return Plan(category, rule.setting, home_from, home_to, tuple(tests), release, ends)
