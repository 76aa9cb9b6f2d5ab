"""Bulk writing on the session's own connection: executemany on SQLite, COPY on PostgreSQL.

The rows go in inside the session's transaction, so the demo appears whole
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

BATCH = 50_000


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        raw: Any = session.connection().connection.driver_connection
        self.raw = raw
        if self.dialect == "sqlite":
            # A bigger page cache keeps the check-in indexes in memory while they grow.
            self.raw.execute("PRAGMA cache_size=-262144")

    def write(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]], *, dates: bool = False
    ) -> int:
        """Write rows in batches; returns how many. ``dates``: some values are dates (SQLite wants text)."""
        if self.dialect == "sqlite":
            if dates:
                rows = ([v.isoformat() if isinstance(v, date) else v for v in row] for row in rows)
            return self._executemany(table, columns, rows)
        return self._copy(table, columns, rows)

    def _executemany(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        count = 0
        batch: list[Sequence[object]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.raw.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            self.raw.executemany(sql, batch)
            count += len(batch)
        return count

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        count = 0
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def reset_sequence(self, table: str) -> None:
        """After rows with explicit ids, make PostgreSQL's next id follow them."""
        if self.dialect == "postgresql":
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
            )
