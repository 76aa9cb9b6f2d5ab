"""The daily report's quarantine figures, rebuilt for past days, and the beds forecast."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.command.report import daily
from fangyi.quarantine import care, placing, sites
from fangyi.quarantine.figures import forecast, quarantine_figures
from fangyi.quarantine.models import Placement, Room
from fangyi.timeutil import today
from tests.quarantine.world import add_person, add_site, local

KEYS = ["in_quarantine", "centralized", "home", "placed_today", "released_today", "beds_free", "home_monitoring"]


def _place(db, cast, person, category="close_contact", exposure=None):
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category=category,
                                     reason="typed", last_exposure=exposure or local(2022, 3, 27, 12))
    return db.get(Placement, placing.allocate(db, cast["command_office"], [request.id]).placements[0])


def test_figures_as_of_the_end_of_each_day(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")
    site = add_site(db, rooms=3, beds=2)
    for room in db.scalars(select(Room).where(Room.site_id == site.id)):
        room.created_at = local(2022, 3, 1)
    a, b, c = (add_person(db, n) for n in (1, 2, 3))
    pa, pb = _place(db, cast, a), _place(db, cast, b)
    pc = _place(db, cast, c, "secondary_contact")  # at home under cn-9
    # Move the history into the past: placed on 1 April, a released on 4 April, its room cleaned on 5 April.
    for placement in (pa, pb, pc):
        placement.placed_at = local(2022, 4, 1, 10)
    room_a = db.get(Room, pa.room_id)
    for gap in care.what_is_missing(db, pa, date(2022, 4, 4)):
        assert gap.code == "test"
    care.release(db, cast["commander"], pa.id, override_reason="测试")
    pa.ended_at = local(2022, 4, 4, 9)
    sites.room_cleaned(db, cast["site_manager"], room_a.id)
    pa.room_freed_at = local(2022, 4, 5, 15)
    db.flush()

    figures = {d: quarantine_figures(db, date(2022, 4, d), SYSTEM) for d in (1, 4, 5)}
    assert list(figures[1]) == KEYS
    # 1 April: three placed, two in rooms of two beds; one room (2 beds) free.
    assert figures[1] == {"in_quarantine": 3, "centralized": 2, "home": 1, "placed_today": 3,
                          "released_today": 0, "beds_free": 2, "home_monitoring": 0}
    # 4 April: a released, its room awaiting cleaning, so still not free.
    assert figures[4] == {"in_quarantine": 2, "centralized": 1, "home": 1, "placed_today": 0,
                          "released_today": 1, "beds_free": 2, "home_monitoring": 0}
    assert figures[5]["beds_free"] == 4
    assert daily(db, SYSTEM, date(2022, 4, 4))["quarantine"] == figures[4]
    assert quarantine_figures(db, date(2022, 3, 31), SYSTEM)["beds_free"] == 6  # before anyone came
    assert quarantine_figures(db, date(2022, 2, 28), SYSTEM)["beds_free"] == 0  # before the site had rooms


def test_forecast_frees_beds_on_release_dates(db, cast):
    site = add_site(db, rooms=3, beds=1)
    day0 = today()
    # Exposed yesterday: under cn-8 a close contact leaves on day 15, a secondary contact on day 8.
    exposure = local(day0.year, day0.month, day0.day, 12) - timedelta(days=1)
    _place(db, cast, add_person(db, 1), exposure=exposure)
    _place(db, cast, add_person(db, 2), "secondary_contact", exposure=exposure)
    placing.create_request(db, cast["command_office"], person_id=add_person(db, 3).id, category="close_contact",
                           reason="waiting", last_exposure=exposure)
    lines, total = forecast(db, SYSTEM, day0)
    assert [f.site.id for f in lines] == [site.id]
    free = lines[0].free
    assert len(free) == 15
    assert free[0] == 1  # one room free today
    assert free[6] == 1 and free[7] == 2  # the secondary contact's room on day 8 after exposure
    assert free[13] == 2 and free[14] == 3  # the close contact's on day 15
    assert total["waiting"] == 1 and total["net"][0] == 0


def test_fangyi_report_daily_json_carries_the_quarantine_figures(committed_db):
    import json

    from typer.testing import CliRunner

    from fangyi.access import SYSTEM
    from fangyi.cli.main import app
    from fangyi.db.session import session_scope
    from tests.conftest import add_areas

    with session_scope() as session:
        add_areas(session)
        site = add_site(session, rooms=2)
        for room in session.scalars(select(Room).where(Room.site_id == site.id)):
            room.created_at = local(2022, 3, 1)
        request = placing.create_request(session, SYSTEM, person_id=add_person(session, 1).id,
                                         category="close_contact", reason="密接",
                                         last_exposure=local(2022, 3, 27, 12))
        placement = session.get(Placement, placing.allocate(session, SYSTEM, [request.id]).placements[0])
        placement.placed_at = local(2022, 4, 1, 10)
    result = CliRunner().invoke(app, ["report", "daily", "--date", "2022-04-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["quarantine"] == {
        "in_quarantine": 1, "centralized": 1, "home": 0, "placed_today": 1, "released_today": 0, "beds_free": 1,
        "home_monitoring": 0}


def test_home_health_monitoring_is_counted_apart_from_quarantine(db, cast):
    """cn-8: a close contact exposed on 27 March is quarantined to day 14 (10 April), leaves on
    11 April into 7 days of monitoring (to 17 April), free on 18 April. An arrival from a
    medium-risk area is under monitoring only. Each is counted once, in its own column."""
    add_site(db, rooms=2)
    contact = _place(db, cast, add_person(db, 1))
    contact.placed_at = local(2022, 3, 28, 10)
    arrival = _place(db, cast, add_person(db, 2), "arrival_medium_risk", exposure=local(2022, 4, 9, 12))
    arrival.placed_at = local(2022, 4, 9, 15)
    assert arrival.setting == "monitoring"
    contact.status, contact.release_kind, contact.ended_at = "released", "monitoring", local(2022, 4, 11, 9)
    db.flush()

    def seen(day: int) -> tuple[int, int, int]:
        figures = quarantine_figures(db, date(2022, 4, day), SYSTEM)
        return figures["in_quarantine"], figures["home"], figures["home_monitoring"]

    assert seen(8) == (1, 0, 0)  # the contact in quarantine; the arrival not yet here
    assert seen(10) == (1, 0, 1)  # the arrival under monitoring is neither in quarantine nor at home
    assert seen(11) == (0, 0, 2)  # released into monitoring
    assert seen(17) == (0, 0, 2)  # the contact's last monitoring day
    assert seen(18) == (0, 0, 1)  # free; the arrival's 14 days run to 23 April


def test_past_days_count_the_beds_as_the_rooms_were_that_day(db, cast):
    """A room out of service from 2 to 4 April counts on 1 and 5 April, not between; taking
    another out today leaves last week's figure as it was."""
    from fangyi.quarantine.models import RoomOutage

    site = add_site(db, rooms=3, beds=1)
    rooms = db.scalars(select(Room).where(Room.site_id == site.id).order_by(Room.id)).all()
    for room in rooms:
        room.created_at = local(2022, 3, 1)
    sites.set_room_service(db, cast["command_office"], rooms[0].id, in_service=False)
    sites.set_room_service(db, cast["command_office"], rooms[0].id, in_service=True)
    outage = db.scalar(select(RoomOutage).where(RoomOutage.room_id == rooms[0].id))
    assert outage is not None and outage.end_at is not None
    outage.start_at, outage.end_at = local(2022, 4, 2, 9), local(2022, 4, 4, 17)
    db.flush()
    before = {d: quarantine_figures(db, date(2022, 4, d), SYSTEM)["beds_free"] for d in (1, 2, 3, 4, 5)}
    assert before == {1: 3, 2: 2, 3: 2, 4: 3, 5: 3}
    sites.set_room_service(db, cast["command_office"], rooms[1].id, in_service=False)  # today
    after = {d: quarantine_figures(db, date(2022, 4, d), SYSTEM)["beds_free"] for d in (1, 2, 3, 4, 5)}
    assert after == before
    assert quarantine_figures(db, today(), SYSTEM)["beds_free"] == 2


