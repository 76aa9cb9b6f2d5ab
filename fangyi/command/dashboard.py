"""The commander's dashboard: every headline figure today against yesterday, the epidemic curve and
Rt, zones and risk areas on a schematic map of the county, the bed forecast, tubes overdue, and the
protocol's clocks for each recent case with every breach.

Yesterday is past: its figures are the closed day's, stored when the command office closed it, and
computed from the records only when nobody closed it, then kept ten minutes. Today's figures and
the clusters are kept a minute (the page's refresh); the registry's totals ten minutes, and their
costliest counts (check-ins, persons) are incremental (registry/tally.py). The curve, the map, the
clocks and the overdue tubes are computed on each view, each with bounded queries, the cases read
once for the curve and both Rt.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, can, in_jurisdiction, jurisdiction, require
from fangyi.areacodes import AreaCodeError, parent_of
from fangyi.command import closing, epi, growth
from fangyi.parts import installed
from fangyi.protocols.reader import current
from fangyi.quarantine import service as quarantine
from fangyi.registry.models import Area, Person
from fangyi.screening import service as screening
from fangyi.timeutil import aware, now, to_local, today
from fangyi.tracing import service as tracing
from fangyi.tracing.models import Case, Contact
from fangyi.transport.models import Task
from fangyi.zones.models import Zone

# The protocol's clocks (edition's `clocks`, hours from the positive result), in the order they run.
CLOCKS = ("to_hospital", "trajectory", "contacts_quarantined", "investigation_report")
# Milestones the data model keeps no time for: shown as not recorded, never guessed.
UNRECORDED = frozenset({"investigation_report"})
# Cases whose clocks are shown: those confirmed within the last three days (the longest clock, 24 h,
# and the two days before it, so that yesterday's breaches stay in sight).
CLOCK_DAYS = 3
CLOCK_CASES = 200  # a county's worst days; more is a list for the tracing pages, not a wall screen
KIND_COLOURS = {"sealed": "#b71c1c", "controlled": "#ef6c00", "precaution": "#f9a825",
                "high": "#b71c1c", "medium": "#ef6c00", "low": "#2e7d32"}


# --- today against yesterday -------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    today: Any
    yesterday: Any

    @property
    def change(self) -> float | int | None:
        """Today less yesterday, for numbers only (a ratio such as '3/4' has none)."""
        numbers = (int, float)
        if isinstance(self.today, numbers) and isinstance(self.yesterday, numbers) \
                and not isinstance(self.today, bool):
            return round(self.today - self.yesterday, 4)
        return None


# Today's figures are kept one refresh of the page: a commander's screen and a second one opened
# beside it cost one computation a minute. An open past day (not closed) is kept ten minutes: a
# correction reaches it then, and the report page's "as corrected" at once. The registry's figures
# are current totals whatever the day asked for (registry/figures.py), the costliest of all (every
# check-in counted): computed once for both days and kept ten minutes too.
TODAY_SECONDS = 60
PAST_SECONDS = 600
TOTALS = frozenset({"registry"})
_kept_lock = threading.Lock()
_kept: dict[tuple[Any, ...], tuple[float, datetime, Any]] = {}


def forget() -> None:
    """Drop every kept figure (tests; a deployment after a bulk correction)."""
    with _kept_lock:
        _kept.clear()


def _kept_or(session: Session, who: Principal, what: tuple[Any, ...], seconds: float,
             compute: Callable[[], Any]) -> tuple[Any, datetime]:
    """`compute()`'s value for this database and reader, kept `seconds`, and when it was computed."""
    key = (str(session.get_bind().engine.url), who.role, who.id, jurisdiction(who), *what)
    clock = time.monotonic()
    with _kept_lock:
        kept = _kept.get(key)
    if kept is not None and kept[0] > clock:
        return kept[2], kept[1]
    moment, value = now(), compute()
    with _kept_lock:
        if len(_kept) > 1024:  # many readers over many days: start again rather than grow
            _kept.clear()
        _kept[key] = (clock + seconds, moment, value)
    return value, moment


def _compute(session: Session, who: Principal, day: date) -> dict[str, Any]:
    """The day's report as `report.daily` makes it, the registry's totals kept."""
    figures: dict[str, Any] = {"date": day.isoformat()}
    for key, make in installed().figures:
        if key in TOTALS:
            figures[key] = _kept_or(session, who, ("totals", key), PAST_SECONDS, partial(make, session, day, who))[0]
        else:
            figures[key] = make(session, day, who)
    return figures


