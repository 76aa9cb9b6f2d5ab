"""Command: the daily report and the commander's dashboard."""

from __future__ import annotations

from tests.matrix.probes import Probe, Probes

DAY = {"date": "2022-04-01"}

PROBES: Probes = {
    ("GET", "/api/v1/report/daily"): Probe(sided=False, query=lambda w, s: DAY),
    ("GET", "/report"): Probe(sided=False, query=lambda w, s: DAY),
    ("GET", "/report.xlsx"): Probe(sided=False, query=lambda w, s: DAY),
    # Closing a day: each run closes 1 April of its jurisdiction once (a second close answers 200).
    ("POST", "/api/v1/report/daily/{day}/close"): Probe(sided=False, path=lambda w, s: {"day": "2022-04-01"}),
    ("POST", "/report/close"): Probe(sided=False, form=lambda w, s: DAY),
    ("GET", "/api/v1/epi/curve"): Probe(sided=False),
    ("GET", "/api/v1/epi/rt"): Probe(sided=False),
    ("GET", "/api/v1/epi/growth"): Probe(sided=False),
    # The commander's dashboard: today's figures, charts and clocks of the whole jurisdiction.
    ("GET", "/command"): Probe(sided=False),
}
