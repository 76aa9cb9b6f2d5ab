"""Epidemic analytics for the command: the epidemic curve, and the time-varying reproduction number
Rt by Cori et al. (2013) exactly as EpiEstim computes it (parametric serial interval discretised as
its `discr_si`, a sliding window ending on each day, a gamma prior), mean and 95 % interval.

Cases count on their local dates; a ruled-out case counts nowhere. Every figure is limited to the
cases living in the reader's jurisdiction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.special import gammainc, gammaincinv
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction, require
from fangyi.errors import Invalid
from fangyi.protocols.reader import Epi, current
from fangyi.registry.models import Person
from fangyi.timeutil import to_local, today
from fangyi.tracing.models import Case

QUANTILES = (0.025, 0.975)


def _cdf(x: np.ndarray, shape: float, scale: float) -> np.ndarray:
    """The gamma distribution's CDF, 0 below 0 (R's `pgamma`)."""
    values: np.ndarray = np.where(x > 0, gammainc(shape, np.clip(x, 0, None) / scale), 0.0)
    return values


def discr_si(k: np.ndarray | list[int], mean: float, sd: float) -> np.ndarray:
    """The serial interval's probability on days k, as EpiEstim's `discr_si`: a gamma distribution
    of `mean - 1`, `sd` shifted by a day, discretised so that the discrete distribution keeps the
    mean. Day 0 has probability 0."""
    if mean <= 1 or sd <= 0:
        raise Invalid("the serial interval needs a mean above 1 day and a positive sd", column="si")
    days = np.asarray(k, dtype=float)
    shape, scale = ((mean - 1) / sd) ** 2, sd**2 / (mean - 1)
    p = (days * _cdf(days, shape, scale) + (days - 2) * _cdf(days - 2, shape, scale)
         - 2 * (days - 1) * _cdf(days - 1, shape, scale))
    p += shape * scale * (2 * _cdf(days - 1, shape + 1, scale) - _cdf(days - 2, shape + 1, scale)
                          - _cdf(days, shape + 1, scale))
    clipped: np.ndarray = np.clip(p, 0, None)
    return clipped


@dataclass(frozen=True)
class Estimate:
    end: int  # index of the window's last day in the incidence series
    mean: float
    lower: float
    upper: float
    cases_in_window: float  # a fraction where the counts are estimates
    shape: float  # the posterior gamma's, for checking against a peer
    scale: float


def infectivity(incidence: np.ndarray, si: np.ndarray) -> np.ndarray:
    """Λ_t = Σ_k w_k I_{t-k}: how much infectiousness the cases before day t put out on day t."""
    weights = np.zeros(len(incidence))
    weights[:min(len(si), len(incidence))] = si[:len(incidence)]
    return np.convolve(incidence, weights)[:len(incidence)]


def cori(incidence: list[int] | np.ndarray, si: np.ndarray, *, window: int, prior_mean: float = 5.0,
         prior_sd: float = 5.0) -> list[Estimate]:
    """Cori's posterior for every window of `window` days, as EpiEstim's `estimate_R` with its
    default windows (the first starting on the series' second day): shape a + ΣI, scale
    1 / (1/b + ΣΛ) over the window. Windows with no infectiousness before them have no estimate."""
    counts = np.asarray(incidence, dtype=float)
    lam = infectivity(counts, si)
    prior_shape, prior_scale = (prior_mean / prior_sd) ** 2, prior_sd**2 / prior_mean
    estimates = []
    for end in range(window, len(counts)):  # window = days end-window+1 .. end, starting at day 1 (0-based)
        days = slice(end - window + 1, end + 1)
        pressure = float(lam[days].sum())
        if pressure <= 0:
            continue
        shape = prior_shape + float(counts[days].sum())
        scale = 1 / (1 / prior_scale + pressure)
        lower, upper = (float(gammaincinv(shape, q) * scale) for q in QUANTILES)
        estimates.append(Estimate(end, shape * scale, lower, upper, float(counts[days].sum()), shape, scale))
    return estimates


# --- from the cases ------------------------------------------------------------------------------


Cases = list[tuple[date, date | None, str]]


def cases_counted(session: Session, actor: Principal) -> Cases:
    """(local confirmation date, onset date, source) of every case counted, in the jurisdiction:
    read once by a page that draws the curve and both Rt (the dashboard), passed to each."""
    require(actor, "read_report")
    rows = session.execute(select(Case.confirmed_at, Case.onset_date, Case.source)
                           .join(Person, Person.id == Case.person_id)
                           .where(Case.ruled_out_at.is_(None), in_jurisdiction(actor, Person.area_code)))
    return [(to_local(confirmed).date(), onset, str(source)) for confirmed, onset, source in rows]


def curve(session: Session, actor: Principal, *, until: date | None = None,
          cases: Cases | None = None) -> list[dict[str, Any]]:
    """Cases a day by onset and by confirmation, local and imported, from the first case's day to
    `until` (today), every day listed (`cases`: as `cases_counted` read them)."""
    require(actor, "read_report")
    cases = cases_counted(session, actor) if cases is None else cases
    if not cases:
        return []
    last = until or today()
    first = min(min(confirmed, onset or confirmed) for confirmed, onset, _ in cases)
    by: Counter[tuple[date, str, str]] = Counter()
    for confirmed, onset, source in cases:
        kind = "imported" if source == "imported" else "local"
        by[(confirmed, "confirmed", kind)] += 1
        if onset is not None:
            by[(onset, "onset", kind)] += 1
    return [{"date": day.isoformat(),
             **{f"{basis}_{kind}": by[(day, basis, kind)] for basis in ("onset", "confirmed")
                for kind in ("local", "imported")}}
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))]


def rt(session: Session, actor: Principal, *, by: str = "confirmation", window: int | None = None,
       si_mean: float | None = None, si_sd: float | None = None, until: date | None = None,
       cases: Cases | None = None) -> list[dict[str, Any]]:
    """Rt for each day whose window holds enough cases (`date` is the window's last day), over every
    case, imported and local alike: by local confirmation date, or by date of infection as
    estimated back from the confirmations (fangyi.command.infection)."""
    if by not in BASES:
        raise Invalid(f"by is one of {', '.join(BASES)}", column="by")
    rules = current().epi
    window = window or rules.rt_window_days
    if window < 1 or window > 60:
        raise Invalid("the window is 1 to 60 days", column="window")
    mean = rules.serial_interval_mean if si_mean is None else si_mean
    sd = rules.serial_interval_sd if si_sd is None else si_sd
    require(actor, "read_report")
    cases = cases_counted(session, actor) if cases is None else cases
    if not cases:
        return []
    first = min(confirmed for confirmed, _, _ in cases)
    last = until or today()
    if last < first:
        return []
    per_day = Counter(confirmed for confirmed, _, _ in cases if confirmed <= last)
    incidence = np.array([per_day[first + timedelta(days=n)] for n in range((last - first).days + 1)], dtype=float)
    if by == "infection":
        delays = [(confirmed - onset).days for confirmed, onset, _ in cases if onset is not None and confirmed <= last]
        infections, lead = by_infection(incidence, delays, rules)
        return [{**e, "date": (first + timedelta(days=int(e["date"]) - lead)).isoformat()}
                for e in estimates(infections, rules, window=window, si_mean=mean, si_sd=sd)]
    return [{**e, "date": (first + timedelta(days=int(e["date"]))).isoformat()}
            for e in estimates(incidence, rules, window=window, si_mean=mean, si_sd=sd)]


BASES = ("confirmation", "infection")


def by_infection(confirmed: np.ndarray, delays: list[int], rules: Epi) -> tuple[np.ndarray, int]:
    """Infections a day estimated from the confirmed series, the last days whose cases are mostly
    not confirmed yet left out, and how many days before the confirmed series' first it starts.
    The delay from onset to confirmation is the one observed in `delays` (days), or the edition's
    when too few cases have an onset."""
    from fangyi.command import infection

    incubation = infection.gamma_pmf(rules.incubation_mean, rules.incubation_sd)
    if len(delays) >= rules.delay_min_onsets:
        to_confirmation = infection.observed_delays(delays)
    else:
        to_confirmation = infection.gamma_pmf(rules.onset_to_confirmation_mean, rules.onset_to_confirmation_sd)
    delay = infection.total_delay(incubation, to_confirmation)
    series = infection.back_project(confirmed, delay)
    return series[:infection.reliable_days(delay, len(series))], len(delay) - 1


def estimates(incidence: np.ndarray, rules: Epi, *, window: int, si_mean: float,
              si_sd: float) -> list[dict[str, Any]]:
    """Cori's estimates over a daily series, `date` being the index of the window's last day; only
    where the window holds the edition's minimum of cases (counts estimated back may be fractions)."""
    si = discr_si(np.arange(len(incidence)), si_mean, si_sd)
    return [{"date": e.end, "mean": round(e.mean, 6), "lower": round(e.lower, 6), "upper": round(e.upper, 6),
             "cases_in_window": round(e.cases_in_window)}
            for e in cori(incidence, si, window=window, prior_mean=rules.rt_prior_mean, prior_sd=rules.rt_prior_sd)
            if round(e.cases_in_window) >= rules.rt_min_cases]


# --- for the report page ---------------------------------------------------------------------------


def figure(days: list[dict[str, Any]], estimates: list[dict[str, Any]], words: dict[str, str],
           last_days: int = 60) -> dict[str, Any]:
    """A Plotly figure (JSON-ready) of the last `last_days` of the curve by confirmation, local and
    imported stacked, and Rt with its interval on a second axis; 1 drawn as the threshold."""
    shown = days[-last_days:]
    start = shown[0]["date"] if shown else ""
    rt_shown = [e for e in estimates if e["date"] >= start]
    dates = [d["date"] for d in shown]
    return {
        "data": [
            {"type": "bar", "name": words["local"], "x": dates, "y": [d["confirmed_local"] for d in shown]},
            {"type": "bar", "name": words["imported"], "x": dates, "y": [d["confirmed_imported"] for d in shown]},
            {"type": "scatter", "mode": "lines", "name": words["interval"], "yaxis": "y2", "showlegend": False,
             "x": [e["date"] for e in rt_shown] + [e["date"] for e in reversed(rt_shown)],
             "y": [e["upper"] for e in rt_shown] + [e["lower"] for e in reversed(rt_shown)],
             "fill": "toself", "line": {"width": 0}, "fillcolor": "rgba(200,60,60,0.2)", "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines+markers", "name": "Rt", "yaxis": "y2",
             "x": [e["date"] for e in rt_shown], "y": [e["mean"] for e in rt_shown], "line": {"color": "#c83c3c"}},
        ],
        "layout": {
            "barmode": "stack", "margin": {"l": 40, "r": 40, "t": 30, "b": 40}, "height": 300,
            "legend": {"orientation": "h"},
            # Dates as numbers: Plotly's own month names are English.
            "xaxis": {"tickformat": "%m-%d", "hoverformat": "%Y-%m-%d"},
            "yaxis": {"title": {"text": words["cases"]}, "rangemode": "tozero"},
            "yaxis2": {"title": {"text": "Rt"}, "overlaying": "y", "side": "right", "rangemode": "tozero"},
            "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2", "y0": 1, "y1": 1,
                        "line": {"dash": "dot", "color": "#888"}}] if rt_shown else [],
        },
    }
