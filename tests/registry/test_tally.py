"""The registry's incremental counts (check-ins, persons): whatever is written, merged, rolled back
or emptied, the report's totals equal a count of every row."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.identity import make_id_number
from fangyi.registry import tally
from fangyi.registry.figures import figures
from fangyi.registry.models import Checkin, Person, Venue
from tests.conftest import SHIJIN, add_areas

DAY = date(2022, 4, 1)
STAY = 1648353900


@pytest.fixture
def small_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anchors a few rows behind the newest, so that a handful of rows moves them."""
    monkeypatch.setattr(tally, "SLACK", 2)
    tally.forget()
    yield
    tally.forget()


def _person(session: Session, n: int) -> Person:
    person = Person(id_number=make_id_number("430424", date(1980, 1, 1 + n % 28), n, "M"), doc_kind="resident",
                    name=f"谭{n}", area_code=SHIJIN)
    session.add(person)
    session.flush()
    return person


def _stays(session: Session, venue: Venue, person: Person, count: int, start: int) -> None:
    session.add_all([Checkin(person_id=person.id, venue_id=venue.id, in_at=STAY + 60 * (start + k))
                     for k in range(count)])
    session.flush()


def _truth(session: Session) -> tuple[int, int]:
    return (int(session.scalar(select(func.count()).select_from(Checkin)) or 0),
            int(session.scalar(select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None)))
                or 0))


def _report(session: Session) -> tuple[int, int]:
    found = figures(session, DAY, SYSTEM)
    return found["checkins"], found["persons"]


# Each step: write n stays (kept), write n and roll them back, mark a person merged.
STEPS = st.lists(st.tuples(st.sampled_from(("keep", "roll_back", "merge")), st.integers(1, 9)),
                 min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_totals_follow_every_write_and_rollback(db: Session, small_slack: None, steps) -> None:
    outer = db.begin_nested()  # each example starts from the same registry
    try:
        add_areas(db)
        venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
        db.add(venue)
        db.flush()
        people = [_person(db, 0)]
        written = 0
        for action, n in steps:
            if action == "keep":
                _stays(db, venue, people[-1], n, written)
                written += n
            elif action == "roll_back":
                inner = db.begin_nested()
                _stays(db, venue, people[-1], n, written + 1000)
                people.append(_person(db, len(people) + 500))
                assert _report(db) == _truth(db)  # counted with the rows, then they are gone
                inner.rollback()
                people.pop()
            else:
                people.append(_person(db, len(people)))
                people[0].merged_into_id = people[-1].id
                db.flush()
            assert _report(db) == _truth(db)
    finally:
        outer.rollback()


def test_an_emptied_table_is_counted_afresh(db: Session, small_slack: None) -> None:
    add_areas(db)
    venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
    db.add(venue)
    db.flush()
    person = _person(db, 1)
    _stays(db, venue, person, 12, 0)
    assert _report(db)[0] == 12
    db.execute(delete(Checkin))  # a restored backup, a test's truncation: the anchor row is gone
    _stays(db, venue, person, 3, 100)
    assert _report(db)[0] == 3


def test_a_reader_just_started_counts_what_is_committed_while_writers_run(
        committed_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers commit and roll back check-ins in parallel while readers, each as a process just
    started (nothing kept in memory), ask the registry's totals: every answer equals a count of every
    row in the reader's own snapshot, and the last one the rows written."""
    import threading

    from sqlalchemy import text

    from fangyi.db.session import engine_for

    monkeypatch.setattr(tally, "SLACK", 3)  # the anchor moves (SQLite) and the parts fold (PostgreSQL)
    monkeypatch.setattr(tally, "FOLD", 2)  # while the writers run
    engine = engine_for(committed_db)
    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as session:
        add_areas(session)
        venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
        session.add(venue)
        session.flush()
        people = [_person(session, n) for n in range(4)]
        session.commit()
        venue_id, person_ids = venue.id, [p.id for p in people]
    kept: list[int] = []
    wrong: list[tuple[int, int]] = []
    failures: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for step in range(12):
                with Session(engine) as session:
                    session.add_all([Checkin(person_id=person_ids[k], venue_id=venue_id,
                                             in_at=STAY + 60 * (100 * step + j)) for j in range(1 + step % 4)])
                    session.flush()
                    if step % 3 == 2:
                        session.rollback()
                    else:
                        session.commit()
                        kept.append(1 + step % 4)
        except BaseException as exc:
            failures.append(exc)

    def reader() -> None:
        try:
            for _ in range(15):
                with Session(engine) as session:
                    if postgres:  # one snapshot for the tally and the count to compare with
                        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                    counted = tally.rows(session, Checkin, (Checkin.person_id, Checkin.venue_id, Checkin.in_at))
                    truth = int(session.scalar(select(func.count()).select_from(Checkin)) or 0)
                    if counted != truth:
                        wrong.append((counted, truth))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert wrong == []
    with Session(engine) as session:
        assert _report(session)[0] == sum(kept) == _truth(session)[0]
    engine.dispose()


# On committed rows (the `db` fixture holds a write transaction open on SQLite, so a reader there
# can never move the anchor): the anchor is set, moved, and checked against its mark.
def _committed_report(engine) -> tuple[tuple[int, int], tuple[int, int]]:
    with Session(engine) as session:
        return _report(session), _truth(session)


def _anchors(engine) -> list[tuple[int, int | None]]:
    from fangyi.registry.models import RowCount

    with Session(engine) as session:
        return [tuple(row) for row in session.execute(select(RowCount.n, RowCount.anchor)
                                                      .where(RowCount.name == "checkins"))]


def _newest(engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.max(Checkin.id))) or 0)


