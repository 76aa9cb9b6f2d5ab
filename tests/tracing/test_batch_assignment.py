"""Contacts a batch found, imported back, go to the tracers' queue as a derivation's do: by the area
the person lives in, the lightest loaded tracer of the day, case after case."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.config import get_settings
from fangyi.imports.service import run_import
from fangyi.tracing import batch
from fangyi.tracing.batch import importer
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.contacts import refresh
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.queue import queue
from tests.conftest import CHENGGUAN, SHIJIN, SHITAN
from tests.tracing.test_batch_equivalence import _batch
from tests.tracing.test_derivation_property import NOW
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row

assert batch  # the package, imported for its importer module


@pytest.fixture
def two_cases(cast, db):
    """Two cases at one restaurant at different hours, with overlapping contacts in 石滩乡 (two
    tracers there) and 洣水镇 (only the county's tracer covers it)."""
    local = [accounts.create_user(db, SYSTEM, username=f"tracer-st{n}", password="password-123",
                                  role="tracer", area_code=SHITAN) for n in (1, 2)]
    restaurant = add_venue(db, "R1", "restaurant")
    first, second = add_person(db, 1), add_person(db, 2)
    people = [add_person(db, n, area=SHIJIN if n < 9 else CHENGGUAN) for n in range(3, 11)]
    add_stay(db, first, restaurant, at(12), at(13))
    add_stay(db, second, restaurant, at(18), at(19))
    for n, person in enumerate(people):
        if n % 3 != 2:
            add_stay(db, person, restaurant, at(12), at(13))
        if n % 3 != 0:
            add_stay(db, person, restaurant, at(18), at(19))
    cases = [create_case(db, cast["tracer"], clean_case(case_row(me, case_no=number), get_settings().tz))
             for me, number in ((first, "HD-A-1"), (second, "HD-A-2"))]
    return cases, local, people


def _owners(db, cases: list[Case]) -> dict[tuple[int, int], int | None]:
    return {(c.case_id, c.person_id): c.assigned_to_id
            for c in db.scalars(select(Contact).where(Contact.case_id.in_([k.id for k in cases])))}


def test_imported_contacts_are_assigned_as_the_derivation_assigns_them(cast, db, two_cases, tmp_path: Path,
                                                                       monkeypatch):
    cases, local, people = two_cases
    # The derivation, case after case, at one moment (a fresh day: no tracer has a load yet).
    db.execute(delete(Contact).where(Contact.case_id.in_([c.id for c in cases])))
    for case in cases:
        refresh(db, cast["tracer"], case, at=NOW)
    derived = _owners(db, cases)
    assert derived and None not in derived.values()
    assert {derived[(c.id, p.id)] for c in cases for p in people if p.area_code == SHIJIN
            and (c.id, p.id) in derived} == {local[0].id, local[1].id}
    assert {derived[(c.id, p.id)] for c in cases for p in people if p.area_code == CHENGGUAN
            and (c.id, p.id) in derived} == {cast["tracer"].id}

    out = _batch(db, cases, tmp_path, "duckdb")
    db.execute(delete(Contact).where(Contact.case_id.in_([c.id for c in cases])))
    monkeypatch.setattr(importer, "now", lambda: NOW)
    report = run_import(db, SYSTEM, "contacts", out)
    assert report.rows_rejected == 0, report.problems
    assert report.rows_loaded == len(derived)
    # Every contact in a tracer's queue, each the tracer the derivation gave it.
    assert _owners(db, cases) == derived
    _, total = queue(db, local[0])
    assert total == sum(1 for owner in derived.values() if owner == local[0].id)
    notes = [entry.after for entry in db.scalars(select(AuditEntry).where(
        AuditEntry.action == "derive", AuditEntry.entity_id.in_([str(c.id) for c in cases]))
        .order_by(AuditEntry.id)) if entry.after and entry.after.get("source") == "import contacts"]
    assert [note["assigned"] for note in notes] == [
        sum(1 for case_id, _ in derived if case_id == case.id) for case in cases]

    # A contact a coordinator took out of the queue gets a tracer again on the next import; the
    # others keep theirs (nothing is handed round twice).
    loose = db.scalar(select(Contact).where(Contact.case_id == cases[0].id).order_by(Contact.id))
    loose.assigned_to_id, loose.assigned_at = None, None
    db.flush()
    again = run_import(db, SYSTEM, "contacts", out)
    assert again.rows_rejected == 0
    after = _owners(db, cases)
    assert after[(loose.case_id, loose.person_id)] is not None
    assert {k: v for k, v in after.items() if k != (loose.case_id, loose.person_id)} == {
        k: v for k, v in derived.items() if k != (loose.case_id, loose.person_id)}
