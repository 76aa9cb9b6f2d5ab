"""Rows of a table nothing deletes from, counted incrementally: check-ins and persons (a merge
moves check-ins and marks a person merged; nothing removes either).

`count(*)` of a county's 9 million check-ins reads every entry of an index (150-400 ms); the daily
report and the commander's dashboard ask for it on every computation. Instead each process keeps,
per database and table, an anchor id and the number of rows up to it, and counts only the rows
above the anchor, a range of the primary key.

The anchor stays SLACK ids behind the newest row it has seen. PostgreSQL hands out ids when rows
are inserted, not when they commit, so a writer's rows may commit after a later writer's: a row
below the anchor whose transaction had not committed when the anchor was set would be missed until
the process starts again (an import's writer holds some hundred thousand rows uncommitted for a
few seconds). So on PostgreSQL an anchor is set only when the snapshot shows no transaction in
progress: any that begins after takes ids above every committed row, hence above the anchor.
SQLite gives ids in commit order (one writer at a time).
Before use the anchor row is read again by its id: if it is gone or changed (a rolled-back
transaction, a table emptied), everything is counted afresh.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

SLACK = 20_000


class _Kept:
    __slots__ = ("anchor", "below", "mark")

    def __init__(self, anchor: int, below: int, mark: tuple[Any, ...] | None) -> None:
        self.anchor, self.below, self.mark = anchor, below, mark


_lock = threading.Lock()
_kept: dict[tuple[str, str], _Kept] = {}


def forget() -> None:
    """Count everything afresh next time (tests; after restoring a backup into a live database)."""
    with _lock:
        _kept.clear()


def _mark(session: Session, model: Any, marks: tuple[Any, ...], anchor: int) -> tuple[Any, ...] | None:
    if anchor <= 0:
        return None
    row = session.execute(select(*marks).where(model.id == anchor)).first()
    return tuple(row) if row is not None else ("missing",)


def rows(session: Session, model: Any, marks: tuple[Any, ...]) -> int:
    """How many rows `model`'s table holds, as this session sees them. `marks`: columns that tell
    one row from another that took its id after a rollback."""
    key = (str(session.get_bind().engine.url), model.__tablename__)
    with _lock:
        kept = _kept.get(key)
    if kept is not None and _mark(session, model, marks, kept.anchor) != kept.mark:
        kept = None
    if kept is None:
        # Counted afresh: a plain count(*) (the smallest index, no range), then anchored below the top.
        total = int(session.scalar(select(func.count()).select_from(model)) or 0)
        top = session.scalar(select(func.max(model.id)))
        if top is None or not _settled(session):
            return total
        anchor = session.scalar(select(func.max(model.id)).where(model.id <= int(top) - SLACK))
        if anchor is not None:
            # Counted below the anchor in a statement of its own, after the check: on PostgreSQL
            # each statement sees its own snapshot, and `total` may predate rows committed since.
            below = int(session.scalar(select(func.count()).select_from(model).where(model.id <= anchor)) or 0)
            _keep(key, _Kept(int(anchor), below, _mark(session, model, marks, int(anchor))))
        return total
    above, top = session.execute(select(func.count(), func.max(model.id)).select_from(model)
                                 .where(model.id > kept.anchor)).one()
    total = kept.below + int(above)
    if top is not None and int(top) - kept.anchor > 2 * SLACK and _settled(session):
        # The new anchor is a row (ids may skip), SLACK ids or more behind the newest.
        anchor = session.scalar(select(func.max(model.id)).where(model.id > kept.anchor,
                                                                  model.id <= int(top) - SLACK))
        if anchor is not None:
            between = session.scalar(select(func.count()).select_from(model).where(
                model.id > kept.anchor, model.id <= int(anchor)))
            _keep(key, _Kept(int(anchor), kept.below + int(between or 0), _mark(session, model, marks, int(anchor))))
    return total


def _settled(session: Session) -> bool:
    """Whether every row with an id yet handed out is committed or rolled back: always on SQLite;
    on PostgreSQL when no transaction is in progress (an anchor set then misses none)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return not session.scalar(text("SELECT EXISTS (SELECT FROM pg_snapshot_xip(pg_current_snapshot()))"))


def _keep(key: tuple[str, str], kept: _Kept) -> None:
    with _lock:
        _kept[key] = kept