def day_figures(session: Session, who: Principal, day: date) -> tuple[dict[str, Any], datetime]:
    """The day's figures for the reader, and the moment they were computed: a closed day's as
    closed; otherwise from the records, kept TODAY_SECONDS (today) or PAST_SECONDS (a past day)."""
    require(who, "read_report")
    closed = closing.closed(session, who, day)
    if closed is not None:
        return closed.figures, closed.closed_at
    seconds = TODAY_SECONDS if day >= today() else PAST_SECONDS
    figures, moment = _kept_or(session, who, ("day", day), seconds, lambda: _compute(session, who, day))
    return figures, moment


def past_figures(session: Session, who: Principal, day: date) -> dict[str, Any]:
    return day_figures(session, who, day)[0]


def headline(session: Session, who: Principal, day: date) -> list[Figure]:
    """Every figure of every part, on `day` and the day before, in the report's order."""
    return headline_as_of(session, who, day)[0]


def headline_as_of(session: Session, who: Principal, day: date) -> tuple[list[Figure], datetime]:
    """The headline figures and the moment the day's were computed."""
    today_figures, moment = day_figures(session, who, day)
    before = past_figures(session, who, day - timedelta(days=1))
    rows: list[Figure] = []
    for section, values in today_figures.items():
        if not isinstance(values, dict):
            continue
        earlier = before.get(section) or {}
        rows.extend(Figure(section, name, value, earlier.get(name)) for name, value in values.items())
    return rows, moment


# --- the map -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    code: str
    name: str
    lat: float
    lon: float
    kind: str | None = None  # a zone's or risk area's kind; None: a township of the base map


def _ancestors(code: str) -> list[str]:
    chain = [code]
    while True:
        try:
            parent = parent_of(chain[-1])
        except AreaCodeError:
            return chain
        if parent is None:
            return chain
        chain.append(parent)


def map_points(session: Session, who: Principal) -> list[MapPoint]:
    """The townships of the jurisdiction (the base), and each area of a zone or risk area in force
    now, placed at its own coordinates or, lacking them, its nearest area above that has some."""
    require(who, "read_report")
    towns = session.execute(select(Area.code, Area.name, Area.lat, Area.lon).where(
        Area.level == "township", Area.lat.is_not(None), Area.lon.is_not(None), in_jurisdiction(who, Area.code))
        .order_by(Area.code)).all()
    points = [MapPoint(code, name, lat, lon) for code, name, lat, lon in towns if lat is not None and lon is not None]
    moment = now()
    zones = session.execute(select(Zone.kind, Zone.area_codes).where(
        Zone.state == "active", Zone.approved_at.is_not(None), Zone.approved_at <= moment,
        Zone.lifted_at.is_(None), in_jurisdiction(who, Zone.scope_code)).order_by(Zone.id)).all()
    wanted = {code for _, codes in zones for code in codes}
    chains = {code: _ancestors(code) for code in wanted}
    names: dict[str, str] = {}
    placed: dict[str, tuple[float, float]] = {}
    for code, name, lat, lon in session.execute(select(Area.code, Area.name, Area.lat, Area.lon).where(
            Area.code.in_({c for chain in chains.values() for c in chain}))):
        names[code] = name
        if lat is not None and lon is not None:
            placed[code] = (lat, lon)
    for kind, codes in zones:
        for code in codes:
            place = next((placed[c] for c in chains[code] if c in placed), None)
            if place is not None:
                points.append(MapPoint(code, names.get(code, code), place[0], place[1], kind))
    return points


