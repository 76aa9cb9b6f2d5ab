"""Many rows in one statement, ids back.

On PostgreSQL the rows go as one array per column through ``unnest``: a multi-row VALUES of
thousands of rows spends more time in the driver's placeholder parsing than in the server.
Elsewhere SQLAlchemy's own batched INSERT … RETURNING is used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, BigInteger, ColumnElement, Table, any_, bindparam, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def insert_returning(session: Session, model: type[Any], rows: Sequence[dict[str, Any]],
                     returning: Sequence[str]) -> list[tuple[Any, ...]]:
    if not rows:
        return []
    table: Table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        return [tuple(row) for row in session.execute(insert(model).returning(*(table.c[n] for n in returning)), rows)]
    columns = list(rows[0])
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    casts, params = [], {}
    for name in columns:
        column_type = table.c[name].type
        values = [row[name] for row in rows]
        if isinstance(column_type, JSON):
            values = [None if value is None else json.dumps(value) for value in values]
            casts.append(f"CAST(:{name} AS jsonb[])")
        else:
            casts.append(f"CAST(:{name} AS {column_type.compile(dialect=dialect)}[])")  # type: ignore[no-untyped-call]
        params[name] = values
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({', '.join(casts)}) "
           f"RETURNING {', '.join(returning)}")
    return [tuple(row) for row in session.execute(text(sql), params)]


def among(session: Session, column: Any, values: Sequence[int]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of thousands."""
    if session.get_bind().dialect.name == "postgresql":
        found: ColumnElement[bool] = column == any_(bindparam(None, list(values), type_=ARRAY(BigInteger())))
    else:
        found = column.in_(values)
    return found
