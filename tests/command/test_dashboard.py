"""The commander's dashboard: today against yesterday, the protocol's clocks and their breaches
from constructed cases, the zones on the map, and the page itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.command import closing, dashboard
from fangyi.command.dashboard import clocks, headline, map_points, past_figures
from fangyi.command.report import daily
from fangyi.errors import Forbidden
from fangyi.parts import installed
from fangyi.registry.models import Area
from fangyi.screening.models import Sample, Tube
from fangyi.timeutil import now
from fangyi.tracing.models import Case, Contact
from fangyi.transport.models import Task
from fangyi.zones.models import Zone
from tests.command.test_epi import Reader, _case
from tests.conftest import CHENGGUAN, COUNTY, MISHUI, SHIJIN, SHITAN, XIAOQUANWU, add_areas
from tests.tracing.world import add_person

DAY = date(2022, 4, 2)
Login = Callable[[str], TestClient]


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    """Each test's own figures: none kept from another test's database of the same dates."""
    dashboard.forget()
    yield
    dashboard.forget()


def _figure(rows: list, section: str, name: str) -> tuple:
    found = next(f for f in rows if f.section == section and f.name == name)
    return found.today, found.yesterday, found.change


def test_every_figure_shows_today_against_yesterday(db: Session) -> None:
    add_areas(db)
    _case(db, 1, DAY - timedelta(days=1))
    for n in (2, 3, 4):
        _case(db, n, DAY)
    _case(db, 5, DAY, area=CHENGGUAN)
    rows = headline(db, SYSTEM, DAY)
    assert _figure(rows, "cases", "new") == (4, 1, 3)
    assert _figure(rows, "cases", "total") == (5, 1, 4)
    # Every section of the report is there, every figure of it.
    report_keys = {key for key, _ in installed().figures}
    assert {f.section for f in rows} == report_keys
    # A township's commander sees its own cases only.
    township = Reader(1, "shitan", "commander", SHITAN)
    assert _figure(headline(db, township, DAY), "cases", "new") == (3, 1, 2)


def test_yesterday_is_read_as_closed_when_the_command_office_closed_it(db: Session) -> None:
    add_areas(db)
    _case(db, 1, DAY - timedelta(days=1))
    closing.close_day(db, SYSTEM, DAY - timedelta(days=1))
    _case(db, 2, DAY - timedelta(days=1))  # entered late: the closed day does not move
    assert past_figures(db, SYSTEM, DAY - timedelta(days=1))["cases"]["new"] == 1
    assert _figure(headline(db, SYSTEM, DAY), "cases", "new") == (0, 1, -1)


def test_a_role_without_the_report_is_refused(db: Session) -> None:
    add_areas(db)
    with pytest.raises(Forbidden):
        headline(db, Reader(1, "tracer", "tracer", COUNTY), DAY)
    with pytest.raises(Forbidden):
        clocks(db, Reader(1, "tracer", "tracer", COUNTY))


# --- the clocks -----------------------------------------------------------------------------------


def _positive(db: Session, n: int, hours_ago: float, *, area: str = SHIJIN, derived_after: float | None = None
              ) -> Case:
    """A case whose positive result came `hours_ago` before now; its contacts first derived
    `derived_after` hours after the result."""
    person = add_person(db, 900 + n, area=area)
    at = now() - timedelta(hours=hours_ago)
    case = Case(case_no=f"C-{n}", person_id=person.id, classification="confirmed", sampled_at=at - timedelta(hours=8),
                confirmed_at=at, source="local",
                derived_at=None if derived_after is None else at + timedelta(hours=derived_after))
    db.add(case)
    db.flush()
    return case


def _to_hospital(db: Session, case: Case, after: float) -> None:
    at = case.confirmed_at + timedelta(hours=after)
    db.add(Task(kind="hospital", rider_class="case", priority=0, area_code=SHIJIN, from_area_code=SHIJIN,
                from_label="石金村", from_lat=27.0, from_lon=113.0, to_area_code=MISHUI, to_label="定点医院",
                to_lat=27.08, to_lon=112.95, person_ids=[case.person_id], earliest_at=case.confirmed_at,
                latest_at=case.confirmed_at + timedelta(hours=2), requested_by="tracer", case_id=case.id,
                status="done", picked_up_at=at - timedelta(minutes=30), delivered_at=at, confirmed_at=at))
    db.flush()


def _contact(db: Session, case: Case, n: int, quarantined_after: float | None, *, degree: str = "close",
             status: str = "confirmed") -> None:
    person = add_person(db, 1000 + n)
    at = case.confirmed_at
    db.add(Contact(case_id=case.id, person_id=person.id, degree=degree, first_exposure=at - timedelta(days=2),
                   last_exposure=at - timedelta(days=1), reasons=[], via=[], status=status,
                   quarantined_at=None if quarantined_after is None else at + timedelta(hours=quarantined_after)))
    db.flush()


def _states(found: list, case_no: str) -> dict[str, str]:
    case = next(c for c in found if c.case_no == case_no)
    return {m.clock: m.state for m in case.milestones}


def test_the_clocks_run_from_the_positive_result_and_every_breach_is_listed(db: Session) -> None:
    add_areas(db)
    # On time everywhere: in hospital after 1.5 h, trajectory after 3 h, contacts placed after 10 h.
    good = _positive(db, 1, 30, derived_after=3)
    _to_hospital(db, good, 1.5)
    _contact(db, good, 1, 10)
    _contact(db, good, 2, 6)
    _contact(db, good, 3, None, status="rejected")  # not a contact: nothing to place
    # Late everywhere: hospital after 3 h, trajectory after 5 h, one contact still not placed at 20 h.
    late = _positive(db, 2, 20, derived_after=5)
    _to_hospital(db, late, 3)
    _contact(db, late, 4, 2)
    _contact(db, late, 5, None)
    # Just confirmed: every clock still running.
    fresh = _positive(db, 3, 0.5)
    _contact(db, fresh, 6, None)
    # Older than three days: off the board; another township's: not the township commander's.
    _positive(db, 4, 80)
    _positive(db, 5, 1, area=CHENGGUAN, derived_after=0.5)

    found = clocks(db, SYSTEM)
    assert [c.case_no for c in found] == ["C-3", "C-5", "C-2", "C-1"]  # newest first
    assert _states(found, "C-1") == {"to_hospital": "met", "trajectory": "met", "contacts_quarantined": "met",
                                     "investigation_report": "unrecorded"}
    assert _states(found, "C-2") == {"to_hospital": "late", "trajectory": "late", "contacts_quarantined": "overdue",
                                     "investigation_report": "unrecorded"}
    assert _states(found, "C-3") == {"to_hospital": "open", "trajectory": "open", "contacts_quarantined": "open",
                                     "investigation_report": "unrecorded"}
    # C-5's contacts were derived and none is close: nothing to place; its 2 h to hospital still run.
    assert _states(found, "C-5")["contacts_quarantined"] == "none"
    assert _states(found, "C-5")["to_hospital"] == "open"
    second = next(c for c in found if c.case_no == "C-2")
    contacts = next(m for m in second.milestones if m.clock == "contacts_quarantined")
    assert contacts.detail == "1/2" and contacts.done is None
    hospital = next(m for m in second.milestones if m.clock == "to_hospital")
    assert hospital.due == second.confirmed_at + timedelta(hours=2)
    assert hospital.done == second.confirmed_at + timedelta(hours=3)
    assert [m.clock for c in found for m in c.breaches] == ["to_hospital", "trajectory", "contacts_quarantined"]

    township = clocks(db, Reader(1, "shitan", "commander", SHITAN))
    assert [c.case_no for c in township] == ["C-3", "C-2", "C-1"]


def test_a_case_with_no_transfer_recorded_is_overdue_once_its_two_hours_are_past(db: Session) -> None:
    add_areas(db)
    _positive(db, 1, 3, derived_after=1)
    (case,) = clocks(db, SYSTEM)
    states = {m.clock: m.state for m in case.milestones}
    assert states["to_hospital"] == "overdue" and states["trajectory"] == "met"
    assert states["contacts_quarantined"] == "none"


# --- the map --------------------------------------------------------------------------------------


def test_zones_in_force_are_placed_at_their_areas_or_the_nearest_area_above(db: Session) -> None:
    add_areas(db)
    for code, lat, lon in ((SHITAN, 26.97, 113.08), (MISHUI, 27.083, 112.95), (SHIJIN, 26.98, 113.07)):
        area = db.get_one(Area, code)
        area.lat, area.lon = lat, lon
    moment = now() - timedelta(hours=5)

    def zone(kind: str, codes: list[str], scope: str, **values: object) -> None:
        db.add(Zone(kind=kind, state=values.pop("state", "active"), area_codes=codes, venue_ids=[], scope_code=scope,
                    reason="病例居住地", edition="cn-9", measures=[], proposed_at=moment, proposed_by="system",
                    approved_at=moment, approved_by="commander", kind_since=moment, **values))

    zone("high", [XIAOQUANWU], SHITAN)  # a group without coordinates: drawn at its village
    zone("medium", [CHENGGUAN], MISHUI)  # a village without: at its township
    zone("high", [SHIJIN], SHITAN, state="lifted", lifted_at=now() - timedelta(hours=1))  # lifted: gone
    db.flush()
    points = map_points(db, SYSTEM)
    towns = {p.name for p in points if p.kind is None}
    assert towns == {"石滩乡", "洣水镇"}
    zones = {(p.code, p.kind, p.lat, p.lon) for p in points if p.kind is not None}
    assert zones == {(XIAOQUANWU, "high", 26.98, 113.07), (CHENGGUAN, "medium", 27.083, 112.95)}
    township = map_points(db, Reader(1, "shitan", "commander", SHITAN))
    assert {p.code for p in township} == {SHITAN, XIAOQUANWU}


def test_an_open_day_before_is_computed(db: Session) -> None:
    add_areas(db)
    _case(db, 1, DAY - timedelta(days=1))
    assert past_figures(db, SYSTEM, DAY - timedelta(days=1))["cases"]["new"] == 1


def test_the_days_figures_are_computed_once_a_refresh_not_on_every_view(db: Session, monkeypatch) -> None:
    add_areas(db)
    computed: list[str] = []
    real = {key: make for key, make in installed().figures}

    def counting(key: str):  # type: ignore[no-untyped-def]
        def make(session: Session, day: date, who: object) -> dict:
            computed.append(f"{key} {day.isoformat()}")
            return real[key](session, day, who)  # type: ignore[arg-type]
        return make

    monkeypatch.setattr(installed(), "figures", [(key, counting(key)) for key in real])
    _case(db, 1, DAY)
    headline(db, SYSTEM, DAY)
    headline(db, SYSTEM, DAY)
    # Each part once a day, the registry's totals (the same whatever the day) once for both.
    assert sorted(computed) == sorted([f"{key} {day}" for key in real for day in ("2022-04-02", "2022-04-01")
                                       if not (key == "registry" and day == "2022-04-01")])
    dashboard.forget()
    assert _figure(headline(db, SYSTEM, DAY), "cases", "new") == (1, 0, 1)
    assert len(computed) == 2 * (2 * len(real) - 1)
    # The same figures as the report makes.
    assert dashboard.past_figures(db, SYSTEM, DAY) == daily(db, SYSTEM, DAY)


def test_the_clocks_follow_the_edition_in_force(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    add_areas(db)
    case = _positive(db, 1, 2.5)
    assert [m.clock for m in clocks(db, SYSTEM)[0].milestones] == list(dashboard.CLOCKS)
    # An edition giving 3 h to hospital and no other clock: one milestone, not yet due.
    edition = dashboard.current().model_copy(update={"clocks": {"to_hospital": 3}})
    monkeypatch.setattr(dashboard, "current", lambda: edition)
    (only,) = clocks(db, SYSTEM)[0].milestones
    assert (only.clock, only.state, only.due) == ("to_hospital", "open", case.confirmed_at + timedelta(hours=3))


def test_tubes_without_a_result_past_the_limit_are_counted(db: Session) -> None:
    add_areas(db)
    person = add_person(db, 1)
    limit = dashboard.current().screening.result_overdue_hours
    for n, (hours_ago, tested) in enumerate([(limit + 2, False), (limit + 2, True), (limit - 2, False)]):
        tube = Tube(barcode=f"T{n}", pool_size=1, members=1, state="received",
                    tested_at=now() if tested else None, result="negative" if tested else None)
        db.add(tube)
        db.flush()
        db.add(Sample(tube_id=tube.id, person_id=person.id, sampled_at=now() - timedelta(hours=hours_ago)))
    db.flush()
    assert dashboard.overdue_tubes(db, SYSTEM) == 1  # the late one with no result; not the tested, not the recent


# --- chains and clusters --------------------------------------------------------------------------


def _linked(db: Session, n: int, hours_ago: float, source: Case | None = None, *, area: str = SHIJIN,
            household: str | None = None) -> Case:
    person = add_person(db, 1500 + n, area=area, household=household)
    at = now() - timedelta(hours=hours_ago)
    case = Case(case_no=f"L-{n}", person_id=person.id, classification="confirmed", sampled_at=at - timedelta(hours=6),
                confirmed_at=at, source="local" if source is not None else "imported",
                onset_date=(at - timedelta(days=1)).date(), infected_by_case_id=source.id if source else None)
    db.add(case)
    db.flush()
    return case


def test_the_view_shows_chains_and_clusters_with_their_setting(db: Session) -> None:
    """Two clusters (three cases in one home, two elsewhere), a case linked to none: the table lists
    the clusters largest first with size, onsets, confirmations and setting; the chart draws one
    band per cluster, a line for each link from the earlier case to the later."""
    add_areas(db)
    first = _linked(db, 1, 50, household="H-1")
    second = _linked(db, 2, 30, first, household="H-1")
    third = _linked(db, 3, 20, second, household="H-1")
    other = _linked(db, 4, 40, area=CHENGGUAN)
    _linked(db, 5, 10, other, area=CHENGGUAN)
    _linked(db, 6, 5)
    seen = dashboard.view(db, SYSTEM, now().date(), str)
    table = [(c.name, c.size, setting) for c, setting in seen["clusters"]]
    assert table == [("L-1", 3, "dash.setting.household 2"), ("L-4", 2, "")]
    assert seen["sporadic"] == 1
    cluster = seen["clusters"][0][0]
    assert (cluster.first_onset, cluster.last_onset) == (first.onset_date, third.onset_date)
    assert first.onset_date is not None and third.onset_date is not None and first.onset_date < third.onset_date
    import json

    figure = json.loads(seen["chains"])
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert ticks == ["L-1（3）", "L-4（2）"]
    lines = next(t for t in figure["data"] if t["name"] == "dash.link.source")
    assert len(lines["x"]) == 3 * 3  # three links, each from, to and a break
    points = {name: y for t in figure["data"] if t["mode"].startswith("markers")
              for name, y in zip(t["text"], t["y"], strict=True)}
    assert set(points) == {f"L-{n}" for n in range(1, 6)}  # the single case is not drawn
    assert points["L-1"] > points["L-2"] > points["L-3"] > points["L-4"] > points["L-5"]


def test_a_township_sees_its_share_of_a_cluster_and_the_chart_holds_a_bounded_number(
        db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    add_areas(db)
    first = _linked(db, 1, 50)
    second = _linked(db, 2, 30, first)
    _linked(db, 3, 20, second, area=CHENGGUAN)
    mishui = Reader(77, "mishui", "commander", MISHUI)
    (only, _), = dashboard.view(db, mishui, now().date(), str)["clusters"]
    assert (only.name, only.cases, only.size, only.hidden) == ("L-3", ["L-3"], 3, 2)
    dashboard.forget()
    monkeypatch.setattr(dashboard, "CHAIN_CASES", 2)  # the chart's earliest two cases of three
    import json

    figure = json.loads(dashboard.view(db, SYSTEM, now().date(), str)["chains"])
    assert figure["layout"]["yaxis"]["ticktext"] == ["L-1（2/3）"]


def test_a_view_reads_the_cases_once_and_keeps_the_clusters_a_minute(db: Session, monkeypatch) -> None:
    add_areas(db)
    _linked(db, 2, 30, _linked(db, 1, 50))
    reads: list[int] = []
    real = dashboard.epi.cases_counted
    monkeypatch.setattr(dashboard.epi, "cases_counted", lambda *a: reads.append(1) or real(*a))
    found: list[int] = []
    real_clusters = dashboard.tracing.clusters_seen
    monkeypatch.setattr(dashboard.tracing, "clusters_seen", lambda *a, **k: found.append(1) or real_clusters(*a, **k))
    dashboard.view(db, SYSTEM, now().date(), str)
    dashboard.view(db, SYSTEM, now().date(), str)
    assert (len(reads), len(found)) == (2, 1)