def map_figure(points: list[MapPoint], words: dict[str, str]) -> dict[str, Any]:
    """A Plotly scatter of the points on longitude/latitude (no tiles: deployments are offline), one
    trace for the townships and one per kind of zone, each in its colour."""
    base = [p for p in points if p.kind is None]
    data: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "markers+text", "name": words["township"], "x": [p.lon for p in base],
        "y": [p.lat for p in base], "text": [p.name for p in base], "textposition": "top center",
        "textfont": {"size": 10, "color": "#555"}, "marker": {"size": 8, "color": "#bbb"}, "hoverinfo": "text"}]
    for kind, colour in KIND_COLOURS.items():
        shown = [p for p in points if p.kind == kind]
        if shown:
            data.append({"type": "scatter", "mode": "markers", "name": words[f"kind.{kind}"],
                         "x": [p.lon for p in shown], "y": [p.lat for p in shown],
                         "text": [p.name for p in shown], "hoverinfo": "text+name",
                         "marker": {"size": 14, "color": colour, "opacity": 0.75, "line": {"width": 1}}})
    return {"data": data, "layout": {
        "height": 320, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "legend": {"orientation": "h"},
        "showlegend": True,
        # Degrees of longitude are shorter than latitude's at 27° N: scaled so the county keeps its shape.
        "xaxis": {"visible": False}, "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1.12},
    }}


# --- beds and tubes ----------------------------------------------------------------------------


def bed_forecast(session: Session, who: Principal, day: date) -> dict[str, Any] | None:
    """Quarantine's 14-day bed forecast, for a reader who may place people (None otherwise)."""
    require(who, "read_report")
    if not can(who, "allocate"):
        return None
    return quarantine.bed_forecast(session, who, day)


