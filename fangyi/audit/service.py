"""The one writer of the audit trail. Every service that changes data calls it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Table, inspect
from sqlalchemy.orm import Session

from fangyi.audit import chain
from fangyi.audit.models import AuditEntry
from fangyi.db import bulk


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


@dataclass(frozen=True)
class Entry:
    """One entry of the trail, as a bulk write makes it (`record` adds one through the session)."""

    actor: Actor
    action: str
    entity: str
    entity_id: object = None
    after: dict[str, Any] | None = None
    note: str | None = None


_TRAIL = cast(Table, AuditEntry.__table__)
_BULK_COLUMNS = ("at", "actor_id", "actor", "action", "entity", "entity_id", "after", "note")


def bulk_entries(session: Session, at: datetime, entries: Sequence[Entry]) -> bulk.Part:
    """The trail's rows for a bulk write, as one statement of it (`fangyi.db.bulk.write`): the rows
    `record` would add, without a unit of work for each, on a path where that would cost more than
    the rows the entries record (a morning's scans). They are sealed into the chain at commit, as
    `record`'s are."""
    for action in {entry.action for entry in entries}:
        chain.pending(session, chain.Written(at, action))
    return bulk.insert_part(session.get_bind().dialect.name, _TRAIL, [
        {"at": at, "actor_id": entry.actor.id or None, "actor": entry.actor.username, "action": entry.action,
         "entity": entry.entity, "entity_id": None if entry.entity_id is None else str(entry.entity_id),
         "after": entry.after, "note": entry.note}
        for entry in entries], _BULK_COLUMNS)


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so that the trail says what moved."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
