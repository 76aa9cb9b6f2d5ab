"""Rt by date of infection (issue 18): the deconvolution on a known series, and both estimates held
to the truth of simulated outbreaks (fangyi.command.simulate)."""

from __future__ import annotations

import numpy as np
import pytest

from fangyi.command import infection, simulate
from fangyi.protocols.reader import Epi


def test_the_delay_to_confirmation_is_the_incubation_plus_the_observed_delay() -> None:
    incubation = infection.gamma_pmf(5.5, 2.4)
    observed = infection.observed_delays([0, 1, 1, 2, 2, 2, 3, -1, 99])
    assert observed[0] == pytest.approx(2 / 9) and observed[infection.MAX_DELAY] == pytest.approx(1 / 9)
    total = infection.total_delay(incubation, infection.observed_delays([2] * 10))
    assert total.sum() == pytest.approx(1)
    # Whole days: the gamma's mean 5.5 counts as 5 (days 5.0–5.99 are day 5), plus 2.
    assert (np.arange(len(total)) * total).sum() == pytest.approx(5.0 + 2, abs=0.1)


def test_back_projection_recovers_a_known_series_and_leaves_out_the_last_days() -> None:
    delay = infection.total_delay(infection.gamma_pmf(5.5, 2.4), infection.gamma_pmf(3.0, 2.0))
    days = np.arange(60)
    true = 2 * np.where(days < 30, np.exp(0.15 * days), np.exp(0.15 * 30 - 0.1 * (days - 30)))
    confirmed = np.convolve(true, delay)[:60]
    estimate = infection.back_project(confirmed, delay)
    lead = len(delay) - 1
    shown = infection.reliable_days(delay, len(estimate)) - lead
    assert 45 < shown < 60  # about a week of the last days is left out
    # Off where the curve turns (deconvolution smooths the peak), close elsewhere.
    away_from_peak = (np.abs(days[:shown] - 30) > 4)
    relative = np.abs(estimate[lead:lead + shown] - true[:shown]) / true[:shown]
    assert relative[away_from_peak][5:].max() < 0.15
    # Right truncation: the last days shown are not pulled down by the cases not confirmed yet.
    assert estimate[lead + shown - 1] == pytest.approx(true[shown - 1], rel=0.15)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rt_by_infection_tracks_the_truth_better_than_by_confirmation(seed: int) -> None:
    sim = simulate.outbreak(seed, simulate.stepped_r())
    by_confirmation, by_infection, days = simulate.errors(sim, Epi(incubation_mean=5.5, incubation_sd=2.4))
    assert days > 30
    # 20 outbreaks (docs/benchmarks.md): by confirmation 0.45–0.64, by infection 0.07–0.14.
    assert by_infection < by_confirmation / 2
    assert by_infection < 0.25


def test_the_simulation_is_reproducible() -> None:
    first, again = simulate.outbreak(7, simulate.stepped_r()), simulate.outbreak(7, simulate.stepped_r())
    assert (first.confirmed == again.confirmed).all() and (first.delays == again.delays).all()
    assert first.confirmed.sum() < first.infections.sum()  # the last infections are not confirmed yet
