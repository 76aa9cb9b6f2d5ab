"""The audit trail cannot be edited or deleted, even by a direct SQL statement."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from fangyi.audit import service as audit
from fangyi.audit.models import AuditEntry


def test_audit_entries_cannot_be_changed(cast, db):
    entry = audit.record(db, cast["admin"], "update", "person", 1, before={"a": 1}, after={"a": 2})
    db.flush()
    with pytest.raises(DatabaseError, match="append-only"), db.begin_nested():
        db.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(note="hidden"))
    assert db.scalar(select(AuditEntry.note).where(AuditEntry.id == entry.id)) is None


def test_audit_entries_cannot_be_deleted(cast, db):
    entry = audit.record(db, cast["admin"], "create", "person", 1, after={"a": 1})
    db.flush()
    with pytest.raises(DatabaseError, match="append-only"), db.begin_nested():
        db.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))
    assert db.get(AuditEntry, entry.id) is not None


def test_creating_a_user_is_audited_without_the_password(cast, db):
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.action == "create"))
    assert entry is not None and entry.actor == "system"
    assert "password" not in str(entry.after) and "hash" not in str(entry.after)


def test_a_bulk_writes_entries_are_the_ones_record_makes(cast, db):
    """bulk_entries: the same rows as record, in one statement of a bulk write (the scans')."""
    from fangyi.access import SYSTEM
    from fangyi.db import bulk
    from fangyi.timeutil import now

    moment = now()
    entries = [audit.Entry(cast["sampler"], "scan", "scans", after={"scan_ids": ["a", "b"], "ok": 2}),
               audit.Entry(SYSTEM, "scan", "scans", 7, after={"ok": 0}, note="by hand")]
    bulk.write(db, [audit.bulk_entries(db, moment, entries)])
    db.commit()
    rows = db.scalars(select(AuditEntry).where(AuditEntry.action == "scan").order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.actor, r.entity, r.entity_id, r.after, r.note, r.at) for r in rows] == [
        (cast["sampler"].id, "sampler", "scans", None, {"scan_ids": ["a", "b"], "ok": 2}, None, moment),
        (None, "system", "scans", "7", {"ok": 0}, "by hand", moment)]
    # Sealed into the chain at commit, as record's entries are.
    from fangyi.audit import chain
    from fangyi.audit.models import AuditSeal

    sealed = set(db.scalars(select(AuditSeal.entry_id)))
    assert {r.id for r in rows} <= sealed
    assert chain.verify(db).ok