def forecast_figure(forecast: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
    days = forecast["days"]
    return {"data": [
        {"type": "bar", "name": words["beds_free"], "x": days, "y": forecast["free"], "marker": {"color": "#4a7fb0"}},
        {"type": "scatter", "mode": "lines", "name": words["waiting"], "x": days,
         "y": [forecast["waiting"]] * len(days), "line": {"dash": "dot", "color": "#c83c3c"}},
    ], "layout": {"height": 180, "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "legend": {"orientation": "h"},
                  "xaxis": {"tickformat": "%m-%d", "hoverformat": "%Y-%m-%d"},
                  "yaxis": {"rangemode": "tozero"}}}


def overdue_tubes(session: Session, who: Principal) -> int:
    require(who, "read_report")
    return screening.overdue_tubes(session, who, now())


# --- chains and clusters -----------------------------------------------------------------------

# The chart draws the largest clusters of two cases or more, up to these many of them and of their
# cases (a county's worst weeks: more is the tracing pages' list, not a wall screen); the table lists
# up to CLUSTER_ROWS clusters, every single case counted in one line below it.
CHAIN_CLUSTERS = 8
CHAIN_CASES = 300
CLUSTER_ROWS = 20
LINK_STYLES = {"source": ("#c0392b", "solid"), "contact": ("#e67e22", "dash"), "shared_contact": ("#95a5a6", "dot")}


def clusters(session: Session, who: Principal) -> list[Any] | None:
    """The clusters the reader may see, largest first, their links placed (tracing's chains), for a
    reader who may read cases (None otherwise); computed at most once a minute."""
    require(who, "read_report")
    if not can(who, "read_cases"):
        return None
    # Every case and contact link read: kept a refresh of the page, as today's figures are.
    found: list[Any] = _kept_or(session, who, ("clusters",), TODAY_SECONDS,
                                lambda: tracing.clusters_seen(session, who, settings=True))[0]
    return found


def setting_words(cluster: Any, word: Callable[[str], str]) -> str:
    """A cluster's settings in words, most frequent first: "家庭 3 · 工作场所 1" ('' when none is known)."""
    def name(kind: str) -> str:
        return word(f"dash.setting.{kind}") if kind in ("household", "named") else word(f"venue.kind.{kind}")

    return " · ".join(f"{name(kind)} {n}" for kind, n in cluster.settings)


def _rows(cluster: Any) -> list[str]:
    """The cluster's cases top to bottom: each case under the one it came from (its first source or
    contact link), the roots and each case's offspring in order of confirmation."""
    parent: dict[str, str] = {}
    for link in cluster.links:
        if link.kind in ("source", "contact") and link.target not in parent and link.source != link.target:
            parent[link.target] = link.source
    order = {name: index for index, name in enumerate(cluster.cases)}
    children: dict[str, list[str]] = {}
    for child, mother in parent.items():
        if mother in order:
            children.setdefault(mother, []).append(child)
    rows: list[str] = []
    placed: set[str] = set()
    for root in cluster.cases:
        if root in placed or (root in parent and parent[root] in order):
            continue
        stack = [root]
        while stack:
            name = stack.pop()
            if name in placed:
                continue
            placed.add(name)
            rows.append(name)
            stack.extend(sorted(children.get(name, []), key=lambda n: -order[n]))
    rows.extend(name for name in cluster.cases if name not in placed)  # a cycle in the records
    return rows


def chains_figure(found: list[Any], words: dict[str, str]) -> dict[str, Any] | None:
    """A Plotly figure of who gave it to whom: one band per cluster of two cases or more (largest
    first), each case a point at its confirmation time, each link a line from the earlier case to the
    later, styled by what links them; imported cases in their own colour."""
    shown: list[Any] = []
    sizes: list[int] = []  # each drawn cluster's whole size (a cut one draws fewer cases)
    count = 0
    for cluster in found:
        if len(cluster.cases) < 2 or len(shown) >= CHAIN_CLUSTERS or count >= CHAIN_CASES:
            continue
        sizes.append(cluster.size)
        if count + len(cluster.cases) > CHAIN_CASES:  # its earliest cases, as many as the chart holds
            kept = set(cluster.cases[:CHAIN_CASES - count])
            cluster = replace(cluster, cases=[n for n in cluster.cases if n in kept],
                              links=[k for k in cluster.links if k.source in kept and k.target in kept])
        shown.append(cluster)
        count += len(cluster.cases)
    if not shown:
        return None
    y: dict[str, int] = {}
    ticks: list[tuple[float, str]] = []
    row = 0
    for cluster, size in zip(shown, sizes, strict=True):
        first = row
        for name in _rows(cluster):
            y[name] = -row
            row += 1
        drawn = len(cluster.cases) + cluster.hidden
        ticks.append((-(first + row - 1) / 2,
                      f"{cluster.name}（{drawn}/{size}）" if drawn < size else f"{cluster.name}（{size}）"))
        row += 1  # a gap between bands
    at = {name: to_local(c.details[name].confirmed_at).strftime("%Y-%m-%d %H:%M")
          for c in shown for name in c.cases if name in c.details}
    data: list[dict[str, Any]] = []
    for kind, (colour, dash) in LINK_STYLES.items():
        xs: list[str | None] = []
        ys: list[int | None] = []
        for cluster in shown:
            for link in cluster.links:
                if link.kind == kind and link.source in at and link.target in at:
                    xs += [at[link.source], at[link.target], None]
                    ys += [y[link.source], y[link.target], None]
        if xs:
            data.append({"type": "scatter", "mode": "lines", "name": words[f"link.{kind}"], "x": xs, "y": ys,
                         "hoverinfo": "skip", "line": {"color": colour, "dash": dash, "width": 1.5}})
    labels = count <= 60
    for source, colour in (("local", "#2c3e50"), ("imported", "#8e44ad")):
        names = [n for c in shown for n in c.cases if n in at and c.details[n].source == source]
        if names:
            data.append({"type": "scatter", "mode": "markers+text" if labels else "markers",
                         "name": words[source], "x": [at[n] for n in names], "y": [y[n] for n in names],
                         "text": names, "textposition": "top center", "textfont": {"size": 9},
                         "hovertemplate": "%{text}<br>%{x}<extra></extra>",
                         "marker": {"size": 9 if labels else 6, "color": colour}})
    return {"data": data, "layout": {
        "height": min(900, 120 + 22 * row), "margin": {"l": 150, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h"}, "showlegend": True,
        "xaxis": {"type": "date", "tickformat": "%m-%d", "hoverformat": "%m-%d %H:%M"},
        "yaxis": {"tickvals": [v for v, _ in ticks], "ticktext": [t for _, t in ticks], "zeroline": False,
                  "showgrid": False, "range": [-row, 1]},
    }}


# --- the protocol's clocks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    clock: str
    due: datetime
    done: datetime | None
    # met | late (done after due) | overdue (not done, due passed) | open | none (nothing to do) |
    # unrecorded (the data model keeps no time for it)
    state: str
    detail: str = ""

    @property
    def breach(self) -> bool:
        return self.state in ("late", "overdue")


@dataclass
class CaseClocks:
    case_id: int
    case_no: str
    area_name: str
    confirmed_at: datetime
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def breaches(self) -> list[Milestone]:
        return [m for m in self.milestones if m.breach]


def clock_hours() -> dict[str, int]:
    """The clocks the edition in force sets, in order, with their hours (an edition without one runs
    none for it)."""
    hours = current().clocks
    return {name: hours[name] for name in CLOCKS if name in hours}


def _state(due: datetime, done: datetime | None, at: datetime) -> str:
    if done is not None:
        return "met" if done <= due else "late"
    return "overdue" if at > due else "open"


def clocks(session: Session, who: Principal, at: datetime | None = None) -> list[CaseClocks]:
    """The clocks of each case of the jurisdiction confirmed in the last CLOCK_DAYS days, from its
    positive result (`confirmed_at`): the transfer to hospital (its hospital task delivered), the
    trajectory (the first derivation of contacts from its places), its close contacts in quarantine
    (every close contact on the list with a quarantine start), and the investigation report, which
    no record holds. Newest cases first."""
    require(who, "read_report")
    at = at or now()
    cases = session.execute(
        select(Case.id, Case.case_no, Case.confirmed_at, Case.derived_at, Area.name)
        .join(Person, Person.id == Case.person_id).join(Area, Area.code == Person.area_code)
        .where(Case.ruled_out_at.is_(None), Case.confirmed_at >= at - timedelta(days=CLOCK_DAYS),
               Case.confirmed_at <= at, in_jurisdiction(who, Person.area_code))
        .order_by(Case.confirmed_at.desc(), Case.id.desc()).limit(CLOCK_CASES)).all()
    ids = [row.id for row in cases]
    if not ids:
        return []
    delivered: dict[int, datetime] = {}
    for case_id, moment in session.execute(select(Task.case_id, Task.delivered_at).where(
            Task.case_id.in_(ids), Task.kind == "hospital", Task.delivered_at.is_not(None))):
        if case_id is not None and moment is not None:
            delivered[case_id] = min(delivered.get(case_id, moment), moment)
    contacts: dict[int, list[datetime | None]] = {}
    for case_id, quarantined in session.execute(select(Contact.case_id, Contact.quarantined_at).where(
            Contact.case_id.in_(ids), Contact.degree == "close", Contact.status != "rejected",
            Contact.stale.is_(False))):
        contacts.setdefault(case_id, []).append(quarantined)
    running = clock_hours()
    found = []
    for row in cases:
        start = aware(row.confirmed_at)
        one = CaseClocks(row.id, row.case_no, row.name, start)
        for name, hours in running.items():
            due = start + timedelta(hours=hours)
            if name == "to_hospital":
                done = aware(delivered.get(row.id))
                one.milestones.append(Milestone(name, due, done, _state(due, done, at)))
            elif name == "trajectory":
                done = aware(row.derived_at)
                one.milestones.append(Milestone(name, due, done, _state(due, done, at)))
            elif name == "contacts_quarantined":
                one.milestones.append(_contacts_milestone(due, row.derived_at is not None, contacts.get(row.id, []),
                                                          at))
            elif name in UNRECORDED:
                one.milestones.append(Milestone(name, due, None, "unrecorded"))
        found.append(one)
    return found


def _contacts_milestone(due: datetime, derived: bool, starts: list[datetime | None], at: datetime) -> Milestone:
    """Met when every close contact on the list is in quarantine; none to place once the contacts
    were derived and none is close."""
    if not starts:
        return Milestone("contacts_quarantined", due, None, "none" if derived else _state(due, None, at), "0/0")
    placed = [aware(s) for s in starts if s is not None]
    done = max(placed) if len(placed) == len(starts) else None
    return Milestone("contacts_quarantined", due, done, _state(due, done, at), f"{len(placed)}/{len(starts)}")


def breaches(found: list[CaseClocks]) -> list[tuple[CaseClocks, Milestone]]:
    """Every milestone missed, the earliest due first."""
    return sorted(((case, m) for case in found for m in case.breaches), key=lambda pair: pair[1].due)


# --- the page ----------------------------------------------------------------------------------

REFRESH_SECONDS = 60


def view(session: Session, who: Principal, day: date, word: Callable[[str], str]) -> dict[str, Any]:
    """Everything the dashboard shows on `day` (today), in the reader's words: its figures, its
    charts (Plotly figures, JSON-ready) and the clocks."""
    require(who, "read_report")
    figures, as_of = headline_as_of(session, who, day)
    cases = epi.cases_counted(session, who)  # once, for the curve and both Rt
    days = epi.curve(session, who, until=day, cases=cases)
    estimates = epi.rt(session, who, until=day, cases=cases) if days else []
    by_infection = epi.rt(session, who, by="infection", until=day, cases=cases) if days else []
    curve_words = {key: word(f"epi.{key}") for key in ("local", "imported", "interval", "cases")}
    forecast = bed_forecast(session, who, day)
    kinds = {f"kind.{kind}": word(f"zones.kind.{kind}") for kind in KIND_COLOURS}
    points = map_points(session, who)
    found = clocks(session, who)
    groups = clusters(session, who)
    chain_words = {**{f"link.{kind}": word(f"dash.link.{kind}") for kind in LINK_STYLES},
                   **{source: word(f"dash.case_{source}") for source in ("local", "imported")}}
    chains = chains_figure(groups, chain_words) if groups else None
    return {
        "sections": _by_section(figures),
        "as_of": as_of,
        "curve": json.dumps(with_rt_by_infection(with_onsets(epi.figure(days, estimates, curve_words), days, word),
                                                 by_infection, word), ensure_ascii=False)
        if days else None,
        "latest_rt": estimates[-1] if estimates and estimates[-1]["date"] == day.isoformat() else None,
        "growth": growth.growth(session, who, until=day),
        "map": json.dumps(map_figure(points, {"township": word("dash.township"), **kinds}), ensure_ascii=False)
        if points else None,
        "zones_shown": sum(1 for p in points if p.kind is not None),
        "forecast": forecast,
        "forecast_chart": json.dumps(forecast_figure(forecast, {"beds_free": word("dash.beds_free"),
                                                                "waiting": word("dash.waiting")}),
                                     ensure_ascii=False) if forecast else None,
        "overdue_tubes": overdue_tubes(session, who),
        # Today's throughput: the testing section's figures, when the reader's report has one.
        "tubes": next(({f.name: f.today for f in rows} for key, rows in _by_section(figures) if key == "testing"),
                      None),
        "clusters": [(c, setting_words(c, word)) for c in groups if len(c.cases) > 1 or c.hidden][:CLUSTER_ROWS]
        if groups else [],
        "sporadic": sum(1 for c in groups if len(c.cases) == 1 and not c.hidden) if groups else 0,
        "clusters_shown": groups is not None,
        "chains": json.dumps(chains, ensure_ascii=False) if chains else None,
        "clocks": found,
        "breaches": breaches(found),
        "clock_hours": clock_hours(),
    }


def with_onsets(figure: dict[str, Any], days: list[dict[str, Any]], word: Callable[[str], str]) -> dict[str, Any]:
    """The curve by onset date too, where cases have one: local and imported as lines over the same
    days as the bars, off until a click on the legend (the confirmation bars are the counted ones)."""
    shown = figure["data"][0]["x"]
    by_day = {d["date"]: d for d in days}
    for kind in ("local", "imported"):
        values = [by_day[day][f"onset_{kind}"] for day in shown]
        if any(values):
            figure["data"].append({"type": "scatter", "mode": "lines+markers", "name": word(f"dash.onset_{kind}"),
                                   "x": shown, "y": values, "visible": "legendonly", "line": {"dash": "dot"}})
    return figure


def with_rt_by_infection(figure: dict[str, Any], estimates: list[dict[str, Any]],
                         word: Callable[[str], str]) -> dict[str, Any]:
    """Rt by date of infection as a dashed line on Rt's axis, over the days the chart shows: it
    ends about a week before today (those infections are mostly not confirmed yet)."""
    shown = figure["data"][0]["x"]
    kept = [e for e in estimates if shown and e["date"] >= shown[0]]
    if kept:
        figure["data"].append({"type": "scatter", "mode": "lines", "name": word("epi.rt_infection"), "yaxis": "y2",
                               "x": [e["date"] for e in kept], "y": [e["mean"] for e in kept],
                               "line": {"dash": "dash", "color": "#7a3cc8"}})
    return figure


def _by_section(figures: list[Figure]) -> list[tuple[str, list[Figure]]]:
    sections: dict[str, list[Figure]] = {}
    for figure in figures:
        sections.setdefault(figure.section, []).append(figure)
    return list(sections.items())
