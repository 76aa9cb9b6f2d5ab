"""A small branching process whose reproduction number is known, to hold the Rt estimates to the
truth (issue 18; bench/epi_truth.py, tests/command/test_epi_truth.py). Seeded and reproducible.

Infections on day t are Poisson with mean R(t) · Σ_k w_k I(t-k), w the generation interval (taken
equal to the serial interval, as the estimates assume); each infection then has an onset after a
gamma incubation period (a share of them never has one on record: asymptomatic, or not asked) and
a confirmation after a gamma delay from onset. Only what is confirmed by the last day is seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangyi.command.epi import discr_si
from fangyi.protocols.reader import Epi


@dataclass(frozen=True)
class Outbreak:
    true_r: np.ndarray  # R(t) on each day of infection
    infections: np.ndarray  # a day, all of them, seen or not
    confirmed: np.ndarray  # a day, confirmed by the last day
    delays: np.ndarray  # onset to confirmation, days, of the confirmed cases with an onset on record


def stepped_r(days: int = 60) -> np.ndarray:
    """An outbreak that grows (R 1.8), is brought down by measures (0.6 from day 20) and flares up
    again when they are eased (1.3 from day 40)."""
    return np.select([np.arange(days) < 20, np.arange(days) < 40], [1.8, 0.6], 1.3).astype(float)


def _gamma(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    draws: np.ndarray = rng.gamma((mean / sd) ** 2, sd**2 / mean, size)
    return draws


def outbreak(seed: int, true_r: np.ndarray, *, si: tuple[float, float] = (4.0, 2.0),
             incubation: tuple[float, float] = (5.5, 2.4), delay: tuple[float, float] = (3.0, 2.0),
             seeds: int = 10, onset_recorded: float = 0.7) -> Outbreak:
    """One outbreak over `len(true_r)` days, `seeds` infections on each of the first three days."""
    rng = np.random.default_rng(seed)
    days = len(true_r)
    w = discr_si(np.arange(days), *si)
    infections = np.zeros(days)
    infections[:3] = seeds
    for t in range(3, days):
        pressure = float((w[1:t + 1] * infections[t - 1::-1][:t]).sum())
        infections[t] = rng.poisson(true_r[t] * pressure)
    day = np.repeat(np.arange(days), infections.astype(int))
    onset = day + rng.random(len(day)) + _gamma(rng, *incubation, len(day))
    confirmed_at = np.floor(onset + _gamma(rng, *delay, len(day))).astype(int)
    seen = confirmed_at < days
    on_record = seen & (rng.random(len(day)) < onset_recorded)
    return Outbreak(true_r=true_r, infections=infections,
                    confirmed=np.bincount(confirmed_at[seen], minlength=days).astype(float),
                    delays=confirmed_at[on_record] - np.floor(onset[on_record]).astype(int))


def errors(sim: Outbreak, rules: Epi, *, window: int = 7, si: tuple[float, float] = (4.0, 2.0),
           skip: int = 10) -> tuple[float, float, int]:
    """The mean absolute error of Rt by confirmation and of Rt by infection against the truth (the
    true R averaged over the same window), on the days both estimate, the first `skip` days (the
    seeds and their first generation) left out; and how many days that is."""
    from fangyi.command.epi import by_infection, estimates

    confirmation = {e["date"]: e["mean"] for e in estimates(sim.confirmed, rules, window=window,
                                                              si_mean=si[0], si_sd=si[1])}
    series, lead = by_infection(sim.confirmed, [int(d) for d in sim.delays], rules)
    infection = {e["date"] - lead: e["mean"] for e in estimates(series, rules, window=window,
                                                                  si_mean=si[0], si_sd=si[1])}
    days = sorted(d for d in set(confirmation) & set(infection) if d >= skip)
    truth = {d: float(sim.true_r[d - window + 1:d + 1].mean()) for d in days}
    return (float(np.mean([abs(confirmation[d] - truth[d]) for d in days])),
            float(np.mean([abs(infection[d] - truth[d]) for d in days])), len(days))
