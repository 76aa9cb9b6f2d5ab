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
