"""Small quarantine worlds: a site with rooms, persons, a case and its handed-over contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.quarantine.models import QuarantineSite, Room
from fangyi.registry.models import Person
from fangyi.registry.persons import household_for
from fangyi.tracing.models import Case, Contact
from tests.conftest import CHENGGUAN, MISHUI, SHIJIN

LOCAL = timedelta(hours=8)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Hengdong wall-clock time as a UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - LOCAL


def add_person(db: Session, n: int, *, born: date = date(1980, 1, 1), household: str | None = None,
               area: str = SHIJIN) -> Person:
    person = Person(id_number=make_id_number("430424", born, n, "M" if n % 2 else "F"), doc_kind="resident",
                    name=f"人{n}", area_code=area, birth_date=born, sex="M" if n % 2 else "F",
                    address=f"石金村{n}号")
    if household is not None:
        person.household_id = household_for(db, household, area).id
    db.add(person)
    db.flush()
    return person


def add_site(db: Session, code: str = "GL-01", *, rooms: int = 3, beds: int = 1, area: str = MISHUI,
             lat: float | None = None, lon: float | None = None) -> QuarantineSite:
    site = QuarantineSite(code=code, name=f"隔离点{code}", area_code=area, lat=lat, lon=lon, address="洣水镇")
    db.add(site)
    db.flush()
    for i in range(rooms):
        db.add(Room(site_id=site.id, room=f"{101 + i}", beds=beds))
    db.flush()
    return site


def add_case(db: Session, person: Person, case_no: str = "HD-2022-001") -> Case:
    case = Case(case_no=case_no, person_id=person.id, classification="confirmed", onset_date=date(2022, 3, 29),
                sampled_at=local(2022, 3, 30, 8), confirmed_at=local(2022, 3, 30, 18), source="imported")
    db.add(case)
    db.flush()
    return case


def add_contact(db: Session, case: Case, person: Person, degree: str, last: datetime,
                via: list[int] | None = None) -> Contact:
    contact = Contact(case_id=case.id, person_id=person.id, degree=degree, first_exposure=last - timedelta(hours=1),
                      last_exposure=last, reasons=[{"kind": "household"}], via=via or [], status="confirmed",
                      decided_at=local(2022, 3, 30, 20), handed_over_at=local(2022, 3, 30, 21))
    db.add(contact)
    db.flush()
    return contact


__all__ = ["CHENGGUAN", "add_case", "add_contact", "add_person", "add_site", "local"]
