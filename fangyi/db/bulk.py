"""Many rows in one statement, sent as one JSON parameter: set-wise writes without per-row driver work.

Sent the usual way, N rows are N parameter sets, and SQLAlchemy and the driver spend Python time
on every value (bind processing, adaptation, SQL text per row count). Here the rows are one JSON
text, made by json.dumps in C, and the database unpacks it (`jsonb_to_recordset` on PostgreSQL,
`json_each` on SQLite): the statement text never changes, so it is compiled and prepared once,
and a row costs almost nothing on this side. Used where a request writes many rows at once on a
busy path (scans from many handhelds in one transaction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ClauseElement,
    ColumnElement,
    Dialect,
    String,
    Table,
    TextClause,
    any_,
    bindparam,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def encode(rows: Iterable[Mapping[str, Any]], dialect: str) -> str:
    """The rows as one JSON array; times as each database stores them (SQLite: naive UTC text)."""
    def moment(value: object) -> str:
        if not isinstance(value, datetime):
            raise TypeError(f"cannot send {type(value).__name__} as JSON")
        if value.tzinfo is None:
            raise ValueError("naive datetime in a bulk row")
        if dialect == "postgresql":
            return value.isoformat()
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    return json.dumps(list(rows), default=moment, ensure_ascii=False, separators=(",", ":"))


def _types(table: Table, columns: Sequence[str], extra: Mapping[str, TypeEngine[Any]]) -> list[str]:
    return [(extra[name] if name in extra else table.c[name].type).compile(dialect=_PG) for name in columns]


@lru_cache(maxsize=64)
def _source(dialect: str, table: Table, columns: tuple[str, ...], extra: tuple[tuple[str, Any], ...]) -> str:
    """The rows parameter as a table named r with these columns."""
    if dialect == "postgresql":
        typed = ", ".join(f"{name} {kind}" for name, kind in zip(columns, _types(table, columns, dict(extra)),
                                                                 strict=True))
        return f"jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({typed})"
    picked = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in columns)
    return f"(SELECT {picked} FROM json_each(:rows)) AS r"


@lru_cache(maxsize=64)
def insert_statement(dialect: str, table: Table, columns: tuple[str, ...], conflict: str | None = None,
                     returning: str | None = None, computed: tuple[tuple[str, str], ...] = (),
                     extra: tuple[tuple[str, Any], ...] = ()) -> TextClause:
    """INSERT INTO table (columns) SELECT … FROM the rows [ON CONFLICT (conflict) DO NOTHING] [RETURNING …].

    `computed` are (column, SQL expression over r) filled by the database (a code looked up as an
    id, say); `extra` types the row fields that are not columns of the table."""
    fields = tuple(dict.fromkeys([*columns, *(name for name, _ in extra)]))
    names = ", ".join([*columns, *(column for column, _ in computed)])
    picked = ", ".join([*(f"r.{column}" for column in columns), *(expression for _, expression in computed)])
    # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT, or it reads ON as a join.
    sql = f"INSERT INTO {table.name} ({names}) SELECT {picked} FROM {_source(dialect, table, fields, extra)} WHERE true"
    if conflict:
        sql += f" ON CONFLICT ({conflict}) DO NOTHING"
    if returning:
        sql += f" RETURNING {returning}"
    return text(sql)


@lru_cache(maxsize=64)
def update_statement(dialect: str, table: Table, key: str, columns: tuple[str, ...],
                     assignments: tuple[tuple[str, str], ...],
                     extra: tuple[tuple[str, Any], ...] = ()) -> TextClause:
    """UPDATE table SET column = expression … FROM the rows WHERE table.key = r.key.

    `assignments` are (column, SQL expression over r and the table); `extra` types the row fields
    that are not columns of the table."""
    sets = ", ".join(f"{column} = {expression}" for column, expression in assignments)
    source = _source(dialect, table, columns, extra)
    sql = f"UPDATE {table.name} SET {sets} FROM {source} WHERE {table.name}.{key} = r.{key}"
    if dialect == "postgresql":
        # The keys once more, as an array the primary key's index answers: PostgreSQL guesses 100
        # rows for a function and may otherwise hash them against the whole table (a seq scan of
        # every tube of the round for each group of scans).
        kind = _types(table, (key,), dict(extra))[0]
        sql += (f" AND {table.name}.{key} = ANY(ARRAY(SELECT CAST(e->>'{key}' AS {kind}) "
                f"FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e))")
    return text(sql)


@lru_cache(maxsize=128)
def _driver_sql(statement: ClauseElement, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
    """The SQL text in the driver's own parameter style, the order of positional parameters (or
    None), and the values of the statement's literals (which Core sends as parameters too)."""
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    literals = {name: value for name, value in compiled.params.items() if value is not None}
    return compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None, literals


