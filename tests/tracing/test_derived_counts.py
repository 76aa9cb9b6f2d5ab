"""A derivation's record says how many secondary contacts it stored, on both databases, for every
case derived on one connection (SQLite once gave the count of an intermediate step: the items
grouped, or what the previous case left to clear)."""

from __future__ import annotations

from sqlalchemy import delete, select

from fangyi.audit.models import AuditEntry
from fangyi.tracing.contacts import refresh
from fangyi.tracing.models import Contact
from tests.tracing.test_batch_assignment import two_cases  # noqa: F401 (a fixture)
from tests.tracing.test_derivation_property import NOW


def test_the_derivation_record_counts_the_secondary_contacts_stored(cast, db, two_cases):  # noqa: F811
    cases, _, _ = two_cases
    db.execute(delete(Contact).where(Contact.case_id.in_([c.id for c in cases])))
    for case in cases:
        refresh(db, cast["tracer"], case, at=NOW)
    for case in cases:
        stored = db.scalars(select(Contact.degree).where(Contact.case_id == case.id)).all()
        record = db.scalars(select(AuditEntry).where(AuditEntry.action == "derive",
                                                     AuditEntry.entity_id == str(case.id))
                            .order_by(AuditEntry.id.desc())).first()
        assert record is not None and record.after is not None
        assert (record.after["close"], record.after["secondary"]) == (stored.count("close"), stored.count("secondary"))
    assert any(db.scalars(select(Contact).where(Contact.degree == "secondary")))
