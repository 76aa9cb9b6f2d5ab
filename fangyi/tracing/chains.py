"""Chains: cases linked into clusters by source links, by one case being another's contact, and
by contacts they share. A cluster is named after its earliest confirmed case.

Asked for (`settings=True`), each link that says who gave it to whom (a source link, or a case on
another's contact list) carries its setting, the kind of place the two met, from the records:
the contact list's reasons when one case is the other's close contact (a shared home, a venue,
named by the case); otherwise a home the two persons share; otherwise a venue where their check-ins overlap
in the two weeks before the later case's confirmation, the kind of the venue they shared longest.
A cluster's settings are its links', counted."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from fangyi.registry.models import Checkin, Person, Venue
from fangyi.tracing.models import Case, Contact

# Contacts that count for links: what the lists show (not rejected, not dropped by the data).
_LIVE = and_(Contact.status != "rejected", or_(Contact.stale.is_(False), Contact.status == "confirmed"))


@dataclass
class Link:
    source: str  # case number
    target: str
    kind: str  # source | contact | shared_contact
    shared: int = 0  # shared_contact: how many persons
    # Where the two met (household, named, or a venue's kind) when asked for and found; None else.
    setting: str | None = None


@dataclass(frozen=True)
class Seen:
    """One case of a cluster as a chart places it."""

    confirmed_at: datetime
    onset: date | None
    source: str  # imported | local


@dataclass
class Cluster:
    name: str
    cases: list[str] = field(default_factory=list)  # by confirmation time
    links: list[Link] = field(default_factory=list)
    first_confirmed: datetime | None = None
    hidden: int = 0  # cases of the cluster outside the reader's jurisdiction, counted but not named
    last_confirmed: datetime | None = None
    # The cluster's first and last onset dates (every case of it, hidden ones too: dates, no names).
    first_onset: date | None = None
    last_onset: date | None = None
    details: dict[str, Seen] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.cases) + self.hidden

    @property
    def settings(self) -> list[tuple[str, int]]:
        """The settings of its links, most frequent first, each pair of cases once (two cases on
        each other's lists are one meeting); links not placed left out."""
        pairs: dict[frozenset[str], str] = {}
        for link in sorted(self.links, key=lambda k: k.kind != "source"):  # the investigation's first
            if link.setting is not None:
                pairs.setdefault(frozenset((link.source, link.target)), link.setting)
        counted = Counter(pairs.values())
        return sorted(counted.items(), key=lambda item: (-item[1], item[0]))

    def seen(self, visible: set[str]) -> Cluster:
        """The cluster as a reader who sees only these cases reads it: the others counted, not named
        (their links too); it is named by its earliest case the reader sees."""
        cases = [name for name in self.cases if name in visible]
        links = [link for link in self.links if link.source in visible and link.target in visible]
        return Cluster(cases[0] if cases else self.name, cases, links, self.first_confirmed,
                       self.hidden + len(self.cases) - len(cases), self.last_confirmed, self.first_onset,
                       self.last_onset, {name: self.details[name] for name in cases if name in self.details})


def _links(session: Session, ids: dict[int, str]) -> list[Link]:
    links: list[Link] = []
    for case_id, source_id in session.execute(
        select(Case.id, Case.infected_by_case_id).where(Case.infected_by_case_id.is_not(None))
    ):
        if source_id is not None:
            links.append(Link(ids[source_id], ids[case_id], "source"))
    # A case's person on another case's contact list: the earlier case likely gave it on.
    for of_case, case_id in session.execute(
        select(Contact.case_id, Case.id).join(Case, Case.person_id == Contact.person_id)
        .where(_LIVE, Contact.case_id != Case.id).distinct()
    ):
        links.append(Link(ids[of_case], ids[case_id], "contact"))
    other = aliased(Contact)
    other_live = and_(other.status != "rejected", or_(other.stale.is_(False), other.status == "confirmed"))
    for first, second, shared in session.execute(
        select(Contact.case_id, other.case_id, func.count(func.distinct(Contact.person_id)))
        .join(other, and_(other.person_id == Contact.person_id, other.case_id > Contact.case_id))
        .where(_LIVE, other_live)
        .group_by(Contact.case_id, other.case_id)
    ):
        links.append(Link(ids[first], ids[second], "shared_contact", int(shared)))
    merged: dict[tuple[str, str, str], Link] = {}
    for link in links:
        key = (link.source, link.target, link.kind)
        if key in merged:
            merged[key].shared += link.shared
        else:
            merged[key] = link
    return list(merged.values())


def clusters(session: Session, case_ids: set[int] | None = None, *, settings: bool = False) -> list[Cluster]:
    """Every cluster (or those holding these cases), largest first; with `settings`, each link
    placed where it can be (the module's doc)."""
    cases = session.execute(select(Case.id, Case.case_no, Case.confirmed_at, Case.onset_date, Case.source)
                            .order_by(Case.confirmed_at, Case.id)).all()
    ordered = [(case_id, case_no, confirmed) for case_id, case_no, confirmed, _, _ in cases]
    seen = {case_no: Seen(confirmed, onset, str(source)) for _, case_no, confirmed, onset, source in cases}
    ids = {case_id: case_no for case_id, case_no, _ in ordered}
    parent = {case_no: case_no for _, case_no, _ in ordered}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    links = _links(session, ids)
    if settings:
        _place(session, links, {case_no: case_id for case_id, case_no in ids.items()}, seen)
    for link in links:
        a, b = root(link.source), root(link.target)
        if a != b:
            parent[b] = a
    groups: dict[str, Cluster] = {}
    for _, case_no, confirmed in ordered:  # earliest first: it names its cluster
        top = root(case_no)
        cluster = groups.setdefault(top, Cluster(name=case_no, first_confirmed=confirmed))
        cluster.cases.append(case_no)
        cluster.last_confirmed = confirmed
        cluster.details[case_no] = seen[case_no]
        onset = seen[case_no].onset
        if onset is not None:
            cluster.first_onset = min(cluster.first_onset or onset, onset)
            cluster.last_onset = max(cluster.last_onset or onset, onset)
    for link in links:
        groups[root(link.source)].links.append(link)
    found = list(groups.values())
    if case_ids is not None:
        wanted = {ids[i] for i in case_ids if i in ids}
        found = [c for c in found if wanted & set(c.cases)]
    found.sort(key=lambda c: (-c.size, c.first_confirmed or datetime.max, c.name))
    return found


LOOK_BACK = timedelta(days=14)  # where two cases' check-ins are compared, before the later's confirmation
STAY_SECONDS = 3600  # a stay with no check-out


def _place(session: Session, links: list[Link], case_ids: dict[str, int], seen: dict[str, Seen]) -> None:
    """Give each source or contact link its setting (the module's doc)."""
    wanted = [link for link in links if link.kind in ("source", "contact")]
    if not wanted:
        return
    ids = {case_ids[n] for link in wanted for n in (link.source, link.target)}
    person_of = dict(session.execute(select(Case.id, Case.person_id).where(Case.id.in_(ids))).all())
    persons = set(person_of.values())
    # 1. The contact list: the later case's person a close contact of the earlier, with its reasons.
    reasons: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for case_id, person_id, found in session.execute(
            select(Contact.case_id, Contact.person_id, Contact.reasons).where(
                Contact.case_id.in_(ids), Contact.person_id.in_(persons), Contact.status != "rejected",
                Contact.degree == "close")):  # a secondary contact's reasons are its close contact's
        reasons.setdefault((case_id, person_id), []).extend(found or [])
    codes = {r.get("venue_code") for found in reasons.values() for r in found if r.get("kind") == "venue"}
    kind_of_code = dict(session.execute(select(Venue.code, Venue.kind).where(Venue.code.in_(codes))).all()) \
        if codes else {}
    homes = dict(session.execute(select(Person.id, Person.household_id).where(Person.id.in_(persons))).all())
    rest: list[tuple[Link, int, int]] = []
    for link in wanted:
        source, target = person_of[case_ids[link.source]], person_of[case_ids[link.target]]
        found = reasons.get((case_ids[link.source], target), [])
        kinds = [r.get("kind") for r in found]
        if "household" in kinds:
            link.setting = "household"
        elif "venue" in kinds:
            venues = Counter(kind_of_code.get(str(r.get("venue_code"))) for r in found if r.get("kind") == "venue")
            venues.pop(None, None)
            link.setting = venues.most_common(1)[0][0] if venues else None
        elif "named" in kinds:
            link.setting = "named"
        if link.setting is None and homes.get(source) is not None and homes.get(source) == homes.get(target):
            link.setting = "household"
        if link.setting is None:
            rest.append((link, source, target))
    if rest:
        _by_checkins(session, rest, seen)


def _by_checkins(session: Session, rest: list[tuple[Link, int, int]], seen: dict[str, Seen]) -> None:
    """3. The venue where the two persons' stays overlapped longest in the look-back."""
    since = min(seen[link.target].confirmed_at for link, _, _ in rest) - LOOK_BACK
    persons = {p for _, source, target in rest for p in (source, target)}
    stays: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for person_id, venue_id, in_at, out_at in session.execute(
            select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at).where(
                Checkin.person_id.in_(persons), Checkin.in_at >= int(since.timestamp()))):
        stays[person_id].append((venue_id, int(in_at), int(out_at) if out_at else int(in_at) + STAY_SECONDS))
    shared: dict[int, dict[int, int]] = {}
    for index, (link, source, target) in enumerate(rest):
        end = int(seen[link.target].confirmed_at.timestamp())
        start = end - int(LOOK_BACK.total_seconds())
        theirs = [s for s in stays.get(target, []) if start <= s[1] < end]
        overlap: dict[int, int] = defaultdict(int)
        for venue, a_in, a_out in stays.get(source, []):
            if not start <= a_in < end:
                continue
            for other, b_in, b_out in theirs:
                if other == venue and a_in < b_out and b_in < a_out:
                    overlap[venue] += min(a_out, b_out) - max(a_in, b_in)
        if overlap:
            shared[index] = overlap
    venues = {v for overlap in shared.values() for v in overlap}
    kind_of = dict(session.execute(select(Venue.id, Venue.kind).where(Venue.id.in_(venues))).all()) if venues else {}
    for index, overlap in shared.items():
        best = max(overlap.items(), key=lambda item: (item[1], -item[0]))[0]
        rest[index][0].setting = kind_of.get(best)


