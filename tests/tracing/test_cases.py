"""Entering and changing a case: the refusals, each with its reason, and contacts derived at once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from fangyi.audit.models import AuditEntry
from fangyi.config import get_settings
from fangyi.errors import Conflict, Forbidden, Invalid
from fangyi.registry.persons import FieldError
from fangyi.tracing.cases import case_fields, clean_case, create_case, update_case
from fangyi.tracing.models import Case, Contact
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row, id_number


def fields(row):
    return clean_case(row, get_settings().tz)


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(t)) for t in (Case, Contact, AuditEntry))


def test_a_new_case_derives_its_contacts_at_once_and_is_audited(cast, db):
    me, mate, diner = add_person(db, 1, household="H1"), add_person(db, 2, household="H1"), add_person(db, 3)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    add_stay(db, diner, restaurant, at(12.5), None)
    case = create_case(db, cast["tracer"], fields(case_row(me)))
    contacts = {c.person_id: c for c in db.scalars(select(Contact).where(Contact.case_id == case.id))}
    assert set(contacts) == {mate.id, diner.id}
    assert contacts[mate.id].reasons == [{"kind": "household"}]
    assert contacts[diner.id].reasons[0]["venue_code"] == "R1"
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "case",
                                                         AuditEntry.entity_id == str(case.id))).all()
    assert actions == ["create", "derive"]


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        ({"id_number": id_number(99)}, "id_number", "registry"),
        ({"onset_date": "2022-03-31"}, "onset_date", "onset"),
        ({"sampled_at": "2099-01-01T08:00:00"}, "sampled_at", "future"),
        ({"confirmed_at": "2022-03-29T07:59:00+08:00"}, "confirmed_at", "before it was sampled"),
        ({"infected_by": "HD-NONE"}, "infected_by", "no case"),
        ({"isolated_at": "2022-03-30T11:00:00+08:00"}, "isolated_at", "isolation"),
    ],
)
def test_bad_cases_are_refused_with_the_reason_and_nothing_saved(cast, db, change, column, words):
    me = add_person(db, 1)
    before = counts(db)
    with pytest.raises(Invalid) as caught:
        create_case(db, cast["tracer"], fields(case_row(me, **change)))
    assert caught.value.extra["column"] == column
    assert words in caught.value.detail
    assert counts(db) == before


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"classification": "suspected"}, "classification"),
        ({"source": "abroad"}, "source"),
        ({"onset_date": "28/03/2022"}, "onset_date"),
        ({"confirmed_at": "yesterday"}, "confirmed_at"),
        ({"id_number": "430424198513011234"}, "id_number"),
        ({"case_no": " "}, "case_no"),
    ],
)
def test_malformed_fields_name_their_column(change, column):
    with pytest.raises(FieldError) as caught:
        fields(case_row(SimpleNamespace(id_number=id_number(1)), **change))
    assert caught.value.column == column


def test_a_source_link_that_would_make_a_cycle_is_refused(cast, db):
    first, second = add_person(db, 1), add_person(db, 2)
    a = create_case(db, cast["tracer"], fields(case_row(first, case_no="HD-A")))
    b = create_case(db, cast["tracer"], fields(case_row(second, case_no="HD-B", infected_by="HD-A")))
    assert b.infected_by_case_id == a.id
    before = counts(db)
    with pytest.raises(Invalid, match="cycle") as caught:
        update_case(db, cast["tracer"], a, fields(case_row(first, case_no="HD-A", infected_by="HD-B")))
    assert caught.value.extra["column"] == "infected_by"
    with pytest.raises(Invalid, match="cycle"):
        update_case(db, cast["tracer"], a, fields(case_row(first, case_no="HD-A", infected_by="HD-A")))
    db.refresh(a)
    assert a.infected_by_case_id is None and counts(db) == before


def test_a_case_number_is_taken_once(cast, db):
    me = add_person(db, 1)
    create_case(db, cast["tracer"], fields(case_row(me)))
    with pytest.raises(Conflict):
        create_case(db, cast["tracer"], fields(case_row(me)))


def test_only_tracers_the_command_office_and_admins_enter_cases(cast, db):
    me = add_person(db, 1)
    for role in ("sampler", "village_doctor", "commander"):
        with pytest.raises(Forbidden):
            create_case(db, cast[role], fields(case_row(me)))
    assert create_case(db, cast["command_office"], fields(case_row(me))).case_no == "HD-2022-001"


def test_changing_the_onset_date_is_audited_and_moves_the_window(cast, db):
    me, diner = add_person(db, 1), add_person(db, 3)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(-30), at(-29))  # 2022-03-25 18:00, before the window of an onset on 03-28
    add_stay(db, diner, restaurant, at(-30), at(-29))
    case = create_case(db, cast["tracer"], fields(case_row(me)))
    assert db.scalar(select(func.count()).select_from(Contact)) == 0
    values = case_fields(db, case)
    values.onset_date = values.onset_date.replace(day=27)
    update_case(db, cast["tracer"], case, values)
    assert db.scalars(select(Contact.person_id)).all() == [diner.id]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "case", AuditEntry.action == "update"))
    assert entry is not None and entry.before == {"onset_date": "2022-03-28"}
    assert entry.after == {"onset_date": "2022-03-27"}
