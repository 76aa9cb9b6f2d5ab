"""A small county like the demo for the zones tests: 石金村 with two groups (小泉屋组 and 二组), a
case's household in 小泉屋组, neighbours, and screening samples written by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Principal
from fangyi.registry.models import Area, Person
from fangyi.screening.models import Sample, ScreeningRound, Tube
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.models import Case
from fangyi.zones.models import Zone
from tests.conftest import SHIJIN, XIAOQUANWU
from tests.tracing.world import add_person

CST = ZoneInfo("Asia/Shanghai")
ERZU = "430424101001002"  # 石金村二组


def local(text: str) -> datetime:
    """A local time written as in the rule text, e.g. '2022-03-30 09:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=CST)


@dataclass
class County:
    db: Session
    case_person: Person
    mate: Person  # same household: the close contact
    neighbour: Person  # 小泉屋组
    erzu: list[Person] = field(default_factory=list)  # 二组
    barcodes: int = 0

    @property
    def everyone(self) -> list[Person]:
        return [self.mate, self.neighbour, *self.erzu]

    def sample(self, people: list[Person], when: str, result: str = "negative", round_code: str | None = None) -> None:
        """One single tube per person sampled at `when`, tested the same day with `result`."""
        moment = local(when)
        round_id = None
        if round_code is not None:
            found = self.db.scalar(select(ScreeningRound).where(ScreeningRound.code == round_code))
            if found is None:
                found = ScreeningRound(code=round_code, name=round_code, area_codes=[SHIJIN], starts_at=moment,
                                       deadline_at=moment, pool_size=1)
                self.db.add(found)
                self.db.flush()
            round_id = found.id
        for person in people:
            self.barcodes += 1
            tube = Tube(barcode=f"T{self.barcodes:06d}", round_id=round_id, pool_size=1, members=1, state="tested",
                        opened_at=moment, result=result, tested_at=moment.replace(hour=23), lab_code="L1")
            self.db.add(tube)
            self.db.flush()
            self.db.add(Sample(tube_id=tube.id, person_id=person.id, round_id=round_id, sampled_at=moment,
                               round_code=round_code))
        self.db.flush()

    def case(self, person: Person, case_no: str, confirmed: str, *, sampled: str, isolated: str | None = None,
             actor: Principal = SYSTEM) -> Case:
        fields = CaseFields(case_no, person.id_number, "confirmed", None, local(sampled), local(confirmed), "imported",
                            isolated_at=local(isolated) if isolated else None)
        return create_case(self.db, actor, fields)

    def zones(self) -> list[Zone]:
        return list(self.db.scalars(select(Zone).order_by(Zone.id)))

    def zone(self, kind: str, area: str) -> Zone:
        return next(z for z in self.zones() if z.kind == kind and area in z.area_codes)


def county(db: Session) -> County:
    db.add(Area(code=ERZU, name="二组", level="group", parent_code=SHIJIN))
    db.flush()
    me = add_person(db, 1, household="HD-1", area=XIAOQUANWU)
    mate = add_person(db, 2, household="HD-1", area=XIAOQUANWU)
    neighbour = add_person(db, 3, area=XIAOQUANWU)
    world = County(db, me, mate, neighbour, [add_person(db, 4, area=ERZU), add_person(db, 5, area=ERZU)])
    return world


def day(text: str) -> date:
    return date.fromisoformat(text)