def test_people_and_beds_as_they_stood_at_a_moment_of_the_day(db, cast):
    """As of a moment within today: who was in, who had left, which rooms were busy, as recorded by
    then; a release and a cleaning recorded after it do not count yet, a later placement neither."""
    import time as clock

    from fangyi.timeutil import now

    site = add_site(db, rooms=3, beds=1)
    for room in db.scalars(select(Room).where(Room.site_id == site.id)):
        room.created_at = local(2022, 3, 1)
    a, b, c = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    pa = _place(db, cast, a)
    db.flush()
    clock.sleep(0.01)
    first = now()
    clock.sleep(0.01)
    care.release(db, cast["commander"], pa.id, override_reason="测试")
    sites.room_cleaned(db, cast["site_manager"], pa.room_id)
    _place(db, cast, b)
    _place(db, cast, c)
    db.flush()
    clock.sleep(0.01)
    second = now()
    day = today()
    then = quarantine_figures(db, day, SYSTEM, as_of=first)
    assert (then["in_quarantine"], then["placed_today"], then["released_today"], then["beds_free"]) == (1, 1, 0, 2)
    later = quarantine_figures(db, day, SYSTEM, as_of=second)
    assert (later["in_quarantine"], later["placed_today"], later["released_today"], later["beds_free"]) == (2, 3, 1, 1)
    assert quarantine_figures(db, day, SYSTEM) == later  # nothing since


def test_beds_of_a_past_day_and_as_of_a_moment_are_the_rooms_beds_then(db, cast):
    """A site's rooms file sent again with more beds in a room: the days before, and the report as of
    a moment before, count the beds the rooms had then (from the audit trail), not today's."""
    import io

    from fangyi.command.asof import report_as_of
    from fangyi.imports.service import run_import
    from fangyi.timeutil import placed_at

    header = "site_code,site_name,area_code,room,beds,address,lat,lon\n"

    def rooms(*lines: str) -> io.BytesIO:
        return io.BytesIO((header + "".join(line + "\n" for line in lines)).encode("utf-8"))

    with placed_at(local(2022, 4, 1, 10)):
        run_import(db, cast["command_office"], "rooms", rooms("GL-01,洣水宾馆,430424102001,101,1,,,",
                                                              "GL-01,洣水宾馆,430424102001,102,2,,,"),
                   filename="rooms.csv")
    with placed_at(local(2022, 4, 3, 10)):  # room 102 gets two more beds
        run_import(db, cast["command_office"], "rooms", rooms("GL-01,洣水宾馆,430424102001,102,4,,,"),
                   filename="rooms.csv")
    assert quarantine_figures(db, date(2022, 4, 2), SYSTEM)["beds_free"] == 3
    assert quarantine_figures(db, date(2022, 4, 3), SYSTEM)["beds_free"] == 5
    assert quarantine_figures(db, today(), SYSTEM)["beds_free"] == 5
    before = report_as_of(db, cast["commander"], date(2022, 4, 3), local(2022, 4, 3, 9))
    after = report_as_of(db, cast["commander"], date(2022, 4, 3), local(2022, 4, 3, 11))
    assert (before["quarantine"]["beds_free"], after["quarantine"]["beds_free"]) == (3, 5)
    assert "quarantine" not in before["notes"]  # the county's figures are rebuilt exactly
