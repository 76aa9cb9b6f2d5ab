"""The one writer of the audit trail. Every service that changes data calls it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from fangyi.audit import chain
from fangyi.audit.models import AuditEntry


class Actor(Protocol):
    """Who the trail names: any principal (fangyi.access) will do."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...


def snapshot(obj: Any) -> dict[str, Any]:
    """A record's column values as JSON-safe data, for before/after."""
    mapper = inspect(type(obj))
    # updated_at would make every snapshot differ; the entry's own time says when.
    return {
        column.key: plain(getattr(obj, column.key)) for column in mapper.column_attrs if column.key != "updated_at"
    }


def plain(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id or None,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        note=note,
    )
    session.add(entry)
    chain.pending(session, entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so that the trail says what moved."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
