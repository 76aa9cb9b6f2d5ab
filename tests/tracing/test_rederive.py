"""Deriving again after new data keeps every tracer decision; the decisions are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangyi.audit.models import AuditEntry
from fangyi.config import get_settings
from fangyi.errors import Forbidden, Invalid
from fangyi.registry.persons import merge_persons
from fangyi.tracing.cases import case_fields, clean_case, create_case, update_case
from fangyi.tracing.contacts import (
    confirm_contact,
    log_reach_attempt,
    refresh,
    reject_contact,
    set_quarantined_at,
)
from fangyi.tracing.models import Contact
from fangyi.tracing.trace import trace_report
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


@pytest.fixture
def world(cast, db):
    people = {name: add_person(db, n) for n, name in enumerate(["me", "a", "b", "c", "g", "d", "e"], start=1)}
    restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
    add_stay(db, people["me"], restaurant, at(12), at(13))  # 03-27: inside either window
    add_stay(db, people["a"], restaurant, at(12), at(13))
    add_stay(db, people["me"], restaurant, at(-30), at(-29))  # 03-25: only inside the window of an earlier onset
    for name in ("b", "c", "g"):
        add_stay(db, people[name], restaurant, at(-30), at(-29))
    add_stay(db, people["a"], office, at(30), at(38))  # a's colleague d: a secondary contact
    add_stay(db, people["d"], office, at(30), at(38))
    case = create_case(db, cast["tracer"], clean_case(case_row(people["me"], onset_date="2022-03-27"),
                                                      get_settings().tz))
    return case, people, restaurant


def contacts(db, case):
    found = db.scalars(select(Contact).where(Contact.case_id == case.id)).all()
    return {c.person_id: c for c in found}


def test_decisions_survive_new_checkins_and_a_changed_onset(cast, db, world):
    case, people, restaurant = world
    tracer = cast["tracer"]
    now = contacts(db, case)
    assert {p.id for k, p in people.items() if k != "me" and k != "e"} == set(now)
    assert now[people["d"].id].degree == "secondary" and now[people["d"].id].via == [people["a"].id]
    confirm_contact(db, tracer, now[people["a"].id].id)
    reject_contact(db, tracer, now[people["b"].id].id, "扫码后未进店")
    log_reach_attempt(db, tracer, now[people["c"].id].id, "no_answer")

    add_stay(db, people["e"], restaurant, at(12.5), None)  # a check-in that arrived later
    refresh(db, tracer, case)
    after = contacts(db, case)
    assert people["e"].id in after and after[people["e"].id].status == "derived"
    assert after[people["a"].id].status == "confirmed" and after[people["b"].id].status == "rejected"

    values = case_fields(db, case)
    values.onset_date = values.onset_date.replace(day=28)  # the 03-25 meal falls out of the window
    update_case(db, tracer, case, values)
    after = contacts(db, case)
    assert after[people["b"].id].stale and after[people["b"].id].status == "rejected"
    assert after[people["b"].id].reject_reason == "扫码后未进店"
    assert after[people["c"].id].stale  # called, so kept
    assert people["g"].id not in after  # undecided and no longer derived: gone
    assert not after[people["a"].id].stale and after[people["a"].id].status == "confirmed"

    report = trace_report(db, case)
    listed = {c["id_number"] for c in report["close_contacts"]}
    assert people["a"].id_number in listed and people["b"].id_number not in listed


def test_a_quarantine_start_cuts_the_secondary_window(cast, db, world):
    case, people, _ = world
    a = contacts(db, case)[people["a"].id]
    set_quarantined_at(db, cast["tracer"], a.id, at(20))  # before a's day at the office with d
    after = contacts(db, case)
    assert people["d"].id not in after
    assert after[people["a"].id].quarantined_at == at(20)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "contact", AuditEntry.action == "quarantine"))
    assert entry is not None and entry.after == {"quarantined_at": at(20).isoformat()}
    set_quarantined_at(db, cast["tracer"], a.id, None)
    assert people["d"].id in contacts(db, case)


def test_decisions_need_the_role_and_a_reason(cast, db, world):
    case, people, _ = world
    contact = contacts(db, case)[people["a"].id]
    with pytest.raises(Forbidden):
        confirm_contact(db, cast["sampler"], contact.id)
    with pytest.raises(Invalid) as caught:
        reject_contact(db, cast["tracer"], contact.id, "  ")
    assert caught.value.extra["column"] == "reject_reason"
    with pytest.raises(Invalid) as caught:
        log_reach_attempt(db, cast["tracer"], contact.id, "maybe")
    assert caught.value.extra["column"] == "outcome"
    confirm_contact(db, cast["tracer"], contact.id)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "contact", AuditEntry.action == "confirm"))
    assert entry is not None and entry.actor == "tracer" and entry.after == {"status": "confirmed",
                                                                           "reject_reason": None}


def test_a_person_merge_moves_contacts_and_the_next_derivation_folds_them(cast, db, world):
    case, people, _ = world
    a, b = people["a"], people["b"]
    confirm_contact(db, cast["tracer"], contacts(db, case)[b.id].id)
    merge_persons(db, cast["admin"], survivor_id=a.id, merged_id=b.id, reason="同一人两个证件")
    rows = db.scalars(select(Contact).where(Contact.case_id == case.id, Contact.person_id == a.id)).all()
    assert len(rows) == 2  # both records' contacts now point at the survivor
    refresh(db, cast["tracer"], case)
    rows = db.scalars(select(Contact).where(Contact.case_id == case.id, Contact.person_id == a.id)).all()
    # The row the tracer worked on stays; the undecided duplicate goes.
    assert [(r.status, r.stale) for r in rows] == [("confirmed", False)]
    report = trace_report(db, case)
    numbers = [c["id_number"] for c in report["close_contacts"]]
    assert numbers.count(a.id_number) == 1 and b.id_number not in numbers
