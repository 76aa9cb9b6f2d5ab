"""The one function where DuckDB's SQL and Spark's differ gives the same values on both."""

from __future__ import annotations

import json

import pytest

from fangyi.registry.log import store
from fangyi.tracing.batch.dialect import sql

ROWS = "SELECT * FROM (VALUES ('b', 2, 'x\"y'), ('a', 1, '店'), ('c', 2, 'v')) AS t(txt, k, code)"


PAIRS = ("'kind'", "'venue'", "'venue_code'", "code", "'from'", "k")


def _queries(dialect: str) -> list[str]:
    return [
        f"SELECT {sql(dialect, 'json_object', *PAIRS)} AS j FROM ({ROWS}) r ORDER BY txt",
        f"SELECT {sql(dialect, 'ordered_join', 'txt', keys=('k', 'code'))} AS j FROM ({ROWS}) r",
        f"SELECT {sql(dialect, 'local_time', 'CAST(1648310400 AS BIGINT)', repr('Asia/Shanghai'))} AS j",
    ]


EXPECTED = [
    [{"kind": "venue", "venue_code": "店", "from": 1}, {"kind": "venue", "venue_code": 'x"y', "from": 2},
     {"kind": "venue", "venue_code": "v", "from": 2}],
    "a, c, b",  # by k, then by code: 'v' < 'x"y'
    "2022-03-27T00:00:00",  # 2022-03-26 16:00 UTC, at midnight in Shanghai
]


def _check(answers: list[list[str]]) -> None:
    objects, joined, moment = answers
    assert [json.loads(text) for text in objects] == EXPECTED[0]
    assert joined == [EXPECTED[1]] and moment == [EXPECTED[2]]


def test_duckdb_dialect():
    con = store.connect()
    _check([[row[0] for row in con.execute(query).fetchall()] for query in _queries("duckdb")])


def test_spark_dialect_gives_the_same(spark):
    answers = [[row[0] for row in spark.sql(query).collect()] for query in _queries("spark")]
    _check(answers)
    con = store.connect()
    assert answers == [[row[0] for row in con.execute(query).fetchall()] for query in _queries("duckdb")]


def test_an_unknown_text_is_refused():
    with pytest.raises(ValueError):
        sql("duckdb", "median", "x")
