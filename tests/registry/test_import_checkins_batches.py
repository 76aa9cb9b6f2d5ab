"""Check-ins in committed batches: repeated rows looked up through the unique key, strict loads
nothing from a file with a bad row anywhere, and the web writes while a large import runs."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.imports.service import run_import
from fangyi.registry.imports.load import DIFFERENT_OUT, Checkins
from fangyi.registry.imports.writer import (
    CONFLICTING,
    CREATE_FIRST_OUT,
    CREATE_STAGE,
    DIFFERING,
    LEFT_ALONE,
    WRITE_STAGED,
)
from fangyi.registry.models import Area, Checkin
from tests.conftest import Cast, add_areas
from tests.registry.data.make import add_people, add_venues, csv_bytes, id_number

HEADER = ("id_number", "venue_code", "checked_in_at", "checked_out_at")
START = datetime(2022, 3, 27, 8, 0)
VENUES = ("V-SJ-1", "V-CG-1")


def stay(n: int, people: int) -> list[str]:
    """The n-th distinct stay: person, venue and minute from n; half of them closed after 30 minutes."""
    came = START + timedelta(minutes=n // (2 * people))
    left = (came + timedelta(minutes=30)).isoformat(sep=" ") if n % 2 else ""
    return [id_number(n % people), VENUES[(n // people) % 2], came.isoformat(), left]


def plans(session: Session, statement: str) -> str:
    """The plan the database chooses for the statement, as one text."""
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {statement}")).all()
        return "\n".join(row[3] for row in rows)
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {statement}")))


def test_a_batch_that_wrote_fewer_rows_seeks_its_stays_by_the_unique_key(db: Session, cast: Cast) -> None:
    people = add_people(db, 40)
    venues = add_venues(db)
    # Enough stays that a scan would cost more than a seek, and the statistics to say so.
    db.execute(Checkin.__table__.insert(), [
        {"person_id": person.id, "venue_id": venue.id, "in_at": 1_648_000_000 + 60 * minute, "out_at": None}
        for person in people for venue in venues for minute in range(60)
    ])
    db.execute(text("ANALYZE"))
    db.execute(text(CREATE_STAGE))
    db.execute(text(CREATE_FIRST_OUT))
    sqlite = db.get_bind().dialect.name == "sqlite"
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    for statement in (DIFFERING, CONFLICTING):
        plan = plans(db, statement.format(differs=differs))
        if sqlite:
            assert "SEARCH c USING INDEX sqlite_autoindex_checkins_1 (person_id=? AND venue_id=? AND in_at=?)" in plan
            assert "SCAN c" not in plan, plan
        else:
            assert "Index Scan using uq_checkins_stay on checkins c" in plan, plan
            assert "Seq Scan on checkins" not in plan, plan
    if not sqlite:
        # The batch's write: the stays it left alone are sought, never the table scanned.
        plan = plans(db, WRITE_STAGED.replace("%s", "1"))
        assert "Seq Scan on checkins" not in plan, plan
        plan = plans(db, LEFT_ALONE.replace("%s", "ARRAY[1, 2]::bigint[]"))
        assert "Index Scan using uq_checkins_stay on checkins c" in plan, plan
        assert "Seq Scan on checkins" not in plan, plan


def test_identical_repeated_rows_load_once_whichever_batch_they_fall_in(
    db: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Checkins, "batch_size", 50)
    add_people(db, 20)
    add_venues(db)
    unique = [stay(n, 20) for n in range(400)]
    # Every seventh stay again, identically: some in the same batch, some batches later.
    rows = [row for n, row in enumerate(unique) for _ in range(1 + (n % 7 == 0))]
    rows += unique[:30]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    repeats = len(rows) - len(unique)
    assert (report.status, report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (
        "done", len(unique), repeats, 0)
    assert db.scalar(select(func.count()).select_from(Checkin)) == len(unique)

    # The same file again: every row the same stay as stored.
    again = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, len(rows), 0)


def test_strict_loads_nothing_from_a_file_whose_last_row_is_bad(
    db: Session, cast: Cast, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Checkins, "batch_size", 50)
    add_people(db, 20)
    add_venues(db)
    rows = [stay(n, 20) for n in range(300)]
    bad = [*rows, [id_number(1), "V-SJ-1", "27/03/2022 08:00", ""]]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, bad)), filename="c.csv", strict=True)
    assert (report.status, report.rows_loaded, report.rows_rejected) == ("rejected", 0, 1)
    assert [(p.line, p.column) for p in report.problems] == [(len(bad) + 1, "checked_in_at")]
    assert db.scalar(select(func.count()).select_from(Checkin)) == 0

    # A stay closed at one time early in the file and at another five batches on: refused too.
    late = [*rows, [*rows[1][:3], (START + timedelta(minutes=45)).isoformat()]]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, late)), filename="c.csv", strict=True)
    assert report.status == "rejected"
    assert [(p.line, p.reason) for p in report.problems] == [(len(late) + 1, DIFFERENT_OUT)]
    assert db.scalar(select(func.count()).select_from(Checkin)) == 0

    # Without the bad rows, strict loads every row.
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv", strict=True)
    assert (report.status, report.rows_loaded, report.rows_total) == ("done", len(rows), len(rows))
    assert db.scalar(select(func.count()).select_from(Checkin)) == len(rows)


def test_strict_refuses_a_check_out_that_differs_from_the_stored_one(db: Session, cast: Cast) -> None:
    add_people(db, 3)
    add_venues(db)
    stored = [[id_number(0), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T13:00"]]
    assert run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, stored)), filename="c.csv").rows_loaded == 1
    later = [[id_number(1), "V-SJ-1", "2022-03-27T12:05", ""],
             [id_number(0), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T14:00"]]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, later)), filename="c.csv", strict=True)
    assert report.status == "rejected" and [p.line for p in report.problems] == [3]
    assert db.scalar(select(func.count()).select_from(Checkin)) == 1


@pytest.fixture
def county_file(tmp_path: Path) -> Iterator[str]:
    """An SQLite database of its own, committed to (the writer below needs to see the import's
    batches committed, which a test's rolled-back transaction never does)."""
    url = f"sqlite:///{tmp_path / 'county.db'}"
    upgrade(url=url)
    yield url
    engine_for(url).dispose()


def test_the_web_writes_while_a_large_import_runs(
    county_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Checkins, "commit_seconds", 0.5)
    people = 2000
    with Session(engine_for(county_file)) as session:
        add_areas(session)
        add_people(session, people)
        add_venues(session)
        session.commit()
    count = 200_000
    path = tmp_path / "checkins.csv"
    path.write_bytes(csv_bytes(HEADER, [stay(n, people) for n in range(count)]))

    # A web process's writer: its own engine, and a busy timeout of 2 s instead of 30, so that
    # an import holding the write lock for longer makes it fail.
    web: Engine = create_engine(county_file, connect_args={"timeout": 2})
    done = threading.Event()
    written: list[float] = []
    failed: list[BaseException] = []

    def writer() -> None:
        n = 0
        while not done.is_set():
            try:
                with Session(web) as session:
                    session.add(Area(code=f"430424999{n:03d}", name=f"新村{n}", level="village",
                                     parent_code="430424101000"))
                    session.commit()
                written.append(time.monotonic())
                n += 1
            except BaseException as exc:  # what the web would have answered with a 500
                failed.append(exc)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=writer)
    with Session(engine_for(county_file), expire_on_commit=False) as session:
        thread.start()
        report = run_import(session, SYSTEM, "checkins", path)
        session.commit()
        finished = time.monotonic()
    done.set()
    thread.join()
    web.dispose()
    assert failed == []
    assert (report.status, report.rows_loaded) == ("done", count)
    during = [moment for moment in written if moment < finished]
    # Held whole, the import would let at most one write in, as it ended.
    assert len(during) >= 3, f"only {len(during)} writes went in while the import ran"