def run(session: Session, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
    """Run a statement straight through the driver, compiled once per dialect; returns its result.

    For the busiest statements, whose parameters and results are plain text and numbers (JSON
    lists and rows above all): no bind or result processing, no per-call compilation lookup, no
    ORM bookkeeping. That is about half of what a statement costs this side through the Core
    execution path. Not for datetimes or JSON columns, which the types would convert."""
    connection = session.connection()
    sql, order, literals = _driver_sql(statement, connection.dialect)
    values = {**literals, **params}
    arguments: Any = tuple(values[name] for name in order) if order is not None else values
    return connection.exec_driver_sql(sql, arguments)


@dataclass(frozen=True)
class Part:
    """One statement of a write, its rows already made JSON (the `:rows` parameter)."""

    statement: TextClause
    rows: str


def insert_part(dialect: str, table: Table, rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
                conflict: str | None = None, returning: str | None = None,
                computed: Mapping[str, str] | None = None, extra: Mapping[str, TypeEngine[Any]] | None = None) -> Part:
    statement = insert_statement(dialect, table, tuple(columns), conflict, returning,
                                 tuple((computed or {}).items()), tuple((extra or {}).items()))
    return Part(statement, encode(rows, dialect))


def update_part(dialect: str, table: Table, key: str, rows: Sequence[Mapping[str, Any]],
                assignments: Mapping[str, str], *, extra: Mapping[str, TypeEngine[Any]] | None = None) -> Part:
    columns = tuple(dict.fromkeys([key, *(name for row in rows[:1] for name in row)]))
    statement = update_statement(dialect, table, key, columns, tuple(assignments.items()),
                                 tuple((extra or {}).items()))
    return Part(statement, encode(rows, dialect))


_ROWS = re.compile(r":rows\b")


@lru_cache(maxsize=64)
def together(statements: tuple[TextClause, ...]) -> TextClause:
    """PostgreSQL: the statements as one, the first ones as data-modifying WITH entries and the
    last one's result as the result; each reads its own rows parameter (rows_0, rows_1, …).

    They see one snapshot and none reads what another writes; foreign keys and triggers are
    checked as for the statements one by one."""
    texts = [_ROWS.sub(f":rows_{n}", statement.text) for n, statement in enumerate(statements)]
    entries = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(texts[:-1]))
    return text(f"WITH {entries} {texts[-1]}" if entries else texts[-1])


def write(session: Session, parts: Sequence[Part]) -> Any:
    """Run the parts in order, as one statement on PostgreSQL (one round trip instead of one a part),
    one by one on SQLite, which has no writes in WITH; returns the last part's result."""
    if session.get_bind().dialect.name == "postgresql":
        statement = together(tuple(part.statement for part in parts))
        return run(session, statement, {f"rows_{n}": part.rows for n, part in enumerate(parts)})
    result = None
    for part in parts:
        result = run(session, part.statement, {"rows": part.rows})
    return result


class InJson(ColumnElement[bool]):
    """`column IN (the values of a JSON array parameter)`: one text parameter whatever the number
    of values, so the statement's text (and its prepared plan) never changes, where an IN list of
    bound values is compiled and bound value by value."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy's own attribute, a list by its design)
        ("column", InternalTraversal.dp_clauseelement), ("param", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.param = bindparam(name, type_=String())
        self.type = Boolean()


@compiles(InJson)
def _in_json(element: InJson, compiler: Any, **kw: Any) -> str:
    column, param = compiler.process(element.column, **kw), compiler.process(element.param, **kw)
    return f"{column} IN (SELECT value FROM json_each({param}))"


@compiles(InJson, "postgresql")
def _in_json_pg(element: InJson, compiler: Any, **kw: Any) -> str:
    # = ANY(an array made once): the planner sees an array and reads the column's index; as a
    # semi-join on the function it guesses 100 rows and may scan the table.
    kind = element.column.type.compile(dialect=compiler.dialect)
    column, param = compiler.process(element.column, **kw), compiler.process(element.param, **kw)
    return (f"{column} = ANY(CAST(ARRAY(SELECT jsonb_array_elements_text(CAST({param} AS jsonb))) "
            f"AS {kind}[]))")


def in_json(column: ColumnElement[Any], name: str) -> InJson:
    """Use with `listed(values)` as the parameter `name`."""
    return InJson(column, name)


def listed(values: Iterable[Any]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


# --- many rows with their ids back ------------------------------------------------------------
# On PostgreSQL the rows go as one array per column through ``unnest``: a multi-row VALUES of
# thousands of rows spends more time in the driver's placeholder parsing than in the server.
# Elsewhere SQLAlchemy's own batched INSERT … RETURNING is used.


def insert_returning(session: Session, model: type[Any], rows: Sequence[dict[str, Any]],
                     returning: Sequence[str]) -> list[tuple[Any, ...]]:
    if not rows:
        return []
    table: Table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        return [tuple(row) for row in session.execute(insert(model).returning(*(table.c[n] for n in returning)), rows)]
    columns = list(rows[0])
    dialect = _PG
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
