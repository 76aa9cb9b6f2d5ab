"""A contact always refers to a person, a case and (when given) a tracer that exist, on both
databases: SQLite by its foreign keys, PostgreSQL by the statement-level triggers of migration
0520 that replace them. Either way the error is an IntegrityError (a foreign key violation)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fangyi.config import get_settings
from fangyi.tracing.cases import clean_case, create_case
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row

MISSING = 987_654_321  # no person, case or user has this id


@pytest.fixture
def stored(cast, db):
    """A case with two close contacts, both given to the tracer, and a person nobody refers to."""
    me, a, b = (add_person(db, n) for n in (1, 2, 3))
    loner = add_person(db, 4)
    restaurant = add_venue(db, "R1", "restaurant")
    for person in (me, a, b):
        add_stay(db, person, restaurant, at(12), at(13))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    rows = db.execute(text("SELECT id, person_id, assigned_to_id FROM contacts WHERE case_id = :c ORDER BY id"),
                      {"c": case.id}).all()
    assert [r.person_id for r in rows] == [a.id, b.id] and rows[0].assigned_to_id == cast["tracer"].id
    return case, rows, loner


def _copy(db, contact_id: int, *, case: int, persons: list[int], tracer: int | None) -> None:
    """New contacts like an existing one, one per person, in one INSERT … SELECT (as storing does)."""
    values = " UNION ALL ".join(f"SELECT {int(p)} AS pid" for p in persons)
    db.execute(text(f"""
        INSERT INTO contacts (case_id, person_id, degree, sort_key, first_exposure, last_exposure, reasons, via,
                              status, created_at, derived_at, stale, assigned_to_id)
        SELECT :case, n.pid, c.degree, c.sort_key, c.first_exposure, c.last_exposure, c.reasons, c.via, c.status,
               c.created_at, c.derived_at, c.stale, :tracer
        FROM contacts c, ({values}) n WHERE c.id = :id"""), {"case": case, "tracer": tracer, "id": contact_id})


def _refused(db):
    """The error a contacts key raises: on PostgreSQL it names the key, as the foreign key did."""
    name = "fk_contacts_" if db.get_bind().dialect.name == "postgresql" else "FOREIGN KEY"
    return pytest.raises(IntegrityError, match=name)


def _fails(db, sql: str, **params) -> None:
    with _refused(db), db.begin_nested():
        db.execute(text(sql), params)


def test_a_contact_for_a_missing_person_case_or_tracer_is_refused(cast, db, stored):
    case, rows, loner = stored
    first = rows[0]
    # Many rows in one statement, one of them wrong: the whole statement fails.
    with _refused(db), db.begin_nested():
        _copy(db, first.id, case=case.id, persons=[loner.id, MISSING], tracer=None)
    with _refused(db), db.begin_nested():
        _copy(db, first.id, case=MISSING, persons=[loner.id], tracer=None)
    with _refused(db), db.begin_nested():
        _copy(db, first.id, case=case.id, persons=[loner.id], tracer=MISSING)
    _fails(db, "UPDATE contacts SET person_id = :p WHERE id = :id", p=MISSING, id=first.id)
    _fails(db, "UPDATE contacts SET case_id = :c WHERE id = :id", c=MISSING, id=first.id)
    _fails(db, "UPDATE contacts SET assigned_to_id = :u WHERE id = :id", u=MISSING, id=first.id)
    # Right ones go in, with or without a tracer.
    with db.begin_nested():
        _copy(db, first.id, case=case.id, persons=[loner.id], tracer=None)
        _copy(db, first.id, case=case.id, persons=[loner.id], tracer=cast["tracer"].id)
    count = db.scalar(text("SELECT count(*) FROM contacts WHERE person_id = :p"), {"p": loner.id})
    assert count == 2


def test_what_a_contact_refers_to_cannot_be_deleted_or_renumbered(cast, db, stored):
    """Rows that only contacts refer to (no check-ins, no other case data), so that the
    refusal is the contacts key's."""
    case, rows, loner = stored
    tracer = rows[0].assigned_to_id
    # The zones proposed around the case name it too: let go of it, so that only contacts refer to it.
    db.execute(text("UPDATE zones SET case_id = NULL WHERE case_id = :c"), {"c": case.id})
    with db.begin_nested():
        _copy(db, rows[0].id, case=case.id, persons=[loner.id], tracer=tracer)
    _fails(db, "DELETE FROM persons WHERE id = :p", p=loner.id)
    _fails(db, "UPDATE persons SET id = :n WHERE id = :p", n=MISSING, p=loner.id)
    _fails(db, "DELETE FROM cases WHERE id = :c", c=case.id)
    _fails(db, "UPDATE cases SET id = :n WHERE id = :c", n=MISSING, c=case.id)
    _fails(db, "DELETE FROM users WHERE id = :u", u=tracer)
    _fails(db, "UPDATE users SET id = :n WHERE id = :u", n=MISSING, u=tracer)
    # Other changes to those rows go through, and every contact is still there.
    with db.begin_nested():
        db.execute(text("UPDATE persons SET area_code = area_code WHERE id = :p"), {"p": loner.id})
        db.execute(text("UPDATE users SET id = id WHERE id = :u"), {"u": tracer})
    assert db.scalar(text("SELECT count(*) FROM contacts WHERE case_id = :c"), {"c": case.id}) == len(rows) + 1
    # Once nothing refers to them, they can go.
    with db.begin_nested():
        db.execute(text("DELETE FROM contacts WHERE person_id = :p"), {"p": loner.id})
        db.execute(text("DELETE FROM persons WHERE id = :p"), {"p": loner.id})
        db.execute(text("UPDATE contacts SET assigned_to_id = NULL WHERE assigned_to_id = :u"), {"u": tracer})
        db.execute(text("DELETE FROM users WHERE id = :u"), {"u": tracer})
