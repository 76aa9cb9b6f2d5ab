"""Epidemic analytics: the serial interval as EpiEstim discretises it, Rt held to a peer
implementation of Cori et al. (2013) (`epyestim`), and the curve and Rt read from the cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from epyestim.estimate_r import estimate_r, gamma_quantiles
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.command.epi import cori, curve, discr_si, rt
from fangyi.db.session import session_scope
from fangyi.errors import Forbidden
from fangyi.tracing.models import Case
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, add_areas
from tests.tracing.world import add_person


@dataclass
class Reader:
    id: int
    username: str
    role: str
    area_code: str


def test_the_discretised_serial_interval_keeps_its_mean_and_sums_to_one() -> None:
    # EpiEstim's discr_si is built so that the discrete distribution has exactly the gamma's mean.
    days = np.arange(0, 400)
    for mean, sd in ((2.6, 1.5), (3.0, 2.0), (4.8, 2.3), (8.4, 3.8)):
        w = discr_si(days, mean, sd)
        assert w[0] == 0 and (w >= 0).all()
        assert w.sum() == pytest.approx(1, abs=1e-9)
        assert (days * w).sum() == pytest.approx(mean, abs=1e-6)


def _peer(incidence: list[int], w: np.ndarray, window: int) -> pd.DataFrame:
    start = date(2022, 3, 1)
    series = pd.Series(incidence, index=pd.date_range(start, periods=len(incidence), freq="D"), dtype=float)
    peer = estimate_r(series, w, a_prior=1.0, b_prior=5.0, window_size=window)
    peer["lower"] = gamma_quantiles(0.025, peer.a_posterior, peer.b_posterior)
    peer["upper"] = gamma_quantiles(0.975, peer.a_posterior, peer.b_posterior)
    peer["index"] = [(d.date() - start).days for d in peer.index]
    return peer.set_index("index")


def _same_as_peer(incidence: list[int], mean: float, sd: float, window: int) -> int:
    w = discr_si(np.arange(len(incidence)), mean, sd)
    w = w / w.sum()  # the peer insists on a distribution summing to 1; both get the same one
    ours = cori(incidence, w, window=window)
    peer = _peer(incidence, w, window)
    for estimate in ours:
        row = peer.loc[estimate.end]
        assert estimate.shape == pytest.approx(row.a_posterior, abs=1e-6)
        assert estimate.scale == pytest.approx(row.b_posterior, abs=1e-6)
        assert estimate.mean == pytest.approx(row.a_posterior * row.b_posterior, abs=1e-6)
        assert estimate.lower == pytest.approx(row.lower, abs=1e-6)
        assert estimate.upper == pytest.approx(row.upper, abs=1e-6)
    return len(ours)


def test_rt_equals_the_peer_on_an_outbreak_that_grows_and_is_brought_down() -> None:
    # A renewal process with R 2.5 for three weeks, then 0.6: EpiEstim's own kind of example.
    rng = np.random.default_rng(2022)
    w = discr_si(np.arange(60), 3.0, 2.0)
    cases = [5.0]
    for day in range(1, 60):
        pressure = sum(w[k] * cases[day - k] for k in range(1, day + 1))
        cases.append(float(rng.poisson((2.5 if day < 21 else 0.6) * pressure)))
    incidence = [int(c) for c in cases]
    assert _same_as_peer(incidence, 3.0, 2.0, 7) == 60 - 7
    estimates = cori(incidence, discr_si(np.arange(60), 3.0, 2.0), window=7)
    growing = [e for e in estimates if 12 <= e.end <= 20]
    falling = [e for e in estimates if e.end >= 35 and e.cases_in_window >= 12]
    assert all(e.lower > 1.5 for e in growing) and all(e.upper < 1 for e in falling)


@settings(max_examples=40, deadline=None)
@given(incidence=st.lists(st.integers(0, 400), min_size=9, max_size=50),
       mean=st.floats(1.5, 9), sd=st.floats(0.5, 5), window=st.integers(1, 8))
def test_rt_equals_the_peer_on_any_series(incidence: list[int], mean: float, sd: float, window: int) -> None:
    if len(incidence) <= window:
        return
    _same_as_peer(incidence, mean, sd, window)


def _case(db: Session, n: int, confirmed: date, *, area: str = SHIJIN, onset: date | None = None,
          source: str = "local", ruled_out: bool = False) -> None:
    person = add_person(db, 800 + n, area=area)
    at = datetime.combine(confirmed, datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)  # 11:00 in Hengdong
    db.add(Case(case_no=f"E-{n}", person_id=person.id, classification="confirmed", onset_date=onset,
                sampled_at=at - timedelta(hours=12), confirmed_at=at, source=source,
                ruled_out_at=at + timedelta(days=1) if ruled_out else None))
    db.flush()


def _outbreak(db: Session, *, areas: bool = True) -> None:
    if areas:
        add_areas(db)
    n = 0
    start = date(2022, 3, 28)
    for day, count in enumerate([1, 2, 3, 5, 8, 10, 9, 7, 4, 2]):
        for _ in range(count):
            n += 1
            _case(db, n, start + timedelta(days=day), onset=start + timedelta(days=day - 2))
    _case(db, 100, start + timedelta(days=1), source="imported", onset=start)
    _case(db, 101, start + timedelta(days=2), area=CHENGGUAN)  # another township's
    _case(db, 102, start + timedelta(days=2), ruled_out=True)  # counts nowhere


def test_the_curve_counts_each_case_on_its_days_local_and_imported(db: Session) -> None:
    _outbreak(db)
    days = curve(db, SYSTEM, until=date(2022, 4, 8))
    assert days[0]["date"] == "2022-03-26" and days[-1]["date"] == "2022-04-08"
    by_day = {d["date"]: d for d in days}
    assert by_day["2022-03-29"] == {"date": "2022-03-29", "onset_local": 5, "onset_imported": 0,
                                    "confirmed_local": 2, "confirmed_imported": 1}
    assert by_day["2022-03-30"]["confirmed_local"] == 3 + 1  # 城关镇's case too: the county reads all
    assert by_day["2022-03-28"]["onset_imported"] == 1 and by_day["2022-03-28"]["onset_local"] == 3
    assert sum(d["confirmed_local"] + d["confirmed_imported"] for d in days) == 51 + 1 + 1


def test_rt_from_the_cases_keeps_the_jurisdiction_and_leaves_out_thin_windows(db: Session) -> None:
    _outbreak(db)
    county = rt(db, SYSTEM, until=date(2022, 4, 8))
    township = rt(db, Reader(9, "shitan", "commander", SHIJIN[:9]), until=date(2022, 4, 8))
    assert county and township
    assert all(e["cases_in_window"] >= 12 for e in county)
    # The window ending 4 April holds 29-31 March's cases to 4 April: 2+3+5+8+10+9+7 local, the
    # imported one of the 29th, and 城关镇's of the 30th in the county's reading only.
    assert {e["date"]: e["cases_in_window"] for e in county}["2022-04-04"] == 44 + 1 + 1
    assert {e["date"]: e["cases_in_window"] for e in township}["2022-04-04"] == 44 + 1
    assert [e["date"] for e in county][-1] == "2022-04-08"
    assert county[-1]["mean"] < 1 and county[-1]["lower"] < county[-1]["mean"] < county[-1]["upper"]
    with pytest.raises(Forbidden):
        rt(db, Reader(10, "tracer", "tracer", COUNTY))


def test_rt_by_infection_sits_earlier_than_by_confirmation_and_leaves_out_the_last_days(db: Session) -> None:
    _outbreak(db)
    until = date(2022, 4, 8)
    by_confirmation = rt(db, SYSTEM, until=until)
    by_infection = rt(db, SYSTEM, by="infection", until=until)
    assert by_infection
    # The cases were infected days before they were confirmed; infections of the last days are
    # mostly not confirmed yet, so those days have no estimate.
    assert by_infection[-1]["date"] < str(until) and by_infection[0]["date"] < by_confirmation[0]["date"]
    assert all(e["lower"] < e["mean"] < e["upper"] and e["cases_in_window"] >= 12 for e in by_infection)
    # An outbreak brought down: the last estimate is below the first, whichever the basis.
    assert by_infection[-1]["mean"] < by_infection[0]["mean"]


def test_the_commands_print_json_and_refuse_a_basis_not_known(committed_db: str) -> None:
    with session_scope() as session:
        _outbreak(session)
    runner = CliRunner()
    result = runner.invoke(app, ["epi", "rt", "--json", "--si-mean", "3.5", "--si-sd", "2"])
    assert result.exit_code == 0, result.output
    days = json.loads(result.output)
    assert days and set(days[0]) == {"date", "mean", "lower", "upper", "cases_in_window"}
    result = runner.invoke(app, ["epi", "curve", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)[0]["date"] == "2022-03-26"
    result = runner.invoke(app, ["epi", "rt", "--by", "infection", "--json"])
    assert result.exit_code == 0, result.output
    by_infection = json.loads(result.output)
    assert by_infection and set(by_infection[0]) == {"date", "mean", "lower", "upper", "cases_in_window"}
    result = runner.invoke(app, ["epi", "rt", "--by", "onset"])
    assert result.exit_code == 2 and "infection" in result.output
    result = runner.invoke(app, ["epi", "rt", "--si-mean", "0.5"])
    assert result.exit_code == 2 and "serial interval" in result.output
