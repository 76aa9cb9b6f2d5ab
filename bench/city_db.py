"""The database derivation beside the batch, on bench/city.py's synthetic city.

The city's generated rows (persons, households, venues, the log's check-ins) are loaded into a
fresh, migrated SQLite or PostgreSQL database of Fangyi's own schema (indexes and the triggers
keeping each venue's longest stay included, ANALYZEd), the batch's cases entered as case records
with the same windows, and `fangyi.tracing.derivation.derive` (what `fangyi trace` and a case's
entry run) timed case after case on one connection: the county's way of finding the same
contacts. Loading is not timed with the derivation (it is reported on its own line).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.common import database_size, fresh_database
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.registry.log import store

AREA = "310101001000"  # one area holds the synthetic city (jurisdiction plays no part in the timing)
CHUNK = 200_000


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _instant(kind: str) -> str:
    return "2022-03-01 00:00:00.000000" if kind == "sqlite" else "2022-03-01 00:00:00+00"


def _sources(folder: Path) -> dict[str, str]:
    """The generated rows as Fangyi's tables take them (DuckDB SELECTs over the city's files)."""
    log = store.read_sql(folder / "log")
    return {
        "households": f"""SELECT DISTINCT household_id AS id, 'H' || household_id AS code, '{AREA}' AS area_code
                          FROM read_parquet('{folder}/persons.parquet') WHERE household_id IS NOT NULL ORDER BY 1""",
        "persons": f"""SELECT id, id_number, 'other' AS doc_kind, 'P' || id AS name, '{AREA}' AS area_code,
                       household_id FROM read_parquet('{folder}/persons.parquet') ORDER BY id""",
        "venues": f"""SELECT id, code, code AS name, kind, '{AREA}' AS area_code
                      FROM read_parquet('{folder}/venues.parquet') ORDER BY id""",
        # A stay once, as the table keeps it (a log generated before bench/city.py kept each stay
        # once may hold a few exact repeats: the first check-out kept, as city.generate keeps it).
        "checkins": f"""SELECT person_id, venue_id, in_at, MIN(out_at) AS out_at FROM ({log})
                        GROUP BY person_id, venue_id, in_at ORDER BY venue_id, in_at""",
    }


def load(kind: str, folder: Path, workdir: Path, reuse: bool) -> tuple[str, float]:
    """The city in a database of this kind; (url, seconds the load took)."""
    size = folder.name.removeprefix("city-")
    name = f"fangyi_bench_city_{size}"
    url = f"sqlite:///{workdir / name}.db" if kind == "sqlite" else f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if reuse:
        try:
            with engine_for(url).connect() as conn:
                if int(conn.scalar(text("SELECT count(*) FROM checkins")) or 0):
                    return url, 0.0
        except Exception:  # not there yet: load it
            pass
    url = fresh_database(kind, workdir, name)
    upgrade(url=url)
    started = time.perf_counter()
    con = store.connect()
    sources = _sources(folder)
    columns = {"households": ("id", "code", "area_code"),
               "persons": ("id", "id_number", "doc_kind", "name", "area_code", "household_id"),
               "venues": ("id", "code", "name", "kind", "area_code"),
               "checkins": ("person_id", "venue_id", "in_at", "out_at")}
    stamped = {"households": (), "persons": ("created_at", "updated_at"), "venues": (), "checkins": ()}
    if kind == "sqlite":
        lite = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=OFF")
        lite.execute("BEGIN")
        lite.execute("INSERT INTO areas (code, name, level) VALUES (?, 'city', 'county')", (AREA,))
        for table, select in sources.items():
            names = (*columns[table], *stamped[table])
            marks = ", ".join("?" for _ in names)
            extra = tuple(_instant(kind) for _ in stamped[table])
            cursor = con.execute(select)
            while rows := cursor.fetchmany(CHUNK):
                lite.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                                 [(*row, *extra) for row in rows])
        lite.execute("COMMIT")
        lite.execute("ANALYZE")
        lite.close()
    else:
        with psycopg.connect(_dsn(url)) as conn:
            conn.execute("INSERT INTO areas (code, name, level) VALUES (%s, 'city', 'county')", (AREA,))
            for table, select in sources.items():
                names = (*columns[table], *stamped[table])
                stamps = "".join(f", '{_instant(kind)}' AS {c}" for c in stamped[table])
                with tempfile.NamedTemporaryFile(suffix=".csv", dir=workdir) as fh:
                    con.execute(f"COPY (SELECT *{stamps} FROM ({select})) TO '{fh.name}' (FORMAT csv, HEADER false)")
                    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
                    with conn.cursor() as cursor, cursor.copy(statement) as copy, open(fh.name, "rb") as source:
                        while block := source.read(1 << 20):
                            copy.write(block)
            for table in ("households", "persons", "venues", "checkins"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}))")
            conn.commit()
        with psycopg.connect(_dsn(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    con.close()
    return url, time.perf_counter() - started


def derive_cases(url: str, cases_parquet: Path) -> dict[str, Any]:
    """Enter the batch's cases (the same persons and windows) and derive each, one after another,
    timing the derivations only; the counts of close and secondary contacts, to set beside the
    batch's. The cases are deleted at the end: the database stays as loaded."""
    from fangyi.config import get_settings
    from fangyi.protocols.reader import current
    from fangyi.tracing.derivation import derive, exposure_window
    from fangyi.tracing.models import Case

    protocol, tz = current(), get_settings().tz
    con = store.connect()
    rows = con.execute(f"SELECT case_no, person_id, s, e, now_at FROM read_parquet('{cases_parquet}') "
                       "ORDER BY case_id").fetchall()
    con.close()
    lookback = timedelta(days=protocol.contacts.lookback_days)
    engine = engine_for(url)
    seconds, close, secondary, per_case = 0.0, 0, 0, []
    with Session(engine) as session:
        cases = []
        for case_no, person_id, s, e, _ in rows:
            onset = (datetime.fromtimestamp(s, tz) + lookback).date()
            confirmed = datetime.fromtimestamp(e, UTC)
            case = Case(case_no=case_no, person_id=person_id, classification="confirmed", onset_date=onset,
                        sampled_at=confirmed - timedelta(hours=12), confirmed_at=confirmed, source="local")
            session.add(case)
            cases.append(case)
        session.commit()
        try:
            for case, row in zip(cases, rows, strict=True):  # the batch's windows, to the second
                assert exposure_window(case, protocol, tz) == (int(row[2]), int(row[3])), case.case_no
            for case, row in zip(cases, rows, strict=True):
                started = time.perf_counter()
                derived = derive(session, case, protocol, tz, int(row[4]), {})
                took = time.perf_counter() - started
                seconds += took
                per_case.append(took)
                close += len(derived.close)
                secondary += derived.secondary
                # Each case its own transaction, as a case's entry or `fangyi trace` is: the scratch
                # tables are emptied at commit (on PostgreSQL by ON COMMIT DELETE ROWS, which leaves
                # no dead rows behind; one transaction for all would pile them up case after case).
                session.commit()
        finally:
            session.rollback()
            session.execute(delete(Case).where(Case.id.in_([case.id for case in cases])))
            session.commit()
    engine.dispose()
    per_case.sort()
    return {"seconds": seconds, "close": close, "secondary": secondary, "contacts": close + secondary,
            "p50_ms": 1000 * per_case[len(per_case) // 2] if per_case else 0.0, "bytes": database_size(url)}
