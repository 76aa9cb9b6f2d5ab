"""The daily report's `cases` and `contacts` figures, rebuilt for past days from the records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.command.report import daily
from fangyi.config import get_settings
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.models import Contact, ReachAttempt
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


def test_figures_for_past_days(cast, db):
    me, other = add_person(db, 1, household="H1"), add_person(db, 2)
    mate, diner, rejected, colleague = (add_person(db, n, household="H1" if n == 3 else None) for n in (3, 4, 5, 6))
    restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
    for person in (me, diner, rejected):
        add_stay(db, person, restaurant, at(12), at(13))
    add_stay(db, diner, office, at(30), at(38))
    add_stay(db, colleague, office, at(30), at(38))
    tz = get_settings().tz
    first = create_case(db, cast["tracer"], clean_case(case_row(me), tz))  # confirmed 03-30 10:00, imported
    create_case(db, cast["tracer"], clean_case(case_row(
        other, case_no="HD-2022-002", classification="asymptomatic", onset_date=None, source="local",
        sampled_at="2022-03-31T20:00:00+08:00", confirmed_at="2022-04-01T09:00:00+08:00"), tz))
    # The history, as it happened: contacts derived on 03-30, decisions and calls later.
    contacts = {c.person_id: c for c in db.scalars(select(Contact).where(Contact.case_id == first.id))}
    assert set(contacts) == {mate.id, diner.id, rejected.id, colleague.id}
    for contact in contacts.values():
        contact.created_at = contact.derived_at = at(24 * 3 + 11)  # 03-30 11:00
    for person in (mate, diner):
        contacts[person.id].status, contacts[person.id].decided_at = "confirmed", at(24 * 4 + 9)  # 03-31
    contacts[rejected.id].status, contacts[rejected.id].decided_at = "rejected", at(24 * 5 + 9)  # 04-01
    db.add(ReachAttempt(contact_id=contacts[diner.id].id, outcome="reached", at=at(24 * 4 + 10)))
    db.add(ReachAttempt(contact_id=contacts[mate.id].id, outcome="no_answer", at=at(24 * 4 + 10)))
    db.flush()

    before = daily(db, SYSTEM, date(2022, 3, 29))
    assert before["cases"] == {"new": 0, "total": 0, "confirmed": 0, "asymptomatic": 0, "imported": 0, "local": 0}
    assert before["contacts"] == {"close": 0, "secondary": 0, "confirmed_today": 0, "unreached": 0}

    day1 = daily(db, SYSTEM, date(2022, 3, 30))
    assert day1["cases"] == {"new": 1, "total": 1, "confirmed": 1, "asymptomatic": 0, "imported": 1, "local": 0}
    assert day1["contacts"] == {"close": 3, "secondary": 1, "confirmed_today": 0, "unreached": 0}

    day2 = daily(db, SYSTEM, date(2022, 3, 31))
    assert day2["cases"]["new"] == 0 and day2["cases"]["total"] == 1
    assert day2["contacts"] == {"close": 3, "secondary": 1, "confirmed_today": 2, "unreached": 1}

    day3 = daily(db, SYSTEM, date(2022, 4, 1))
    assert day3["cases"] == {"new": 1, "total": 2, "confirmed": 1, "asymptomatic": 1, "imported": 1, "local": 1}
    assert day3["contacts"] == {"close": 2, "secondary": 1, "confirmed_today": 0, "unreached": 1}
