"""How a case was found: under cn-9 a case found by routine repeated testing is traced back from
the sampling time of its last negative test, not from the edition's look-back days (protocols:
"look-back for a case found by routine repeated testing: from the sampling time of its last
negative test"); under cn-8 the look-back is the same for every case."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from fangyi.config import get_settings
from fangyi.imports.service import run_import
from fangyi.screening.models import Sample, Tube
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.models import Case, Contact
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


def _world(db):
    me, early, late = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(7), at(8))  # 27 March 07:00, before the last negative
    add_stay(db, early, restaurant, at(7), at(8))
    add_stay(db, me, restaurant, at(36), at(37))  # 28 March 12:00, after it
    add_stay(db, late, restaurant, at(36), at(37))
    # Routine testing: sampled 27 March 09:00 into a pool that tested negative.
    tube = Tube(barcode="T-ROUTINE-1", pool_size=10, members=1, state="tested", result="negative",
                opened_at=at(9), tested_at=at(20))
    db.add(tube)
    db.flush()
    db.add(Sample(tube_id=tube.id, person_id=me.id, sampled_at=at(9)))
    db.flush()
    return me, early, late


def _contacts(db, case: Case) -> set[int]:
    return set(db.scalars(select(Contact.person_id).where(Contact.case_id == case.id, Contact.degree == "close")))


# An asymptomatic case sampled on 29 March 08:00: cn-9 looks back 4 days (to 25 March 00:00), cn-8
# 2 days (to 27 March 00:00); the last negative sample was taken on 27 March at 09:00.
ROW = {"classification": "asymptomatic", "onset_date": None, "found_by": "routine_screening"}


@pytest.mark.parametrize(("edition", "early_is_contact"), [("cn-9", False), ("cn-8", True)])
def test_a_routine_screening_case_looks_back_to_its_last_negative(db, cast, monkeypatch, edition, early_is_contact):
    monkeypatch.setenv("FANGYI_PROTOCOL", edition)
    me, early, late = _world(db)
    case = create_case(db, cast["tracer"], clean_case(case_row(me, **ROW), get_settings().tz))
    assert case.last_negative_at == at(9)
    found = _contacts(db, case)
    assert late.id in found
    assert (early.id in found) is early_is_contact


def test_found_any_other_way_it_looks_back_the_editions_days(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    me, early, late = _world(db)
    case = create_case(db, cast["tracer"], clean_case(case_row(me, **ROW | {"found_by": "fever_clinic"}),
                                                       get_settings().tz))
    assert case.last_negative_at is None
    assert {early.id, late.id} <= _contacts(db, case)


def test_the_cases_import_takes_found_by(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    me, early, late = _world(db)
    text = ("case_no,id_number,classification,sampled_at,confirmed_at,source,found_by\n"
            f"HD-9,{me.id_number},asymptomatic,2022-03-29T08:00:00+08:00,2022-03-30T10:00:00+08:00,local,"
            "routine_screening\n"
            f"HD-10,{early.id_number},asymptomatic,2022-03-29T08:00:00+08:00,2022-03-30T10:00:00+08:00,local,"
            "by_chance\n")
    report = run_import(db, cast["tracer"], "cases", io.BytesIO(text.encode()), filename="cases.csv")
    assert report.rows_loaded == 1
    assert [(p.line, p.column) for p in report.problems] == [(3, "found_by")]
    case = db.scalar(select(Case).where(Case.case_no == "HD-9"))
    assert case.found_by == "routine_screening" and late.id in _contacts(db, case)
    assert early.id not in _contacts(db, case)
