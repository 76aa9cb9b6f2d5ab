"""Records as they stood at a moment, rebuilt from the audit trail: every write names its record and
carries the fields it changed before and after, so undoing the entries later than the moment, newest
first, gives each field's value as of then (the latest entry at or before it). A record whose
creation is later than the moment did not exist yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry

Fields = dict[str, Any]


def as_of(session: Session, entity: str, rows: dict[int, Fields], moment: datetime) -> dict[int, Fields]:
    """`rows` (a record's fields as they stand now, by its id) as they stood at `moment`. Values that
    come from the trail are as JSON keeps them (dates as ISO text); `rows` itself is left alone."""
    stood = {key: dict(fields) for key, fields in rows.items()}
    later = session.execute(
        select(AuditEntry.entity_id, AuditEntry.action, AuditEntry.before)
        .where(AuditEntry.entity == entity, AuditEntry.at > moment)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    for entity_id, action, before in later:
        if entity_id is None or not entity_id.isdigit():
            continue
        key = int(entity_id)
        if key not in stood:
            continue
        if action == "create":
            del stood[key]
        elif before:
            fields = stood[key]
            fields.update({name: value for name, value in before.items() if name in fields})
    return stood