def test_a_batch_the_database_refuses_fails_the_run_and_keeps_what_was_committed(
    committed_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The writer process's error reaches the report in the database's words; the batches committed
    before it stay, and a run again once the database takes them loads the rest, once."""
    monkeypatch.setattr(Checkins, "batch_size", 500)
    monkeypatch.setattr(Checkins, "commit_seconds", 0.0)  # every batch committed
    people = 50
    engine = engine_for(committed_db)
    with Session(engine) as session:
        add_areas(session)
        refused = add_people(session, people)[-1]  # the database turns this person's stays away
        add_venues(session)
        session.commit()
        refused_id = refused.id
    rows = [stay(n, people) for n in range(3000)]
    path = tmp_path / "checkins.csv"
    path.write_bytes(csv_bytes(HEADER, sorted(rows, key=lambda row: row[0] == id_number(people - 1))))
    sqlite = committed_db.startswith("sqlite")
    guard = (
        [f"CREATE TRIGGER turn_away BEFORE INSERT ON checkins WHEN NEW.person_id = {refused_id} "
         "BEGIN SELECT RAISE(ABORT, 'this stay is turned away'); END"]
        if sqlite else
        ["CREATE FUNCTION turn_away() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
         f"IF NEW.person_id = {refused_id} THEN RAISE EXCEPTION 'this stay is turned away'; END IF; "
         "RETURN NEW; END $$",
         "CREATE TRIGGER turn_away BEFORE INSERT ON checkins FOR EACH ROW EXECUTE FUNCTION turn_away()"])
    with engine.begin() as conn:
        for statement in guard:
            conn.execute(text(statement))
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = run_import(session, SYSTEM, "checkins", path)
            session.commit()
        assert report.status == "failed"
        assert report.message is not None and "this stay is turned away" in report.message
        assert "a run again loads the rest" in report.message
        stored = _count_stays(engine)
        assert 0 < stored < len(rows)  # the batches before the refused one stay
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER turn_away" if sqlite else "DROP TRIGGER turn_away ON checkins"))
            if not sqlite:
                conn.execute(text("DROP FUNCTION turn_away()"))
    with Session(engine, expire_on_commit=False) as session:
        again = run_import(session, SYSTEM, "checkins", path)
        session.commit()
    assert (again.status, again.rows_loaded + again.rows_unchanged) == ("done", len(rows))
    assert again.rows_unchanged == stored
    assert _count_stays(engine) == len(rows)
    engine.dispose()


def _count_stays(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Checkin)) or 0)
