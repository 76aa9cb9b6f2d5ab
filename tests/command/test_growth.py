"""Growth rate, doubling time and the share of new cases already under control when found (issue
18, item 4): read from constructed cases, placements and contact lists."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.command.growth import growth, rate
from fangyi.db.session import session_scope
from fangyi.errors import Forbidden
from fangyi.quarantine.models import Placement
from fangyi.tracing.models import Case, Contact
from tests.command.test_epi import Reader
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, add_areas
from tests.tracing.world import add_person

DAY = date(2022, 4, 10)


def test_the_rate_doubles_and_halves_week_on_week() -> None:
    assert rate(20, 10) == {"growth_rate": 0.099, "doubling_days": 7.0, "halving_days": None}
    assert rate(10, 20) == {"growth_rate": -0.099, "doubling_days": None, "halving_days": 7.0}
    assert rate(10, 10)["growth_rate"] == 0 and rate(10, 10)["doubling_days"] is None
    assert rate(5, 0) == rate(0, 5) == {"growth_rate": None, "doubling_days": None, "halving_days": None}


def _case(db: Session, n: int, day: date, *, area: str = SHIJIN, source: str = "local",
          found_by: str | None = None) -> Case:
    person = add_person(db, 900 + n, area=area)
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)  # 11:00 in Hengdong
    case = Case(case_no=f"G-{n}", person_id=person.id, classification="confirmed", sampled_at=at - timedelta(hours=12),
                confirmed_at=at, source=source, found_by=found_by)
    db.add(case)
    db.flush()
    return case


def _placed(db: Session, case: Case, *, hours_before: float, ended_hours_before: float | None = None) -> None:
    db.add(Placement(person_id=case.person_id, category="close_contact", setting="site", edition="cn-8",
                     last_exposure=case.confirmed_at - timedelta(days=3), status="active",
                     placed_at=case.confirmed_at - timedelta(hours=hours_before),
                     ended_at=None if ended_hours_before is None else case.confirmed_at - timedelta(
                         hours=ended_hours_before)))
    db.flush()


def _listed(db: Session, case: Case, of: Case, *, hours_before: float, status: str = "derived") -> None:
    db.add(Contact(case_id=of.id, person_id=case.person_id, degree="close", reasons=[], via=[], status=status,
                   first_exposure=of.confirmed_at - timedelta(days=2), last_exposure=of.confirmed_at,
                   created_at=case.confirmed_at - timedelta(hours=hours_before),
                   decided_at=case.confirmed_at - timedelta(hours=hours_before / 2) if status != "derived" else None))
    db.flush()


def _week(db: Session) -> list[Case]:
    """Last week 4 local cases; this week (4–10 April) 8 local, 1 imported and 1 ruled out."""
    add_areas(db)
    for n in range(4):
        _case(db, n, DAY - timedelta(days=8 + n))
    cases = [_case(db, 10 + n, DAY - timedelta(days=n % 7)) for n in range(8)]
    _case(db, 30, DAY, source="imported", found_by="arrival_screening")
    ruled_out = _case(db, 31, DAY)
    ruled_out.ruled_out_at = ruled_out.confirmed_at + timedelta(hours=5)
    return cases


def test_the_week_doubles_and_the_cases_found_under_control_are_counted(db: Session) -> None:
    cases = _week(db)
    source = _case(db, 40, DAY - timedelta(days=20))  # the case whose contact list they were on
    _placed(db, cases[0], hours_before=30)                            # in quarantine: yes
    _placed(db, cases[1], hours_before=300, ended_hours_before=100)   # released before: no
    _listed(db, cases[2], source, hours_before=48)                    # on a list: yes
    _listed(db, cases[3], source, hours_before=48, status="rejected")  # rejected before: no
    _listed(db, cases[4], source, hours_before=-5)                    # listed only after: no
    cases[5].found_by = "under_control"                               # found among people under control
    cases[6].isolated_at = cases[6].confirmed_at - timedelta(hours=2)  # own quarantine start before
    db.flush()
    found = growth(db, SYSTEM, until=DAY)
    assert found == {"date": "2022-04-10", "days": 7, "cases": 8, "cases_before": 4, "growth_rate": 0.099,
                     "doubling_days": 7.0, "halving_days": None, "under_control": 4, "under_control_share": 0.5}


def test_growth_keeps_the_jurisdiction_and_the_permission(db: Session) -> None:
    _week(db)
    _case(db, 50, DAY, area=CHENGGUAN)
    assert growth(db, SYSTEM, until=DAY)["cases"] == 9
    assert growth(db, Reader(9, "shitan", "commander", SHIJIN[:9]), until=DAY)["cases"] == 8
    with pytest.raises(Forbidden):
        growth(db, Reader(10, "tracer", "tracer", COUNTY))


def test_a_quiet_week_has_no_rate(db: Session) -> None:
    add_areas(db)
    found = growth(db, SYSTEM, until=DAY)
    assert found["cases"] == 0 and found["growth_rate"] is None and found["under_control_share"] is None


def test_the_command_prints_the_week(committed_db: str) -> None:
    with session_scope() as session:
        _week(session)
    result = CliRunner().invoke(app, ["epi", "growth", "--date", "2022-04-10", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["doubling_days"] == 7.0
    result = CliRunner().invoke(app, ["epi", "growth", "--date", "10 April"])
    assert result.exit_code == 2
