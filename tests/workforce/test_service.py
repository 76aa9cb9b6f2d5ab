"""Rosters by hand and by suggestion on both databases: two posts at once refused, a rest rule
broken saved only with a reason, a removed post's shifts kept as unassigned, check-in on one's own
shift, jurisdictions, a round's size setting its posts' needs, the staff import's row reports,
staff at a positive pool's point, and the daily figures."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.imports.service import run_import
from fangyi.protocols.reader import load
from fangyi.screening.models import Sample, SamplingPoint, ScreeningRound, Tube
from fangyi.timeutil import local_tz
from fangyi.workforce import service
from fangyi.workforce.limits import breaches
from fangyi.workforce.models import Assignment, Need, Staff
from tests.conftest import MISHUI, SHIJIN, SHITAN
from tests.tracing.world import add_person
from tests.workforce.world import MONDAY, user, workforce


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=local_tz())


def count(db, model) -> int:
    return int(db.scalar(select(func.count()).select_from(model)))


def test_one_person_at_two_posts_in_one_shift_is_refused_and_nothing_changes(cast, db):
    world = workforce(db)
    office = cast["command_office"]
    li = world.person("李医生", "13800000001", "sampler security")
    entry, warnings = service.assign(db, office, staff_id=li.id, post_id=world.posts["point"].id, day=MONDAY,
                                     shift="day")
    assert (entry.qualification, warnings) == ("sampler", [])
    before = (count(db, Assignment), count(db, AuditEntry))
    with pytest.raises(Conflict, match=r"石金村采样点.*overlaps") as caught:
        service.assign(db, office, staff_id=li.id, post_id=world.posts["gate"].id, day=MONDAY, shift="day",
                       reason="even with a reason")
    assert caught.value.extra["column"] == "staff"
    assert (count(db, Assignment), count(db, AuditEntry)) == before


def test_a_shift_without_rest_is_warned_and_saved_only_with_a_reason(cast, db):
    world = workforce(db)
    office = cast["command_office"]
    wang = world.person("王护士", "13800000002", "sampler security")
    service.assign(db, office, staff_id=wang.id, post_id=world.posts["point"].id, day=MONDAY, shift="day")
    # The evening shift starts as the day shift ends: no rest at all, and 16 h without a break.
    with pytest.raises(Conflict, match="rest") as caught:
        service.assign(db, office, staff_id=wang.id, post_id=world.posts["gate"].id, day=MONDAY, shift="evening")
    assert [w["rule"] for w in caught.value.extra["warnings"]] == ["rest", "stretch"]
    assert count(db, Assignment) == 1
    entry, warnings = service.assign(db, office, staff_id=wang.id, post_id=world.posts["gate"].id, day=MONDAY,
                                     shift="evening", reason="卡口人手不足，临时加班")
    assert entry.override == "卡口人手不足，临时加班" and [w.rule for w in warnings] == ["rest", "stretch"]
    audit = db.scalar(select(AuditEntry).where(AuditEntry.entity == "workforce_assignment",
                                               AuditEntry.entity_id == str(entry.id)))
    assert audit is not None and audit.note == "卡口人手不足，临时加班"
    board = service.on_duty(db, office, at=at(MONDAY, 20))
    assert [o.staff.name for o in board.overworked] == ["王护士"]
    assert [(d.post.code, [p.name for _, p in d.people]) for d in board.duty if d.people] == [("KK-01", ["王护士"])]


def test_a_unknown_shift_or_a_qualification_not_held_is_refused(cast, db):
    world = workforce(db)
    zhao = world.person("赵司机", "13800000003", "driver")
    with pytest.raises(Invalid, match="shift"):
        service.assign(db, cast["command_office"], staff_id=zhao.id, post_id=world.posts["point"].id, day=MONDAY,
                       shift="noon")
    with pytest.raises(Invalid, match="does not hold sampler"):
        service.assign(db, cast["command_office"], staff_id=zhao.id, post_id=world.posts["point"].id, day=MONDAY,
                       shift="day", qualification="sampler")


def test_a_township_office_sees_and_rosters_only_its_own(cast, db):
    world = workforce(db)
    mine = world.person("石滩护士", "13800000004", "sampler")
    theirs = world.person("县医院医生", "13800000005", "doctor security", at="mishui")
    office = user(db, "st-office", "command_office", SHITAN)
    assert [p.code for p in service.list_posts(db, office)] == ["CYD-01"]
    assert [s.name for s in service.list_staff(db, office)[0]] == ["石滩护士"]
    with pytest.raises(NotFound):
        service.assign(db, office, staff_id=mine.id, post_id=world.posts["gate"].id, day=MONDAY, shift="night")
    with pytest.raises(NotFound):
        service.assign(db, office, staff_id=theirs.id, post_id=world.posts["point"].id, day=MONDAY, shift="day")
    with pytest.raises(Forbidden):
        service.assign(db, cast["tracer"], staff_id=mine.id, post_id=world.posts["point"].id, day=MONDAY,
                       shift="day")
    with pytest.raises(Forbidden):
        service.on_duty(db, cast["tracer"])
    assert service.figures(db, office, MONDAY)["needed_night"] == 0  # the 洣水镇 checkpoint is not counted


def test_a_removed_posts_shifts_move_to_unassigned_and_can_be_given_a_post_again(cast, db):
    world = workforce(db)
    office = cast["command_office"]
    liu = world.person("刘保安", "13800000006", "security sampler")
    entry, _ = service.assign(db, office, staff_id=liu.id, post_id=world.posts["gate"].id, day=MONDAY,
                              shift="night")
    assert service.remove_post(db, office, world.posts["gate"].id) == 1
    db.refresh(entry)
    assert (entry.post_id, entry.former_post_id) == (None, world.posts["gate"].id)
    assert [a.id for a, _ in service.unassigned(db, office)] == [entry.id]
    assert "KK-01" not in [p.code for p in service.list_posts(db, office)]
    with pytest.raises(Conflict, match="removed"):
        service.assign(db, office, staff_id=liu.id, post_id=world.posts["gate"].id, day=MONDAY, shift="day")
    # Given a post again for the same shift: the same entry, not a second one.
    moved, _ = service.assign(db, office, staff_id=liu.id, post_id=world.posts["point"].id, day=MONDAY,
                              shift="night")
    assert moved.id == entry.id and moved.post_id == world.posts["point"].id
    assert count(db, Assignment) == 1 and service.unassigned(db, office) == []


def test_a_person_checks_in_for_their_own_shift_only_and_in_its_time(cast, db):
    world = workforce(db)
    account = user(db, "chen-sampler", "sampler", SHITAN)
    chen = world.person("陈采样", "13800000007", "sampler", user=account)
    other = world.person("周采样", "13800000008", "sampler")
    entry, _ = service.assign(db, cast["command_office"], staff_id=chen.id, post_id=world.posts["point"].id,
                              day=MONDAY, shift="day")
    theirs, _ = service.assign(db, cast["command_office"], staff_id=other.id, post_id=world.posts["point"].id,
                               day=MONDAY, shift="day")
    with pytest.raises(Conflict, match="check in from an hour before"):
        service.check_in(db, account, entry.id, at=at(MONDAY, 6))
    with pytest.raises(NotFound):
        service.check_in(db, account, theirs.id, at=at(MONDAY, 8))
    with pytest.raises(NotFound):  # someone with no staff record
        service.check_in(db, cast["tracer"], entry.id, at=at(MONDAY, 8))
    done = service.check_in(db, account, entry.id, at=at(MONDAY, 7, ) + timedelta(minutes=30))
    again = service.check_in(db, account, entry.id, at=at(MONDAY, 9))
    assert done.checked_in_at == again.checked_in_at == at(MONDAY, 7) + timedelta(minutes=30)
    me, shifts = service.my_shifts(db, account, start=MONDAY)
    assert me is not None and [s.id for s in shifts] == [entry.id]
    assert service.figures(db, cast["command_office"], MONDAY)["check_ins"] == 1
    with pytest.raises(Conflict, match="checked in"):
        service.unassign(db, cast["command_office"], entry.id)


def test_a_rounds_size_sets_its_sampling_posts_needs(cast, db):
    world = workforce(db)
    service.create_post(db, SYSTEM, code="CYD-02", name="石金村二号采样点", kind="sampling_point", area_code=SHIJIN)
    for n in range(50):
        add_person(db, 9000 + n)
    edition = load("cn-8")
    edition = edition.model_copy(update={"screening": edition.screening.model_copy(
        update={"residents_per_sampler": 10, "residents_per_point": (20, 30)})})
    db.add(ScreeningRound(code="R1", name="第一轮", area_codes=[SHIJIN], starts_at=at(MONDAY, 8),
                          deadline_at=at(MONDAY + timedelta(days=1), 8), pool_size=10))
    db.flush()
    found = service.round_needs(db, cast["command_office"], "R1", protocol=edition)
    # 50 residents: 5 sampler-shifts; 2 to 3 points, of which the round has 2; its window holds the
    # day, evening and the next night shift: 6 cells, one of them without a sampler.
    assert (found.residents, found.samplers, found.points_needed, found.points_short) == (50, 5, (2, 3), 0)
    assert sorted(found.needs.values()) == [0, 1, 1, 1, 1, 1]
    assert {(day, shift) for _, day, shift in found.needs} == {
        (MONDAY, "day"), (MONDAY, "evening"), (MONDAY + timedelta(days=1), "night")}
    # The round's need replaces the point's standing 2 samplers on Monday's day shift.
    short = {(s.post.code, s.slot.code): s.short for s in
             service.uncovered(db, cast["command_office"], start=at(MONDAY, 8), hours=24)}
    assert short[("CYD-01", "day")] == {"sampler": 1}
    assert ("CYD-01", "night") not in short or short[("CYD-01", "night")] == {"sampler": 1}
    # Run again: the same needs, not twice as many.
    service.round_needs(db, cast["command_office"], "R1", protocol=edition)
    assert db.scalar(select(func.sum(Need.count)).where(Need.round_id.is_not(None))) == 5
    assert world.posts["point"].id in {post for post, _, _ in found.needs}


def test_a_suggested_week_is_saved_within_the_limits_and_a_second_one_finds_nothing_left(cast, db):
    world = workforce(db)
    office = cast["command_office"]
    for n in range(8):
        world.person(f"采样员{n}", f"1390000000{n}", "sampler" if n < 6 else "security")
    first = service.suggest(db, office, MONDAY + timedelta(days=2), apply=True, seconds=5)
    assert first.week == MONDAY
    assert first.plan.unmet == [] and len(first.saved) == 7 * 2 + 7
    for person in db.scalars(select(Staff)):
        shifts = [(a.starts_at, a.ends_at) for a in db.scalars(select(Assignment)
                                                               .where(Assignment.staff_id == person.id))]
        assert breaches(shifts, service.rules()) == []
    assert service.uncovered(db, office, start=at(MONDAY, 0), hours=24 * 7) == []
    grid = service.week_grid(db, office, world.posts["point"].id, MONDAY)
    assert all(cell.covered for cell in grid.cells.values())
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "suggest_roster")) is not None
    second = service.suggest(db, office, MONDAY, apply=True, seconds=2)
    assert second.saved == [] and second.plan.unmet == []
    figures = service.figures(db, office, MONDAY)
    assert (figures["covered_day"], figures["needed_day"], figures["on_duty"]) == (1, 1, 3)
    assert figures["石滩乡卫生院"] == 3 and figures["posted_sampler"] == 2


def test_the_staff_import_reports_bad_rows_by_line_and_column(cast, db):
    workforce(db)
    rows = [
        "name,phone,institution,qualification,user",
        "张三,13700000001,石滩乡卫生院,sampler nurse,",
        "李四,13700000002,XRMYY,doctor,sampler",  # by the institution's code, linked to an account
        "王五,13700000001,石滩乡卫生院,sampler,",  # the phone again
        "赵六,13700000003,不存在的医院,sampler,",
        "钱七,13700000004,石滩乡卫生院,pilot,",
        "孙八,12-ab,石滩乡卫生院,sampler,",
        "周九,13700000005,石滩乡卫生院,sampler,nobody",
    ]
    data = ("\n".join(rows) + "\n").encode()
    report = run_import(db, cast["command_office"], "staff", io.BytesIO(data), filename="staff.csv")
    assert (report.rows_loaded, report.rows_rejected, report.exit_code) == (2, 5, 3)
    assert [(p.line, p.column) for p in report.problems] == [(4, "phone"), (5, "institution"),
                                                             (6, "qualification"), (7, "phone"), (8, "user")]
    li = db.scalar(select(Staff).where(Staff.phone == "13700000002"))
    assert li is not None and li.user_id == cast["sampler"].id and li.area_code == MISHUI
    again = run_import(db, cast["command_office"], "staff", io.BytesIO(data), filename="staff.csv")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)
    changed = data.replace(b"sampler nurse", b"sampler")
    third = run_import(db, cast["command_office"], "staff", io.BytesIO(changed), filename="staff.csv")
    assert third.rows_loaded == 1
    zhang = db.scalar(select(Staff).where(Staff.phone == "13700000001"))
    assert zhang is not None and zhang.qualifications == ["sampler"]
    trail = db.scalar(select(AuditEntry).where(AuditEntry.entity == "workforce_staff", AuditEntry.action == "update"))
    assert trail is not None and trail.before == {"qualifications": ["sampler", "nurse"]}
    # A township's office cannot add staff to another township's institution.
    office = user(db, "st-office", "command_office", SHITAN)
    outside = run_import(db, office, "staff", io.BytesIO(b"name,phone,institution,qualification\n"
                                                         b"X,13700000009,XRMYY,doctor\n"), filename="s.csv")
    assert [(p.line, p.column) for p in outside.problems] == [(2, "institution")]


def test_staff_of_a_point_where_a_positive_pool_was_sampled_are_listed_for_tests(cast, db):
    world = workforce(db)
    point = SamplingPoint(code="P-SJ", name="石金村采样点", area_code=SHIJIN)
    db.add(point)
    db.flush()
    post = service.create_post(db, SYSTEM, code="CYD-P", name="石金村核酸点", kind="sampling_point", area_code=SHIJIN,
                               point_code="P-SJ")
    wu = world.person("吴采样", "13800000010", "sampler")
    qian = world.person("钱采样", "13800000011", "sampler")
    service.assign(db, cast["command_office"], staff_id=wu.id, post_id=post.id, day=MONDAY, shift="day")
    service.assign(db, cast["command_office"], staff_id=qian.id, post_id=post.id, day=MONDAY, shift="evening")
    tube = Tube(barcode="POS-1", point_id=point.id, pool_size=10, members=2, state="tested", result="positive",
                opened_at=at(MONDAY, 9), tested_at=at(MONDAY, 20), lab_code="L1")
    db.add(tube)
    db.flush()
    for n in range(2):
        person = add_person(db, 9100 + n)
        db.add(Sample(tube_id=tube.id, person_id=person.id, sampled_at=at(MONDAY, 10 + n)))
    db.flush()
    found = service.positive_pool_staff(db, cast["command_office"], since=MONDAY)
    days = list(service.rules().positive_pool_test_days)
    assert [(e.staff.name, e.post.code, e.test_days) for e in found] == [
        ("吴采样", "CYD-P", [MONDAY + timedelta(days=d) for d in days])]
    assert service.positive_pool_staff(db, user(db, "mx", "command_office", MISHUI), since=MONDAY) == []


def test_teams_are_shown_on_the_roster(cast, db):
    world = workforce(db)
    office = cast["command_office"]
    leader = world.person("党员甲", "13800000020", "cadre sampler")
    member = world.person("党员乙", "13800000021", "sampler")
    team = service.create_team(db, office, name="石金村党员突击队", kind="commando", leader_id=leader.id,
                               post_id=world.posts["point"].id, member_ids=[member.id])
    assert [(t.name, members) for t, members in service.list_teams(db, office)] == [
        ("石金村党员突击队", sorted([leader.id, member.id]))]
    # The suggestion puts the team at its post; the grid names the team.
    service.suggest(db, office, MONDAY, apply=True, seconds=3)
    grid = service.week_grid(db, office, world.posts["point"].id, MONDAY)
    assert grid.teams[member.id].id == team.id
    assert {p.name for cell in grid.cells.values() for _, p in cell.people} == {"党员甲", "党员乙"}
