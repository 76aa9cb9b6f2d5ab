"""Reading rounds and points: the rounds that reach the jurisdiction, and what each has done there
(coverage, turnaround, overdue tubes, who is still missing), counted within the jurisdiction alone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction, require, sees
from fangyi.errors import NotFound
from fangyi.registry.models import Person
from fangyi.screening.figures import AreaCoverage, Turnaround, missing_by_household, round_coverage, turnaround
from fangyi.screening.models import SamplingPoint, ScreeningRound
from fangyi.screening.reach import check_round, round_in_reach

ROUNDS_SHOWN = 200


def list_rounds(session: Session, who: Principal, limit: int = ROUNDS_SHOWN) -> list[ScreeningRound]:
    """Rounds reaching the jurisdiction, latest first (rounds are few: chosen here, not in SQL)."""
    require(who, "read_screening")
    rounds = session.scalars(select(ScreeningRound).order_by(ScreeningRound.starts_at.desc()))
    return [found for found in rounds if round_in_reach(who, found.area_codes)][:limit]


def get_round(session: Session, who: Principal, code: str) -> ScreeningRound:
    require(who, "read_screening")
    found = session.scalar(select(ScreeningRound).where(ScreeningRound.code == code))
    if found is None:
        raise NotFound(f"no round {code}")
    check_round(who, found.area_codes)
    return found


def list_points(session: Session, who: Principal, limit: int = 500) -> list[SamplingPoint]:
    require(who, "read_screening")
    return list(session.scalars(select(SamplingPoint).where(in_jurisdiction(who, SamplingPoint.area_code))
                                .order_by(SamplingPoint.code).limit(limit)))


@dataclass
class Coverage:
    round: ScreeningRound
    areas: list[AreaCoverage]
    times: Turnaround

    @property
    def target(self) -> int:
        return sum(area.target for area in self.areas)

    @property
    def sampled(self) -> int:
        return sum(area.sampled for area in self.areas)

    @property
    def fraction(self) -> float:
        return round(self.sampled / self.target, 4) if self.target else 0.0


def coverage(session: Session, who: Principal, code: str) -> Coverage:
    found = get_round(session, who, code)
    return Coverage(found, round_coverage(session, found, who), turnaround(session, found, who))


Missing = list[tuple[str, list[Person]]]


def missing(session: Session, who: Principal, code: str, area: str = "",
            limit: int = 100_000) -> tuple[ScreeningRound, Missing]:
    """Who the round has not sampled yet, by household: in the area asked for when it lies in the
    jurisdiction, else in the whole jurisdiction."""
    found = get_round(session, who, code)
    within = area if area and sees(who, area) else None
    return found, missing_by_household(session, found, who, within, limit=limit)


def round_report(session: Session, who: Principal, code: str, area: str = "",
                 limit: int = 100_000) -> tuple[Coverage, Missing]:
    """The round's page: its coverage and turnaround, and who is missing."""
    found, people = missing(session, who, code, area, limit)
    return Coverage(found, round_coverage(session, found, who), turnaround(session, found, who)), people
