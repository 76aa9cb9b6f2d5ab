"""Databases for bench/tracing.py: the demo county (built once, reused), copies cut to fewer
check-ins, and the same rows in DuckDB for the full-scan baseline."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.common import PG_ADMIN, fresh_database
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo import SIZES, DemoSpec, build
from fangyi.protocols.reader import current
from fangyi.registry.models import VENUE_KINDS

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
# On PostgreSQL, the venues' longest stays as the kept check-ins alone give them: the triggers only
# ever raise them, and a copy should bound its joins as a database of that size would.
RESTAY = "DELETE FROM venue_stays"
RESTAY_FILL = ("INSERT INTO venue_stays (venue_id, longest) SELECT venue_id, MAX(out_at - in_at) FROM checkins "
               "WHERE out_at IS NOT NULL GROUP BY venue_id")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def checkin_count(url: str) -> int:
    try:
        with engine_for(url).connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM checkins")) or 0)
    except Exception:  # no such database or table yet: build it
        return 0


def county(kind: str, size: str, workdir: Path, reuse: bool) -> str:
    """The demo county in a database of this kind, built unless --reuse finds it built."""
    name = f"fangyi_bench_{size}"
    url = f"sqlite:///{workdir / name}.db" if kind == "sqlite" else PG_URL.format(name=name)
    if reuse and (kind == "postgresql" or (workdir / f"{name}.db").exists()) and checkin_count(url):
        print(f"[{kind}] reusing {url}: {checkin_count(url):,} check-ins", flush=True)
        upgrade(url=url)  # a database built before the latest migrations gets them (indexes)
        return url
    url = fresh_database(kind, workdir, name)
    upgrade(url=url)
    started = time.perf_counter()
    from sqlalchemy.orm import Session

    with Session(engine_for(url)) as session:
        counts = build(session, DemoSpec(SIZES[size]))
        session.commit()
    print(f"[{kind}] demo {size}: {counts.get('checkins', 0):,} check-ins in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    analyze(url)
    return url


def analyze(url: str) -> None:
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database or "") as lite:
            lite.execute("ANALYZE")
        return
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def sampled(kind: str, url: str, tenths: int, workdir: Path) -> str:
    """A copy of the county keeping the check-ins of venues whose id ends in 0..tenths-1:
    every kept venue keeps its whole crowd, so cases of the same sizes still exist."""
    return cut(kind, url, f"venue_id % 10 < {tenths}", f"fangyi_bench_tracing_cut{tenths}", workdir)


def recent(kind: str, url: str, since: int, workdir: Path) -> str:
    """A copy of the county keeping only check-ins from `since` (epoch seconds) on: with `since`
    a day before the cases' windows open, the same cases have the same contacts."""
    return cut(kind, url, f"in_at >= {since}", "fangyi_bench_tracing_recent", workdir)


def cut(kind: str, url: str, keep: str, name: str, workdir: Path) -> str:
    """A copy of the county database keeping only the check-ins matching `keep`."""
    if kind == "sqlite":
        source = make_url(url).database or ""
        with sqlite3.connect(source) as lite:
            lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        lite = sqlite3.connect(target, isolation_level=None)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("BEGIN")
        lite.execute(f"CREATE TEMP TABLE kept AS SELECT * FROM checkins WHERE {keep}")
        lite.execute("DELETE FROM checkins")  # no WHERE: SQLite truncates instead of deleting row by row
        lite.execute("INSERT INTO checkins SELECT * FROM kept")
        lite.execute("COMMIT")
        lite.execute("ANALYZE")
        lite.close()
        return f"sqlite:///{target}"
    engine_for(url).dispose()  # the template must have no connections
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
    copy = PG_URL.format(name=name)
    with psycopg.connect(_dsn(copy)) as conn:
        conn.execute(f"CREATE TEMP TABLE kept AS SELECT * FROM checkins WHERE {keep}")
        conn.execute("TRUNCATE checkins")
        conn.execute("INSERT INTO checkins SELECT * FROM kept")
        conn.execute(RESTAY)
        conn.execute(RESTAY_FILL)
        conn.commit()
    analyze(copy)
    return copy


def _export(url: str, sql: str, path: Path) -> None:
    """Rows of a query as CSV with a header, by each database's own fast path."""
    if url.startswith("sqlite"):
        with path.open("w") as out:
            subprocess.run(["sqlite3", "-csv", "-header", make_url(url).database or "", sql], stdout=out, check=True)
        return
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cursor, path.open("wb") as out, \
            cursor.copy(statement) as copy:
        for block in copy:
            out.write(block)


