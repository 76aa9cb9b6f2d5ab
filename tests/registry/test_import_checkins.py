"""Check-ins: any mix of good and bad rows stores exactly the good ones; Excel times; progress."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.identity import mask_id_number
from fangyi.imports.service import run_import
from fangyi.registry.fields import parse_time
from fangyi.registry.imports.load import _epoch
from fangyi.registry.models import Checkin, Person, Venue
from fangyi.registry.persons import FieldError
from tests.conftest import Cast
from tests.registry.data.make import add_people, add_venues, csv_bytes, id_number, xlsx

HEADER = ("id_number", "venue_code", "checked_in_at", "checked_out_at")
START = datetime(2022, 3, 27, 8, 0)

good_row = st.tuples(
    st.sampled_from(["good"]),
    st.integers(0, 3),  # person
    st.sampled_from(["V-SJ-1", "V-CG-1"]),
    st.integers(0, 20),  # minutes after START: small, so that repeats happen
    st.one_of(st.none(), st.integers(0, 120)),  # stay minutes
)
bad_row = st.tuples(
    st.sampled_from(["no-person", "no-venue", "bad-time", "out-before-in", "bad-checksum", "empty-id",
                     "too-early"]),
    st.integers(0, 3),
    st.sampled_from(["V-SJ-1", "V-CG-1"]),
    st.integers(0, 20),
    st.one_of(st.none(), st.integers(1, 120)),
)


def _cells(kind: str, person: int, venue: str, minute: int, stay: int | None) -> list[object]:
    came = START + timedelta(minutes=minute)
    left = "" if stay is None else (came + timedelta(minutes=stay)).isoformat()
    number = id_number(person)
    if kind == "no-person":
        number = id_number(400 + person)
    elif kind == "no-venue":
        venue = "V-NONE"
    elif kind == "bad-time":
        return [number, venue, came.strftime("%d/%m/%Y %H:%M"), left]
    elif kind == "out-before-in":
        left = (came - timedelta(minutes=stay or 1)).isoformat()
    elif kind == "bad-checksum":
        number = number[:-1] + ("1" if number[-1] == "0" else "0")
    elif kind == "empty-id":
        number = " "
    elif kind == "too-early":
        return [number, venue, came.replace(year=1999).isoformat(), ""]
    return [number, venue, came.isoformat(), left]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(good_row, bad_row), max_size=25))
def test_any_mix_of_rows_stores_exactly_the_good_ones(db: Session, cast: Cast, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    savepoint = db.begin_nested()
    try:
        people = add_people(db, 4)
        venues = {venue.code: venue.id for venue in add_venues(db)}
        data = csv_bytes(HEADER, [_cells(*row) for row in rows])
        report = run_import(db, SYSTEM, "checkins", io.BytesIO(data), filename="c.csv")
        tz = ZoneInfo("Asia/Shanghai")
        expected = {
            (people[person].id, venues[venue], int((START + timedelta(minutes=minute)).replace(tzinfo=tz).timestamp()))
            for kind, person, venue, minute, _ in rows
            if kind == "good"
        }
        # A stay takes the first check-out the file gives it; a later row giving another is refused.
        first_out: dict[tuple[int, str, int], int] = {}
        bad_lines = []
        for line, (kind, person, venue, minute, stay) in enumerate(rows, start=2):
            if kind != "good":
                bad_lines.append(line)
            elif stay is not None and first_out.setdefault((person, venue, minute), stay) != stay:
                bad_lines.append(line)  # only a good row gives its stay a check-out
        stored = {tuple(row) for row in db.execute(select(Checkin.person_id, Checkin.venue_id, Checkin.in_at))}
        assert stored == expected
        assert report.rows_total == len(rows)
        assert report.rows_loaded + report.rows_unchanged + report.rows_rejected == report.rows_total
        assert report.rows_loaded == len(expected)
        assert [p.line for p in report.problems] == bad_lines
        assert report.exit_code == (3 if bad_lines else 0)
    finally:
        savepoint.rollback()


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    zone=st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"]),
    aware=st.booleans(),
)
def test_the_short_path_reads_times_as_the_field_rules_do(moment: datetime, zone: str, aware: bool) -> None:
    tz = ZoneInfo(zone)
    text = (moment.replace(tzinfo=UTC).astimezone(tz) if aware else moment).isoformat()
    try:
        expected = parse_time({"t": text}, "t", tz)
    except FieldError:
        expected = None  # refused by the field rule: the short path must refuse it too
    assert _epoch(text, tz) == expected


def test_xlsx_checkins_with_excel_date_cells(db: Session, cast: Cast, tmp_path: Path) -> None:
    people = add_people(db, 2)
    add_venues(db)
    rows: list[list[object]] = [
        list(HEADER),
        [id_number(0), "V-SJ-1", datetime(2022, 3, 27, 12, 5), datetime(2022, 3, 27, 13, 10)],
        [id_number(1), "V-SJ-1", "2022-03-27T12:30:00+08:00", None],
    ]
    report = run_import(db, SYSTEM, "checkins", xlsx(tmp_path / "c.xlsx", rows))
    assert report.status == "done", report.problems
    noon = int(datetime(2022, 3, 27, 4, 5, tzinfo=UTC).timestamp())
    assert db.execute(select(Checkin.person_id, Checkin.in_at, Checkin.out_at).order_by(Checkin.in_at)).all() == [
        (people[0].id, noon, noon + 65 * 60), (people[1].id, noon + 25 * 60, None)]


def test_progress_is_told_the_bytes_read(db: Session, cast: Cast) -> None:
    add_people(db, 1)
    add_venues(db)
    rows = [[id_number(0), "V-SJ-1", (START + timedelta(minutes=i)).isoformat(), ""] for i in range(12000)]
    data = csv_bytes(HEADER, rows)
    seen: list[int] = []
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(data), filename="c.csv", progress=seen.append)
    assert report.rows_loaded == 12000
    assert seen == sorted(seen) and seen[-1] == len(data) and len(seen) >= 3


def test_checkins_reference_the_registry_only(db: Session, cast: Cast) -> None:
    """A file naming people and venues the registry lacks writes nothing at all."""
    rows = [[id_number(0), "V-SJ-1", "2022-03-27T12:05", ""]]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    assert (report.status, report.rows_rejected) == ("partial", 1)
    assert db.scalar(select(Checkin.id)) is None
    assert db.scalar(select(Person.id)) is None and db.scalar(select(Venue.id)) is None


def test_problems_are_all_counted_but_stored_up_to_the_cap(db: Session, cast: Cast) -> None:
    from sqlalchemy import func

    from fangyi.imports.models import ImportProblem
    from fangyi.imports.service import MAX_PROBLEMS

    add_people(db, 1)
    rows = [[id_number(0), "V-NONE", (START + timedelta(seconds=i)).isoformat(), ""] for i in range(MAX_PROBLEMS + 5)]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    assert report.rows_rejected == MAX_PROBLEMS + 5 and len(report.problems) == MAX_PROBLEMS
    of_run = ImportProblem.import_id == report.import_id
    stored = db.scalar(select(func.count()).select_from(ImportProblem).where(of_run))
    assert stored == MAX_PROBLEMS


def test_a_tracer_loads_stays_only_of_persons_in_their_jurisdiction(db: Session, cast: Cast) -> None:
    from tests.registry.data.make import CHENGGUAN, SHITAN

    tracer = cast["tracer"]
    tracer.area_code = SHITAN
    inside, folded_out = add_people(db, 2)
    elsewhere = Person(id_number=id_number(7), doc_kind="resident", name="城关人", sex="M",
                       birth_date=datetime(1960, 1, 1).date(), area_code=CHENGGUAN)
    db.add(elsewhere)
    db.flush()
    folded_out.merged_into_id = elsewhere.id  # the stay would go to the survivor, outside
    add_venues(db)
    db.flush()
    rows = [[id_number(i), "V-SJ-1", "2022-03-27T12:05", ""] for i in (0, 1, 7)]
    report = run_import(db, tracer, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    assert (report.rows_loaded, report.rows_rejected) == (1, 2)
    assert [(p.line, p.column) for p in report.problems] == [(3, "id_number"), (4, "id_number")]
    for problem, seq in zip(report.problems, (1, 7), strict=True):
        assert problem.reason == f"no person with identity number {mask_id_number(id_number(seq))} in your jurisdiction"
    assert list(db.scalars(select(Checkin.person_id))) == [inside.id]
    # Fangyi itself has no jurisdiction: the same file loads the survivor's stay (named twice).
    again = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (1, 2, 0)
    assert sorted(db.scalars(select(Checkin.person_id))) == sorted([inside.id, elsewhere.id])


def test_a_venue_outside_is_refused_without_saying_where_it_lies(db: Session, cast: Cast) -> None:
    from tests.registry.data.make import CHENGGUAN, SHITAN

    tracer = cast["tracer"]
    tracer.area_code = SHITAN
    add_people(db, 1)
    add_venues(db)
    rows = [[id_number(0), "V-CG-1", "2022-03-27T12:05", ""]]
    report = run_import(db, tracer, "checkins", io.BytesIO(csv_bytes(HEADER, rows)), filename="c.csv")
    [problem] = report.problems
    assert (problem.column, problem.reason) == ("venue_code", "no venue with code V-CG-1 in your jurisdiction")
    assert CHENGGUAN not in problem.reason


def test_reimport_fills_in_a_check_out_and_refuses_a_different_one(db: Session, cast: Cast) -> None:
    people = add_people(db, 3)
    add_venues(db)
    first = [[id_number(i), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T13:00" if i == 2 else ""] for i in range(3)]
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, first)), filename="c.csv")
    assert (report.rows_loaded, report.rows_unchanged) == (3, 0)

    # The same stays again, now with check-outs: 0 filled in, 1 still open, 2 closed at another time.
    later = [[id_number(0), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T12:40"],
             [id_number(1), "V-SJ-1", "2022-03-27T12:05", ""],
             [id_number(2), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T14:00"]]
    data = csv_bytes(HEADER, later)
    report = run_import(db, SYSTEM, "checkins", io.BytesIO(data), filename="c.csv")
    assert (report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (1, 1, 1)
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        (4, "checked_out_at", "a different check-out is already recorded for this stay")]
    noon = int(datetime(2022, 3, 27, 4, 5, tzinfo=UTC).timestamp())
    stays = db.execute(select(Checkin.person_id, Checkin.out_at).order_by(Checkin.person_id)).all()
    assert stays == [(people[0].id, noon + 35 * 60), (people[1].id, None), (people[2].id, noon + 55 * 60)]

    # Importing the first file again changes nothing: an open stay does not reopen a closed one.
    for data in (csv_bytes(HEADER, first), csv_bytes(HEADER, later[:2])):
        again = run_import(db, SYSTEM, "checkins", io.BytesIO(data), filename="c.csv")
        assert (again.rows_loaded, again.rows_rejected) == (0, 0) and again.rows_unchanged == again.rows_total
    assert db.execute(select(Checkin.person_id, Checkin.out_at).order_by(Checkin.person_id)).all() == stays
    # The county's report counts the three stays once: a check-out filled in is no new row.
    from datetime import date

    from fangyi.registry.figures import figures

    assert figures(db, date(2022, 3, 27), SYSTEM)["checkins"] == 3
