"""Row checks of each kind, strict imports, re-imports and the audit trail they leave."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.imports.models import ImportProblem, ImportRun
from fangyi.imports.service import ImportReport, run_import
from fangyi.registry.models import Area, Checkin, Household, Person, Venue
from tests.conftest import Cast
from tests.registry.data.make import (
    CHENGGUAN,
    PERSON_HEADER,
    SHIJIN,
    SHITAN,
    add_people,
    add_venues,
    csv_bytes,
    id_number,
    person_row,
)

CHECKIN_HEADER = ("id_number", "venue_code", "checked_in_at", "checked_out_at")


def load(db: Session, kind: str, header: tuple[str, ...], rows: Sequence[Sequence[object]], actor: object = SYSTEM,
         **options: bool) -> ImportReport:
    data = io.BytesIO(csv_bytes(header, rows))
    return run_import(db, actor, kind, data, filename=f"{kind}.csv", **options)  # type: ignore[arg-type]


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def audits(db: Session, entity: str) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == entity)) or 0


def problems(report: ImportReport) -> list[tuple[int, str | None]]:
    return [(p.line, p.column) for p in report.problems]


# --- persons ------------------------------------------------------------------


def test_persons_file_with_good_and_bad_rows_loads_the_good_ones(db: Session, cast: Cast) -> None:
    bad_checksum = person_row(1, "坏校验")
    bad_checksum[0] = str(bad_checksum[0])[:-1] + ("1" if str(bad_checksum[0])[-1] == "0" else "0")
    bad_birth = person_row(2, "生日错")
    bad_birth[3] = "1970-01-01"
    unknown_area = person_row(3, "无此地", area="430424109001")
    long_household = person_row(5, "长户号", household="H" * 65)
    rows = [person_row(0, "张三", household="HH-1"), bad_checksum, bad_birth, unknown_area,
            person_row(4, "李四", household="HH-1"), person_row(0, "张三又一次"), long_household]
    report = load(db, "persons", PERSON_HEADER, rows)
    assert (report.status, report.exit_code) == ("partial", 3)
    assert (report.rows_total, report.rows_loaded, report.rows_rejected) == (7, 2, 5)
    assert problems(report) == [(3, "id_number"), (4, "birth_date"), (5, "area_code"), (7, "id_number"),
                                (8, "household")]
    assert "appears already on line 2" in report.problems[3].reason
    # nothing of a bad row is in the registry
    assert sorted(db.scalars(select(Person.name))) == ["张三", "李四"]
    household = db.scalar(select(Household).where(Household.code == "HH-1"))
    assert household is not None and household.area_code == SHIJIN
    assert set(db.scalars(select(Person.household_id))) == {household.id}
    stored = db.scalars(select(ImportProblem).where(ImportProblem.import_id == report.import_id)).all()
    assert sorted((p.line, p.column) for p in stored) == problems(report)
    assert {p.import_id for p in db.scalars(select(Person))} == {report.import_id}


def test_reimporting_the_same_file_changes_nothing(db: Session, cast: Cast) -> None:
    rows = [person_row(i, f"人{i}", household=f"HH-{i // 2}") for i in range(5)]
    first = load(db, "persons", PERSON_HEADER, rows)
    assert first.rows_loaded == 5
    before = {p.id_number: (p.id, p.import_id, p.updated_at) for p in db.scalars(select(Person))}
    person_audits = audits(db, "person")
    second = load(db, "persons", PERSON_HEADER, rows)
    assert (second.status, second.rows_loaded, second.rows_unchanged, second.exit_code) == ("done", 0, 5, 0)
    db.expire_all()
    assert {p.id_number: (p.id, p.import_id, p.updated_at) for p in db.scalars(select(Person))} == before
    assert count(db, Household) == 3
    assert audits(db, "person") == person_audits
    assert audits(db, "import_run") == 2


def test_a_changed_person_is_updated_with_before_and_after(db: Session, cast: Cast) -> None:
    rows = [person_row(0, "张三"), person_row(1, "李四")]
    load(db, "persons", PERSON_HEADER, rows)
    rows[1][1] = "李肆"
    rows[1][4] = "13900139000"
    report = load(db, "persons", PERSON_HEADER, rows)
    assert (report.rows_loaded, report.rows_unchanged) == (1, 1)
    person = db.scalar(select(Person).where(Person.id_number == rows[1][0]))
    assert person is not None and person.name == "李肆" and person.import_id == report.import_id
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.action == "update"))
    assert entry is not None and entry.entity_id == str(person.id)
    assert entry.before == {"name": "李四", "phone": "13800138000"}
    assert entry.after == {"name": "李肆", "phone": "13900139000"}


def test_an_optional_column_missing_from_the_file_keeps_the_stored_value(db: Session, cast: Cast) -> None:
    load(db, "persons", PERSON_HEADER, [person_row(0, "张三", household="HH-9")])
    report = load(db, "persons", ("id_number", "name", "area_code"), [[id_number(0), "张三", SHIJIN]])
    assert report.rows_unchanged == 1
    person = db.scalar(select(Person))
    assert person is not None and person.phone == "13800138000" and person.household is not None


def test_strict_loads_nothing_when_any_row_is_bad(db: Session, cast: Cast) -> None:
    bad = person_row(9999, "外县", area="430425101001")
    rows = [person_row(0, "张三"), bad] + [person_row(i, f"人{i}") for i in range(1, 2500)]
    report = load(db, "persons", PERSON_HEADER, rows, strict=True)
    assert (report.status, report.exit_code, report.rows_loaded, report.rows_rejected) == ("rejected", 3, 0, 1)
    assert problems(report) == [(3, "area_code")]
    assert count(db, Person) == 0 and count(db, Household) == 0
    run = db.get(ImportRun, report.import_id)
    assert run is not None and (run.status, run.rows_total, run.rows_rejected) == ("rejected", 2501, 1)


def test_strict_with_only_good_rows_loads_them(db: Session, cast: Cast) -> None:
    report = load(db, "persons", PERSON_HEADER, [person_row(0, "张三")], strict=True)
    assert (report.status, report.rows_loaded) == ("done", 1)


def test_rows_outside_the_importers_jurisdiction_are_rejected(db: Session, cast: Cast) -> None:
    # An office clerk of 石滩乡 (the village doctor's area) may import persons, but only there.
    clerk = accounts.create_user(db, SYSTEM, username="shitan-office", password="password-2022",
                                     role="command_office", area_code=SHITAN)
    rows = [person_row(0, "石金人"), person_row(1, "城关人", area=CHENGGUAN)]
    report = load(db, "persons", PERSON_HEADER, rows, actor=clerk)
    assert problems(report) == [(3, "area_code")]
    assert "outside your jurisdiction" in report.problems[0].reason
    assert list(db.scalars(select(Person.name))) == ["石金人"]


def test_a_person_is_not_put_into_a_household_outside_the_importers_jurisdiction(db: Session, cast: Cast) -> None:
    db.add(Household(code="HH-CG", area_code=CHENGGUAN))
    db.flush()
    clerk = accounts.create_user(db, SYSTEM, username="shitan-office", password="password-2022",
                                 role="command_office", area_code=SHITAN)
    rows = [person_row(0, "石金人", household="HH-CG"), person_row(1, "石金人二", household="HH-SJ")]
    report = load(db, "persons", PERSON_HEADER, rows, actor=clerk)
    assert problems(report) == [(2, "household")]
    assert CHENGGUAN not in report.problems[0].reason  # where the household lies is not said
    assert list(db.scalars(select(Person.name))) == ["石金人二"]


def test_an_existing_record_outside_is_refused_without_saying_where_it_lies(db: Session, cast: Cast) -> None:
    load(db, "persons", PERSON_HEADER, [person_row(0, "城关人", area=CHENGGUAN)])
    clerk = accounts.create_user(db, SYSTEM, username="shitan-office", password="password-2022",
                                 role="command_office", area_code=SHITAN)
    report = load(db, "persons", PERSON_HEADER, [person_row(0, "城关人")], actor=clerk)
    assert problems(report) == [(2, "id_number")]
    assert CHENGGUAN not in report.problems[0].reason


def test_a_village_doctor_may_not_import_persons_at_all(db: Session, cast: Cast) -> None:
    import pytest

    from fangyi.errors import Forbidden

    with pytest.raises(Forbidden):
        load(db, "persons", PERSON_HEADER, [person_row(0, "张三")], actor=cast["village_doctor"])
    assert count(db, Person) == 0 and count(db, ImportRun) == 0


# --- areas and venues ---------------------------------------------------------


AREA_HEADER = ("code", "name", "parent_code", "level", "lat", "lon")


def test_areas_load_in_any_order_and_bad_ones_are_said(db: Session, cast: Cast) -> None:
    rows: list[list[object]] = [
        ["430424103001", "新村", "", "village", "", ""],  # its township comes later in the file
        ["430424103000", "新塘镇", "430424", "township", "26.9", "112.9"],
        ["430424104001", "孤村", "", "village", "", ""],  # its township is nowhere
        ["430424103002", "错级村", "", "township", "", ""],
        ["430424101001", "石金村", "430424101000", "village", "", ""],  # as stored: unchanged
    ]
    report = load(db, "areas", AREA_HEADER, rows)
    assert (report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (2, 1, 2)
    assert problems(report) == [(4, "parent_code"), (5, "level")]
    assert db.get(Area, "430424103001") is not None and db.get(Area, "430424104001") is None
    again = load(db, "areas", AREA_HEADER, rows)
    assert (again.rows_loaded, again.rows_unchanged) == (0, 3)
    rows[1][1] = "新塘镇人民政府驻地"
    renamed = load(db, "areas", AREA_HEADER, rows)
    assert (renamed.rows_loaded, renamed.rows_unchanged) == (1, 2)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "area", AuditEntry.action == "update"))
    assert entry is not None and entry.entity_id == "430424103000"
    assert (entry.before, entry.after) == ({"name": "新塘镇"}, {"name": "新塘镇人民政府驻地"})


def test_venues_upsert_by_code_with_audit(db: Session, cast: Cast) -> None:
    header = ("code", "name", "kind", "area_code", "default_stay_minutes")
    rows: list[list[object]] = [["V1", "饭店", "restaurant", SHIJIN, "60"], ["V2", "超市", "spaceship", SHIJIN, ""],
                                ["V3", "学校", "school", "430424199001", ""]]
    report = load(db, "venues", header, rows)
    assert problems(report) == [(3, "kind"), (4, "area_code")]
    rows[0][4] = "90"
    again = load(db, "venues", header, rows[:1])
    assert again.rows_loaded == 1
    venue = db.scalar(select(Venue).where(Venue.code == "V1"))
    assert venue is not None and venue.default_stay_minutes == 90
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "venue"))
    assert entry is not None and entry.before == {"default_stay_minutes": 60} and entry.after == {
        "default_stay_minutes": 90}


# --- check-ins ----------------------------------------------------------------


def test_checkins_load_and_bad_rows_are_said(db: Session, cast: Cast) -> None:
    people = add_people(db, 3)
    venues = add_venues(db)
    rows: list[list[object]] = [
        [id_number(0), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T13:10"],
        [id_number(1), "V-SJ-1", "2022-03-27T12:30:00+08:00", ""],
        [id_number(2), "V-NOWHERE", "2022-03-27T12:30", ""],  # unknown venue
        [id_number(2), "V-SJ-1", "2022-03-27T14:00", "2022-03-27T13:00"],  # out before in
        [id_number(99), "V-SJ-1", "2022-03-27T12:30", ""],  # nobody with that number
        [id_number(2), "V-CG-1", "27/03/2022 12:30", ""],  # not ISO 8601
        [id_number(0), "V-SJ-1", "2022-03-27T12:05", "2022-03-27T13:10"],  # repeated: the same check-in
    ]
    report = load(db, "checkins", CHECKIN_HEADER, rows)
    assert (report.rows_total, report.rows_loaded, report.rows_unchanged, report.rows_rejected) == (7, 2, 1, 4)
    assert problems(report) == [(4, "venue_code"), (5, "checked_out_at"), (6, "id_number"), (7, "checked_in_at")]
    assert "********" in report.problems[2].reason  # the number is masked in the report
    stored = db.execute(select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at,
                               Checkin.import_id).order_by(Checkin.in_at)).all()
    noon = int(datetime.fromisoformat("2022-03-27T12:05:00+08:00").timestamp())
    assert stored == [
        (people[0].id, venues[0].id, noon, noon + 65 * 60, report.import_id),
        (people[1].id, venues[0].id, noon + 25 * 60, None, report.import_id),
    ]
    again = load(db, "checkins", CHECKIN_HEADER, rows)
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 3, 4)
    assert count(db, Checkin) == 2


def test_a_merged_persons_checkins_go_to_the_survivor(db: Session, cast: Cast) -> None:
    survivor, merged = add_people(db, 2)
    merged.merged_into_id = survivor.id
    add_venues(db)
    db.flush()
    report = load(db, "checkins", CHECKIN_HEADER, [[f" {id_number(1).lower()} ", "V-SJ-1", "2022-03-27T12:05", ""]])
    assert report.rows_loaded == 1
    assert db.scalar(select(Checkin.person_id)) == survivor.id


def test_checkins_at_venues_outside_the_jurisdiction_are_rejected(db: Session, cast: Cast) -> None:
    add_people(db, 1)
    add_venues(db)
    tracer = accounts.create_user(db, SYSTEM, username="shitan-tracer", password="password-2022",
                                      role="tracer", area_code=SHITAN)
    rows = [[id_number(0), "V-SJ-1", "2022-03-27T12:05", ""], [id_number(0), "V-CG-1", "2022-03-27T15:05", ""]]
    report = load(db, "checkins", CHECKIN_HEADER, rows, actor=tracer)
    assert problems(report) == [(3, "venue_code")] and report.rows_loaded == 1


def test_strict_checkins_load_nothing_when_a_row_is_bad(db: Session, cast: Cast) -> None:
    add_people(db, 20)
    add_venues(db)
    rows: list[list[object]] = [[id_number(i), "V-SJ-1", f"2022-03-27T12:{i:02d}", ""] for i in range(20)]
    rows.append([id_number(3), "V-XX", "2022-03-27T12:00", ""])
    report = load(db, "checkins", CHECKIN_HEADER, rows, strict=True)
    assert (report.status, report.rows_loaded, report.rows_rejected) == ("rejected", 0, 1)
    assert count(db, Checkin) == 0
