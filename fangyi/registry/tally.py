"""Rows of a table nothing deletes from, counted from a kept count: check-ins and persons (a merge
moves check-ins and marks a person merged; nothing removes either).

`count(*)` of a county's 9 million check-ins reads every entry of an index (150-900 ms); the daily
report and the commander's dashboard ask for it, the first time in a process with nothing kept.
The count is kept in the database (`row_counts`, migration 0810), so that a process just started
answers as fast as one that has run for hours:

- PostgreSQL: statement triggers write each INSERT's and DELETE's difference in the writing
  transaction; the count is the sum of the table's rows in `row_counts`, in the reader's own
  snapshot: exact whatever is in progress or commits in whatever order. Readers fold the rows into
  one now and then, in a short transaction of their own that skips rows another folder holds.
- SQLite hands out ids in commit order (one writer at a time): `row_counts` holds the count up to
  an anchor id, and a reader counts the rows above it, a range of the primary key. The anchor row's
  key (its mark, kept as a keyed digest: the persons' key is an identity number, which a table of
  counts has no business holding) is read again each time: if the row is gone or another took its id (a
  table emptied, a restored backup), everything is counted afresh. A reader that finds more than SLACK
  rows above the anchor moves it, on a connection of its own that gives up at once if a writer
  holds the database (it never waits for an import), and counts only committed rows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from fangyi.config import secret_key
from fangyi.registry.models import RowCount

SLACK = 20_000  # SQLite: rows above the anchor a reader counts before it moves the anchor
FOLD = 64  # PostgreSQL: a table's difference rows that a reader folds into one


def forget() -> None:
    """Nothing is kept in the process any more (the count is in the database); kept for callers
    that simulate a start (tests, bench)."""


def rows(session: Session, model: Any, marks: tuple[Any, ...]) -> int:
    """How many rows `model`'s table holds, as this session sees them. `marks`: columns that tell
    one row from another that took its id after a rollback (SQLite)."""
    name = model.__tablename__
    if session.get_bind().dialect.name == "postgresql":
        total, parts = session.execute(select(func.coalesce(func.sum(RowCount.n), 0), func.count())
                                       .where(RowCount.name == name)).one()
        if parts > FOLD:
            _fold(session, name)
        return int(total)
    kept = session.execute(select(RowCount.n, RowCount.anchor, RowCount.mark)
                           .where(RowCount.name == name).order_by(RowCount.id)).first()
    if kept is not None and kept.anchor is not None and _mark(session, model, marks, kept.anchor) == kept.mark:
        above = int(session.scalar(select(func.count()).select_from(model).where(model.id > kept.anchor)) or 0)
        if above > SLACK:
            _move_anchor(session, model, marks)
        return int(kept.n) + above
    total = int(session.scalar(select(func.count()).select_from(model)) or 0)
    _move_anchor(session, model, marks)
    return total


def _mark(session: Session, model: Any, marks: tuple[Any, ...], anchor: int) -> str | None:
    row = session.execute(select(*marks).where(model.id == anchor)).first()
    return None if row is None else digest(list(row))


def digest(values: list[Any]) -> str:
    """A row's mark as kept: its key's values, keyed-hashed with the deployment's secret (an
    identity number has too few possible values for a plain hash to hide it)."""
    message = json.dumps(values, ensure_ascii=False, default=str).encode()
    return hmac.new(secret_key().encode(), message, hashlib.sha256).hexdigest()[:32]


def _fold(session: Session, name: str) -> None:
    """PostgreSQL: the table's difference rows summed into one, in a transaction of its own. Rows
    another reader is folding are skipped (FOR UPDATE SKIP LOCKED); rows of transactions still in
    progress are not seen. The sum of what any snapshot sees is unchanged."""
    # Not from the session's pool: a reader already holds one of its connections, and readers that
    # each waited for a second one could empty it and wait on each other. Folding can wait for the
    # next reader, so a server out of connections skips it.
    try:
        with _folding(session.get_bind().engine.url.render_as_string(hide_password=False)).begin() as conn:
            conn.execute(text(
                "WITH gone AS (DELETE FROM row_counts WHERE id IN (SELECT id FROM row_counts WHERE name = :name "
                "ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING n) "
                "INSERT INTO row_counts (name, n) SELECT :name, sum(n) FROM gone HAVING count(*) > 0"),
                {"name": name})
    except OperationalError:  # no connection to be had (or the server going): the next reader folds
        return


@lru_cache(maxsize=4)
def _folding(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _move_anchor(session: Session, model: Any, marks: tuple[Any, ...]) -> None:
    """SQLite: anchor the count at the newest committed row, on a connection of its own, counting
    from the anchor kept if its row is still the one it was, else from the start."""
    url = session.get_bind().engine.url
    if not url.database or url.database == ":memory:":
        return
    table, keys = model.__tablename__, ", ".join(column.name for column in marks)
    lite = sqlite3.connect(url.database, isolation_level=None, timeout=0)
    try:
        lite.execute("PRAGMA busy_timeout = 0")
        try:
            lite.execute("BEGIN IMMEDIATE")  # committed rows only, and no writer meanwhile
        except sqlite3.OperationalError:
            return  # a writer holds the database: the next reader moves it
        try:
            found = lite.execute(f"SELECT id, n, anchor, mark FROM {RowCount.__tablename__} WHERE name = ? "
                                 "ORDER BY id", (table,)).fetchall()
            top = lite.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
            n, since = 0, None
            if found and found[0][2] is not None and found[0][3] is not None:
                row = lite.execute(f"SELECT {keys} FROM {table} WHERE id = ?", (found[0][2],)).fetchone()
                if row is not None and digest(list(row)) == json.loads(found[0][3]):
                    n, since = int(found[0][1]), int(found[0][2])
            lite.execute(f"DELETE FROM {RowCount.__tablename__} WHERE name = ?", (table,))
            if top is not None:
                n += lite.execute(f"SELECT count(*) FROM {table} WHERE id > ? AND id <= ?",
                                  (since if since is not None else -1, top)).fetchone()[0]
                mark = lite.execute(f"SELECT {keys} FROM {table} WHERE id = ?", (top,)).fetchone()
                lite.execute(f"INSERT INTO {RowCount.__tablename__} (name, n, anchor, mark) VALUES (?, ?, ?, ?)",
                             (table, n, top, json.dumps(digest(list(mark)))))
            lite.execute("COMMIT")
        except sqlite3.OperationalError:
            lite.execute("ROLLBACK")  # a reader or writer in the way at COMMIT: the next reader moves it
        except BaseException:
            lite.execute("ROLLBACK")
            raise
    finally:
        lite.close()