def chain_figure(cluster: Cluster) -> dict[str, Any]:
    """A Plotly figure (as JSON-ready data) of one cluster: cases on a time axis, links between them."""
    order = {name: index for index, name in enumerate(cluster.cases)}
    # Cases left to right by confirmation; rows spread so that links do not overlap much.
    position = {name: (index, (index % 3) - 1) for name, index in order.items()}
    styles = {"source": ("#c0392b", "solid"), "contact": ("#e67e22", "dash"), "shared_contact": ("#7f8c8d", "dot")}
    traces: list[dict[str, Any]] = []
    for link in cluster.links:
        (x0, y0), (x1, y1) = position[link.source], position[link.target]
        color, dash = styles[link.kind]
        traces.append({"type": "scatter", "mode": "lines", "x": [x0, x1], "y": [y0, y1], "hoverinfo": "text",
                       "text": f"{link.source} → {link.target} ({link.kind})", "showlegend": False,
                       "line": {"color": color, "dash": dash, "width": 2}})
    traces.append({
        "type": "scatter", "mode": "markers+text", "x": [position[n][0] for n in cluster.cases],
        "y": [position[n][1] for n in cluster.cases], "text": cluster.cases, "textposition": "top center",
        "marker": {"size": 18, "color": "#2c3e50"}, "hoverinfo": "text", "showlegend": False,
    })
    return {
        "data": traces,
        "layout": {"title": {"text": f"传播链 {cluster.name}（{cluster.size}）"},
                   "xaxis": {"visible": False}, "yaxis": {"visible": False, "range": [-2, 2]},
                   "margin": {"l": 20, "r": 20, "t": 40, "b": 20}, "height": 320},
    }
