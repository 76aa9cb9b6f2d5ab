"""Incidence by date of infection, estimated back from the confirmed series (issue 18).

A case confirmed on day t was infected on day t - d, d being the incubation period (protocol data,
a gamma distribution) plus the delay from onset to confirmation (observed in the data itself, from
the cases that have an onset date). The confirmed series is the infections convolved with that
delay; Richardson–Lucy deconvolution undoes the convolution (Goldstein et al. 2009, as Gostic et
al. 2020 use it for Rt), with a right-truncation correction: an infection t days before the last
day has been confirmed with probability P(d <= t) only, so its estimate is divided by it. Where that
probability is below `MIN_OBSERVED` the estimate is mostly guesswork; those last days are left out.

Pure functions over arrays.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc

MAX_DELAY = 40  # days from infection to confirmation considered at most
MIN_OBSERVED = 0.5  # the share of an infection day's cases that must be confirmed by now to show it


def gamma_pmf(mean: float, sd: float, days: int = MAX_DELAY) -> np.ndarray:
    """A gamma distribution of `mean`, `sd` over whole days: day k holds P(k <= x < k + 1)."""
    shape, scale = (mean / sd) ** 2, sd**2 / mean
    edges = gammainc(shape, np.arange(days + 1) / scale)
    pmf: np.ndarray = np.diff(edges)
    normed: np.ndarray = pmf / pmf.sum()
    return normed


def observed_delays(delays: list[int] | np.ndarray, days: int = MAX_DELAY) -> np.ndarray:
    """The delay from onset to confirmation as observed: the share of cases on each whole day
    (negative delays, a correction of the onset, count as 0; longer than `days` as `days`)."""
    counts = np.bincount(np.clip(np.asarray(delays, dtype=int), 0, days), minlength=days + 1).astype(float)
    pmf: np.ndarray = counts / counts.sum()
    return pmf


def total_delay(incubation: np.ndarray, to_confirmation: np.ndarray) -> np.ndarray:
    """Infection to confirmation: the incubation period plus the delay from onset to confirmation."""
    pmf: np.ndarray = np.convolve(incubation, to_confirmation)[:MAX_DELAY + 1]
    normed: np.ndarray = pmf / pmf.sum()
    return normed


def _forward(infections: np.ndarray, delay: np.ndarray, n: int) -> np.ndarray:
    expected: np.ndarray = np.convolve(infections, delay)[:n]
    return expected


def back_project(confirmed: list[float] | np.ndarray, delay: np.ndarray, *, iterations: int = 200) -> np.ndarray:
    """Infections a day, the confirmed series' days extended `len(delay) - 1` days before its start
    (index i of the result is day i - len(delay) + 1 of the confirmed series), corrected for right
    truncation. Richardson–Lucy, started from the series shifted back by the mean delay and stopped
    when the expected series fits the observed one (χ²/n below 1) or after `iterations`."""
    observed = np.asarray(confirmed, dtype=float)
    lead = len(delay) - 1
    n = lead + len(observed)
    padded = np.concatenate([np.zeros(lead), observed])
    # q_s: the chance that an infection on day s is confirmed by the series' last day.
    seen = observed_share(delay, n)
    shift = round(float((np.arange(len(delay)) * delay).sum()))
    guess = np.concatenate([padded[shift:], np.full(shift, max(padded[-7:].mean(), 1e-9))])
    guess = np.where(guess > 0, guess, 1e-9)
    for _ in range(iterations):
        expected = _forward(guess, delay, n)
        ratio = np.divide(padded, expected, out=np.zeros(n), where=expected > 0)
        # Σ_t p(t - s) · C_t / E_t over the days t >= s already seen.
        back = np.convolve(ratio[::-1], delay)[:n][::-1]
        guess = guess * back / np.maximum(seen, 1e-12)
        fit = _forward(guess, delay, n)
        nonzero = fit > 0
        if ((padded[nonzero] - fit[nonzero]) ** 2 / fit[nonzero]).sum() / max(int(nonzero.sum()), 1) < 1:
            break
    estimate: np.ndarray = guess
    return estimate


def observed_share(delay: np.ndarray, n: int) -> np.ndarray:
    """For each of the last `n` days of a series ending today, the share of that day's infections
    confirmed by today: P(delay <= days since)."""
    cumulative = np.cumsum(delay)
    since = np.arange(n)[::-1]
    share: np.ndarray = np.where(since < len(cumulative), cumulative[np.minimum(since, len(cumulative) - 1)], 1.0)
    return share


def reliable_days(delay: np.ndarray, n: int) -> int:
    """How many days from the start of an infection series of `n` days to show: the last days,
    of which less than `MIN_OBSERVED` has been confirmed yet, are left out."""
    return int((observed_share(delay, n) >= MIN_OBSERVED).sum())