def load_duckdb(url: str, workdir: Path) -> Any:
    """Every stay of the database in DuckDB, in memory, its end filled in as derivation does."""
    protocol = current()
    checkins, venues, persons = (workdir / f"tracing-{n}.csv" for n in ("checkins", "venues", "persons"))
    _export(url, "SELECT person_id, venue_id, in_at, out_at FROM checkins", checkins)
    _export(url, "SELECT id, kind, default_stay_minutes FROM venues", venues)
    _export(url, "SELECT id, household_id FROM persons WHERE merged_into_id IS NULL", persons)
    db = duckdb.connect()
    defaults = " ".join(f"WHEN '{k}' THEN {60 * protocol.contacts.stay_minutes(k)}" for k in VENUE_KINDS)
    db.execute(f"""CREATE TABLE v AS SELECT id, kind,
                   coalesce(60 * default_stay_minutes, CASE kind {defaults} END) AS dflt
                   FROM read_csv('{venues}', header = true,
                   columns = {{'id': 'BIGINT', 'kind': 'VARCHAR', 'default_stay_minutes': 'BIGINT'}})""")
    db.execute(f"""CREATE TABLE st AS SELECT c.person_id, c.venue_id, c.in_at,
                   coalesce(c.out_at, c.in_at + v.dflt) AS e, v.kind
                   FROM read_csv('{checkins}', header = true, columns = {{'person_id': 'BIGINT',
                   'venue_id': 'BIGINT', 'in_at': 'BIGINT', 'out_at': 'BIGINT'}}) c JOIN v ON v.id = c.venue_id""")
    db.execute(f"""CREATE TABLE persons AS SELECT * FROM read_csv('{persons}', header = true,
                   columns = {{'id': 'BIGINT', 'household_id': 'BIGINT'}})""")
    return db


def close_counts(db: Any, persons: list[int], start: int, end: int) -> dict[int, int]:
    """How many close contacts each of these persons would have as a case with this window."""
    db.execute("CREATE OR REPLACE TEMP TABLE cand AS SELECT unnest($1::BIGINT[]) AS pid", [persons])
    rows = db.execute(f"""
    WITH mine AS (
        SELECT st.person_id pid, venue_id, greatest(in_at, {start}) s, least(e, {end}) e FROM st
        JOIN cand ON cand.pid = st.person_id
        WHERE in_at <= {end} AND greatest(in_at, {start}) <= least(e, {end})),
    pairs AS (
        SELECT m.pid, o.person_id other FROM mine m JOIN st o ON o.venue_id = m.venue_id
        AND o.in_at <= m.e AND o.e >= m.s WHERE o.person_id <> m.pid
        UNION SELECT c.pid, h.id FROM cand c JOIN persons me ON me.id = c.pid
        JOIN persons h ON h.household_id = me.household_id AND h.id <> c.pid)
    SELECT pid, count(*) FROM pairs GROUP BY pid""").fetchall()
    return {int(pid): int(n) for pid, n in rows}


def baseline(db: Any, person_id: int, start: int, end: int, now: int, kinds: tuple[str, ...]) -> tuple[int, int, float]:
    """Close and secondary contacts of one case by scanning every stay: (close, secondary, seconds)."""
    quoted = ", ".join(f"'{kind}'" for kind in kinds)
    home = f"(SELECT household_id FROM persons WHERE id = {person_id})"
    sql = f"""
    WITH mine AS (
        SELECT venue_id, greatest(in_at, {start}) s, least(e, {end}) e FROM st
        WHERE person_id = {person_id} AND in_at <= {end} AND greatest(in_at, {start}) <= least(e, {end})),
    venue_close AS (
        SELECT o.person_id p, min(greatest(m.s, o.in_at)) f
        FROM mine m JOIN st o ON o.venue_id = m.venue_id AND o.in_at <= m.e AND o.e >= m.s
        WHERE o.person_id <> {person_id} GROUP BY o.person_id),
    home_close AS (
        SELECT id p, {start} f FROM persons WHERE household_id = {home} AND id <> {person_id}),
    close AS (SELECT p, min(f) f FROM (SELECT p, f FROM venue_close UNION ALL SELECT p, f FROM home_close) GROUP BY p),
    theirs AS (
        SELECT c.p cc, st.venue_id, greatest(st.in_at, c.f) s, least(st.e, {now}) e FROM close c
        JOIN st ON st.person_id = c.p WHERE st.kind IN ({quoted}) AND greatest(st.in_at, c.f) <= least(st.e, {now})),
    secondary AS (
        SELECT DISTINCT o.person_id p FROM theirs t JOIN st o ON o.venue_id = t.venue_id AND o.in_at <= t.e
        AND o.e >= t.s
        UNION SELECT pe.id FROM close c JOIN persons h ON h.id = c.p JOIN persons pe
        ON pe.household_id = h.household_id AND pe.id <> c.p)
    SELECT (SELECT count(*) FROM close),
           (SELECT count(*) FROM secondary WHERE p <> {person_id} AND p NOT IN (SELECT p FROM close))
    """
    started = time.perf_counter()
    close, secondary = db.execute(sql).fetchone()
    return int(close), int(secondary), time.perf_counter() - started