def _setup_committed(committed_db: str):
    from fangyi.db.session import engine_for

    engine = engine_for(committed_db)
    with Session(engine) as session:
        add_areas(session)
        venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
        session.add(venue)
        session.flush()
        person = _person(session, 1)
        session.commit()
        return engine, venue.id, person.id


def _commit_stays(engine, venue_id: int, person_id: int, count: int, start: int, *, keep: bool = True) -> None:
    with Session(engine) as session:
        session.add_all([Checkin(person_id=person_id, venue_id=venue_id, in_at=STAY + 60 * (start + k))
                         for k in range(count)])
        session.flush()
        session.commit() if keep else session.rollback()


def test_a_committed_table_emptied_after_its_anchor_was_set_is_counted_afresh(
        committed_db: str, small_slack: None) -> None:
    engine, venue_id, person_id = _setup_committed(committed_db)
    sqlite = engine.dialect.name == "sqlite"
    _commit_stays(engine, venue_id, person_id, 12, 0)
    report, truth = _committed_report(engine)
    assert report == truth and report[0] == 12
    kept = _anchors(engine)
    assert kept, "the count is kept in row_counts"
    if sqlite:
        assert kept == [(12, _newest(engine))]  # the reader anchored the count at the newest row
    with Session(engine) as session:
        session.execute(delete(Checkin))  # a restored backup, an operator's truncation: the anchor row is gone
        session.commit()
    _commit_stays(engine, venue_id, person_id, 3, 100)
    report, truth = _committed_report(engine)
    assert report == truth and report[0] == 3
    assert _committed_report(engine) == (truth, truth)  # and again, from the anchor moved afresh
    engine.dispose()


def test_a_committed_anchor_survives_rolled_back_ids_taken_again(committed_db: str, small_slack: None) -> None:
    engine, venue_id, person_id = _setup_committed(committed_db)
    sqlite = engine.dialect.name == "sqlite"
    _commit_stays(engine, venue_id, person_id, 5, 0)
    assert _committed_report(engine)[0][0] == 5
    assert _anchors(engine)
    if sqlite:
        assert _anchors(engine) == [(5, _newest(engine))]
    # Rolled back: their ids are handed out again, to other rows.
    _commit_stays(engine, venue_id, person_id, 4, 1000, keep=False)
    _commit_stays(engine, venue_id, person_id, 3, 2000)
    report, truth = _committed_report(engine)
    assert report == truth and report[0] == 8
    if sqlite:  # 3 rows above the anchor, more than SLACK: it moved to the newest
        assert _anchors(engine) == [(8, _newest(engine))]
    # The anchor row itself gone and its id taken by another row: told apart by its mark.
    with Session(engine) as session:
        session.execute(delete(Checkin).where(Checkin.id == _newest(engine)))
        session.commit()
    _commit_stays(engine, venue_id, person_id, 1, 3000)
    report, truth = _committed_report(engine)
    assert report == truth and report[0] == 8
    _commit_stays(engine, venue_id, person_id, 2, 4000)
    report, truth = _committed_report(engine)
    assert report == truth and report[0] == 10
    engine.dispose()


def test_a_reader_folds_without_a_second_connection_from_a_full_pool(
        committed_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: the reader that folds the count's parts holds a connection of the pool already;
    with every other one taken it still answers at once (the fold has a connection of its own)."""
    import time

    from sqlalchemy import create_engine

    from fangyi.registry.models import RowCount

    engine, venue_id, person_id = _setup_committed(committed_db)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps one row per count: nothing to fold")
    for start in range(0, 40, 10):  # four committed statements: four parts
        _commit_stays(engine, venue_id, person_id, 10, start)
    monkeypatch.setattr(tally, "FOLD", 2)
    tiny = create_engine(engine.url, pool_size=1, max_overflow=0, pool_timeout=3)
    try:
        with Session(tiny) as session:
            began = time.monotonic()
            assert _report(session) == _truth(session) and _report(session)[0] == 40
            assert time.monotonic() - began < 2  # never waited out the pool's 3 s
        with Session(tiny) as session:
            parts = session.scalars(select(RowCount.n).where(RowCount.name == "checkins")).all()
            assert len(parts) == 1 and sum(parts) == 40  # folded into one
    finally:
        tiny.dispose()
        engine.dispose()


def test_the_kept_counts_hold_no_identity_number(committed_db: str, small_slack: None) -> None:
    """SQLite's anchor is told from a row that took its id by the row's key, kept as a digest: the
    persons' key is an identity number, which the table of counts never holds."""
    from fangyi.registry.models import RowCount

    engine, _, _ = _setup_committed(committed_db)
    with Session(engine) as session:
        for n in range(2, 6):
            _person(session, n)
        session.commit()
        numbers = set(session.scalars(select(Person.id_number)))
    assert _committed_report(engine)[0][1] == 5
    with Session(engine) as session:
        kept = session.execute(select(RowCount.name, RowCount.mark)).all()
        newest = session.scalars(select(Person).order_by(Person.id.desc())).first()
        assert newest is not None
        if engine.dialect.name == "sqlite":
            assert ("persons", tally.digest([newest.id_number])) in kept
    assert not any(number in str(mark) for _, mark in kept for number in numbers)
    assert _committed_report(engine)[0][1] == 5  # counted from the anchor, told by its digest
    engine.dispose()
