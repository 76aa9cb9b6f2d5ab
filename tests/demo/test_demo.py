"""The demo county, as someone trying Fangyi would look at it: on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import Role
from fangyi.arrivals import sentinels
from fangyi.arrivals import service as arrivals
from fangyi.audit.models import AuditEntry
from fangyi.auth.models import User
from fangyi.auth.service import authenticate
from fangyi.cli.main import app
from fangyi.command.closing import closed
from fangyi.command.epi import curve
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo import SIZES, DemoSpec, build, logins
from fangyi.demo.places import TOWNSHIPS
from fangyi.identity import parse_id_number
from fangyi.quarantine.board import board
from fangyi.quarantine.models import HealthCheck, Placement, QuarantineSite, Room
from fangyi.registry.models import VENUE_KINDS, Area, Checkin, Person, Venue
from fangyi.screening.models import SamplingPoint, ScreeningRound
from fangyi.timeutil import day_bounds, local_tz, now, today
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.queue import queue
from fangyi.transport.models import Task, Vehicle
from fangyi.zones.service import list_zones

UNTIL = date(2022, 3, 30)
TOWNSHIP_NAMES = {"石滩乡", "南湾乡", "洣水镇", "吴集镇", "三樟镇", "草市镇", "大浦镇", "新塘镇", "霞流镇", "甘溪镇",
                  "杨桥镇", "荣桓镇", "蓬源镇", "石湾镇", "白莲镇", "杨林镇", "高湖镇"}


def run_demo(*args: str) -> Any:
    return CliRunner().invoke(app, ["demo", "--size", "tiny", "--no-serve", *args])


def test_demo_county_is_what_it_claims(committed_db: str) -> None:
    result = run_demo()
    assert result.exit_code == 0, result.output
    with Session(engine_for(committed_db)) as session:
        persons = session.scalars(select(Person)).all()
        assert 250 <= len(persons) <= 350
        areas = {area.code: area for area in session.scalars(select(Area))}
        for person in persons:
            identity = parse_id_number(person.id_number)
            assert (identity.birth_date, identity.sex) == (person.birth_date, person.sex)
            assert areas[person.area_code].level in ("group", "village")
        born_here = sum(p.id_number.startswith("430424") for p in persons)
        assert born_here > len(persons) * 0.7
        assert any(p.birth_date and p.birth_date.year < 1950 for p in persons)
        assert any(p.birth_date and p.birth_date.year > 2015 for p in persons)

        townships = {a.name for a in areas.values() if a.level == "township"}
        assert townships == TOWNSHIP_NAMES
        shijin = [a for a in areas.values() if a.name == "石金村"]
        assert len(shijin) == 1 and areas[shijin[0].parent_code or ""].name == "石滩乡"
        assert any(a.name == "小泉屋组" and a.parent_code == shijin[0].code for a in areas.values())
        seat = next(a.code for a in areas.values() if a.name == "洣水镇")
        in_seat = sum(p.area_code.startswith(seat[:9]) for p in persons)
        assert in_seat == max(
            sum(p.area_code.startswith(a.code[:9]) for p in persons)
            for a in areas.values() if a.level == "township"
        )

        kinds = set(session.scalars(select(Venue.kind).distinct()))
        assert kinds == set(VENUE_KINDS)

        start = day_bounds(today() - timedelta(days=13))[0].timestamp()  # two weeks up to the build day
        end = day_bounds(today())[1].timestamp()
        low, high, backwards, total, open_ = session.execute(
            select(func.min(Checkin.in_at), func.max(Checkin.in_at),
                   func.count().filter(Checkin.out_at < Checkin.in_at), func.count(),
                   func.count().filter(Checkin.out_at.is_(None)))
        ).one()
        assert start <= low and high < end
        assert backwards == 0
        assert total > len(persons) * 5
        assert 0 < open_ < total / 2  # most scans have a check-out, some do not

        for login in logins(2022):
            user = authenticate(session, login.username, login.password)
            assert user is not None and user.role == login.role
        assert {login.role for login in logins(2022)} == {role.value for role in Role}
        builds = session.scalar(select(func.count()).where(AuditEntry.entity == "demo"))
        assert builds == 1

    # Running it again serves the same demo without rebuilding; another seed needs --force.
    again = run_demo()
    assert again.exit_code == 0 and "already built" in again.output
    assert "serving it" not in again.output and "built only (--no-serve)" in again.output  # it says what it did
    refused = run_demo("--seed", "7")
    assert refused.exit_code == 2 and "--force" in refused.output
    with Session(engine_for(committed_db)) as session:
        assert session.scalar(select(func.count()).where(AuditEntry.entity == "demo")) == 1


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "areas": "SELECT code, name, level, parent_code, lat, lon FROM areas ORDER BY code",
        "households": "SELECT id, code, area_code FROM households ORDER BY id",
        "persons": "SELECT id, id_number, name, sex, birth_date, phone, area_code, address, household_id "
                   "FROM persons ORDER BY id",
        "venues": "SELECT id, code, name, kind, area_code, address, default_stay_minutes, lat, lon "
                  "FROM venues ORDER BY id",
        "checkins": "SELECT id, person_id, venue_id, in_at, out_at FROM checkins ORDER BY id",
        # The first day: the same case, contacts, hotels and points (times differ only in their text).
        "cases": "SELECT case_no, person_id, classification, source, origin FROM cases ORDER BY case_no",
        "contacts": "SELECT person_id, degree, via FROM contacts ORDER BY person_id, degree",
        "rooms": "SELECT s.code, s.name, s.area_code, s.address, r.room, r.beds FROM quarantine_rooms r "
                 "JOIN quarantine_sites s ON s.id = r.site_id ORDER BY s.code, r.room",
        "points": "SELECT code, name, kind, area_code FROM sampling_points ORDER BY code",
    }
    with engine_for(url).connect() as conn:
        return {name: [tuple(str(v) for v in row) for row in conn.execute(text(sql))]
                for name, sql in queries.items()}


def _build_into(url: str, seed: int) -> None:
    upgrade(url=url)
    with Session(engine_for(url)) as session:
        build(session, DemoSpec(SIZES["tiny"], seed=seed, until=UNTIL))
        session.commit()


def test_same_seed_same_county_on_either_database(committed_db: str, tmp_path: Path) -> None:
    _build_into(committed_db, 2022)
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    _build_into(reference, 2022)
    assert _dump(committed_db) == _dump(reference)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _build_into(other, 2023)
    assert _dump(other)["persons"] != _dump(reference)["persons"]


def test_each_township_in_the_demo_table_has_its_own_code() -> None:
    codes = [digits for _name, digits, *_ in TOWNSHIPS]
    assert len(set(codes)) == len(TOWNSHIPS) == 17
    assert {name for name, *_ in TOWNSHIPS} == TOWNSHIP_NAMES


def test_demo_opens_on_day_four_of_the_outbreak(committed_db: str) -> None:
    built = run_demo()
    assert built.exit_code == 0, built.output
    day = today()
    one = day - timedelta(days=3)
    first = f"HD-{one.year}-001"
    assert first in built.output and f"fangyi trace {first}" in built.output

    trace = CliRunner().invoke(app, ["trace", first, "--json"])
    assert trace.exit_code == 0, trace.output
    listed = json.loads(trace.stdout)
    assert listed["case_no"] == first
    assert len(listed["close_contacts"]) >= 1

    with Session(engine_for(committed_db)) as session:
        case = session.scalar(select(Case).where(Case.case_no == first))
        assert case is not None
        assert (case.classification, case.source, case.origin) == ("confirmed", "imported", "上海")
        assert case.confirmed_at.astimezone(local_tz()).date() == one
        person = session.get(Person, case.person_id)
        assert person is not None
        home = session.get(Area, person.area_code)
        village = session.get(Area, home.parent_code or "") if home else None
        assert home is not None and village is not None
        assert (home.name, village.name, village.parent_code) == ("小泉屋组", "石金村", "430424201000")
        # The banner's counts are the stored contacts, and the trace lists the same close ones.
        closes = session.scalar(select(func.count()).where(Contact.case_id == case.id, Contact.degree == "close"))
        assert closes == len(listed["close_contacts"])
        assert f"{closes:,} 密接" in built.output
        # Every record of the outbreak was written on its own day, none ahead of the build.
        for contact in session.scalars(select(Contact).where(Contact.case_id == case.id)):
            assert contact.created_at.astimezone(local_tz()).date() == one
        later = session.scalars(select(Case).where(Case.id != case.id).order_by(Case.case_no)).all()
        assert later and all(c.source == "local" and c.infected_by_case_id == case.id for c in later)
        assert all(one < c.confirmed_at.astimezone(local_tz()).date() <= day for c in later)

        sites = session.scalars(select(QuarantineSite)).all()
        assert 3 <= len(sites) <= 4
        seat = session.scalar(select(Area.code).where(Area.name == "洣水镇"))
        for site in sites:
            assert site.area_code.startswith((seat or "-")[:9])
            rooms = session.scalar(select(func.count()).where(Room.site_id == site.id))
            assert rooms is not None and 40 <= rooms <= 120

        starts = {r.starts_at.astimezone(local_tz()).date() for r in session.scalars(select(ScreeningRound))}
        assert starts == {one + timedelta(days=1), day}
        points = session.scalars(select(SamplingPoint.area_code)).all()
        assert len(points) >= 2 and all(code.startswith("430424201") for code in points)

        # The fleet: day 1's transfer was driven to the hospital and its arrival confirmed that day;
        # today's case waits for a negative-pressure ambulance the demo driver drives, and the
        # dispatcher has supplies and tube boxes to plan.
        transfer = session.scalar(select(Task).where(Task.kind == "hospital", Task.case_id == case.id))
        assert transfer is not None and transfer.status == "done"
        assert transfer.confirmed_at is not None and transfer.confirmed_at.astimezone(local_tz()).date() == one
        todays = session.scalar(select(Task).where(Task.kind == "hospital", Task.status == "assigned"))
        assert todays is not None and todays.vehicle_id is not None
        ambulance = session.get(Vehicle, todays.vehicle_id)
        assert ambulance is not None and (ambulance.kind, ambulance.driver_username) == ("negative_pressure", "driver")
        assert session.scalar(select(func.count()).where(Task.status.not_in(("done", "called_off")),
                                                         Task.earliest_at < day_bounds(day)[0])) == 0
        assert session.scalar(select(func.count()).select_from(Vehicle)) >= 10
        assert session.scalar(select(func.count()).where(Task.status == "open")) >= 3

    report = CliRunner().invoke(app, ["report", "daily", "--date", one.isoformat(), "--json"])
    assert report.exit_code == 0, report.output
    figures = json.loads(report.stdout)
    assert figures["cases"]["total"] == 1 and figures["cases"]["imported"] == 1
    assert figures["closed"]["by"] == "command_office"  # the night's figures, as reported
    before = CliRunner().invoke(app, ["report", "daily", "--date", (one - timedelta(days=1)).isoformat(), "--json"])
    assert json.loads(before.stdout)["cases"]["total"] == 0

    # Served again without rebuilding, still pointing at the case.
    again = run_demo()
    assert again.exit_code == 0 and "already built" in again.output and first in again.output


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def test_every_role_has_work_today(committed_db: str) -> None:
    """What each demo login finds on the build day (day 4 of the outbreak)."""
    built = run_demo()
    assert built.exit_code == 0, built.output
    day = today()
    tz = local_tz()
    with Session(engine_for(committed_db)) as session:
        # The tracer: contacts found today, waiting to be reached.
        tracer = _user(session, "tracer")
        waiting, total = queue(session, tracer, limit=500)
        assert total > 0
        assert any(contact.created_at.astimezone(tz).date() == day for contact, _, _ in waiting)
        # The sampler: a round in 石滩乡 from this morning.
        rounds = session.scalars(select(ScreeningRound)).all()
        assert any(r.starts_at.astimezone(tz).date() == day for r in rounds)
        # The site manager: a hotel with people in its rooms and checks today.
        manager = _user(session, "site_manager")
        boards = [board(session, manager, site.code, day) for site in session.scalars(select(QuarantineSite))]
        assert sum(len(b.occupants) for b in boards) > 0
        placed_today = session.scalar(select(func.count()).select_from(Placement)
                                      .where(Placement.placed_at >= day_bounds(day)[0]))
        checked_today = session.scalar(select(func.count()).select_from(HealthCheck)
                                       .where(HealthCheck.at >= day_bounds(day)[0]))
        assert checked_today
        # Arrivals today: the reached contacts of today's case not yet in quarantine. Its contacts
        # that are (the first case's secondary contacts, placed on day 2) need none.
        third = session.scalar(select(Case.id).where(Case.confirmed_at >= day_bounds(day)[0]))
        fresh = session.scalar(select(func.count()).select_from(Contact).where(
            Contact.case_id == third, Contact.person_id.not_in(
                select(Placement.person_id).where(Placement.placed_at < day_bounds(day)[0]))))
        assert (placed_today > 0) == (fresh > 0)
        # The commander: cases on the curve in the last four days, zones in force.
        commander = _user(session, "commander")
        days = curve(session, commander, until=day)
        recent = [d for d in days if date.fromisoformat(d["date"]) > day - timedelta(days=4)]
        assert sum(d["confirmed_local"] + d["confirmed_imported"] for d in recent) >= 2
        assert [d["date"] for d in days][-1] == day.isoformat()
        zones = list_zones(session, commander, day)
        assert any(view.zone.state == "active" for view in zones)
        # The command office: days 1-3 closed on their evenings, by the office; today still open.
        office = _user(session, "command_office")
        for back in (1, 2, 3):
            shut = closed(session, office, day - timedelta(days=back))
            assert shut is not None and shut.closed_by == "command_office"
            assert shut.closed_at.astimezone(tz).date() == day - timedelta(days=back)
        assert closed(session, office, day) is None
        # The village doctor: arrivals due something today, and a sweep under way in their first village.
        doctor = _user(session, "village_doctor")
        assert any(task.open for task in arrivals.village_day(session, doctor, day))
        covered = arrivals.coverage(session, doctor, day)
        assert any(0 < c.visited < c.households for c in covered)
        # The fever sentinels: one report overdue, one swabbed alone, one waiting, on the doctor's watch list.
        watched = sentinels.watch_list(session, doctor)
        assert sorted(w.state for w in watched) == ["overdue", "sampled", "waiting"]
        # Nothing was written ahead of the clock.
        assert session.scalar(select(func.max(Contact.created_at))) <= now()


def test_the_screening_and_the_contacts_stand_as_on_day_four(committed_db: str) -> None:
    """Built at three in the afternoon: the first round's tubes tested but one box's, overdue now;
    today's tubes swabbed since seven, boxed and some tested; every close contact of the past days
    and secondary contact of the past days decided and in quarantine, so that the tracer's queue holds
    only today's work."""
    from datetime import datetime, time

    from fangyi.command import dashboard
    from fangyi.screening.models import Sample, Tube
    from fangyi.timeutil import placed_at

    tz = local_tz()
    day = today()
    with placed_at(datetime.combine(day, time(15, 0), tzinfo=tz)):
        built = run_demo()
        assert built.exit_code == 0, built.output
        with Session(engine_for(committed_db)) as session:
            rounds = {r.starts_at.astimezone(tz).date(): r for r in session.scalars(select(ScreeningRound))}
            first, second = rounds[day - timedelta(days=2)], rounds[day]
            earlier = session.scalars(select(Tube).where(Tube.round_id == first.id)).all()
            assert earlier and all(t.received_at is not None for t in earlier)
            waiting = [t for t in earlier if t.tested_at is None]
            assert 0 < len(waiting) < len(earlier) and all(t.result == "negative" for t in earlier if t.tested_at)
            todays = session.scalars(select(Tube).where(Tube.round_id == second.id)).all()
            assert todays and any(t.tested_at is not None for t in todays) and any(t.tested_at is None for t in todays)
            assert all(s.sampled_at.astimezone(tz) <= now() for s in session.scalars(select(Sample)))
            # The commander reads it on the dashboard: today's throughput, pending, and the overdue.
            commander = _user(session, "commander")
            dashboard.forget()
            seen = dashboard.view(session, commander, day, str)
            assert seen["overdue_tubes"] == len(waiting)
            # Today's tubes: the round's, and the fever sentinel's single tube (swabbed at 13:00, outside a round).
            fever = session.scalars(select(Tube).where(Tube.round_id.is_(None), Tube.barcode.startswith("FS"))).all()
            assert [t.pool_size for t in fever] == [1]
            assert seen["tubes"]["tubes"] == len(todays) + 1 and seen["tubes"]["tubes_pending"] > 0
            # The night's report of the first round's day counts its tubes, as closed.
            shut = closed(session, commander, day - timedelta(days=2))
            assert shut is not None and shut.figures["testing"]["tubes"] > 0
            # Every close contact of a case confirmed before today: decided, and in quarantine.
            past = select(Case.id).where(Case.confirmed_at < day_bounds(day)[0])
            undecided = session.scalar(select(func.count()).where(
                Contact.case_id.in_(past), Contact.degree == "close", Contact.status == "derived"))
            unplaced = session.scalar(select(func.count()).where(
                Contact.case_id.in_(past), Contact.degree == "close", Contact.status == "confirmed",
                Contact.quarantined_at.is_(None)))
            assert (undecided, unplaced) == (0, 0)
            # Their secondary contacts too: decided as a tracer would have, each in quarantine as the
            # protocol's category says (a hotel room, or at home), none left to today's queue.
            secondary = session.execute(select(Contact.status, Contact.quarantined_at).where(
                Contact.case_id.in_(past), Contact.degree == "secondary")).all()
            assert secondary, "the past cases have secondary contacts"
            assert all(status == "confirmed" and started is not None for status, started in secondary)
            tracer = _user(session, "tracer")
            waiting, _ = queue(session, tracer, limit=1000)
            assert waiting and all(contact.created_at.astimezone(tz).date() == day for contact, _, _ in waiting)
            # So the first case's 12-hour clock for its contacts was met, and so was the second's.
            found = {c.case_no: c for c in dashboard.clocks(session, commander, now())}
            for case in found.values():
                if case.confirmed_at.astimezone(tz).date() < day:
                    states = {m.clock: m.state for m in case.milestones}
                    assert states["contacts_quarantined"] in ("met", "none"), (case.case_no, states)
