"""Chains: cases linked into clusters by source links, by one case being another's contact, and
by contacts they share. A cluster is named after its earliest confirmed case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from fangyi.tracing.models import Case, Contact

# Contacts that count for links: what the lists show (not rejected, not dropped by the data).
_LIVE = and_(Contact.status != "rejected", or_(Contact.stale.is_(False), Contact.status == "confirmed"))


@dataclass
class Link:
    source: str  # case number
    target: str
    kind: str  # source | contact | shared_contact
    shared: int = 0  # shared_contact: how many persons


@dataclass
class Cluster:
    name: str
    cases: list[str] = field(default_factory=list)  # by confirmation time
    links: list[Link] = field(default_factory=list)
    first_confirmed: datetime | None = None

    @property
    def size(self) -> int:
        return len(self.cases)


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


def clusters(session: Session, case_ids: set[int] | None = None) -> list[Cluster]:
    """Every cluster (or those holding these cases), largest first."""
    cases = session.execute(select(Case.id, Case.case_no, Case.confirmed_at).order_by(Case.confirmed_at, Case.id))
    ordered = [(case_id, case_no, confirmed) for case_id, case_no, confirmed in cases]
    ids = {case_id: case_no for case_id, case_no, _ in ordered}
    parent = {case_no: case_no for _, case_no, _ in ordered}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    links = _links(session, ids)
    for link in links:
        a, b = root(link.source), root(link.target)
        if a != b:
            parent[b] = a
    groups: dict[str, Cluster] = {}
    for _, case_no, confirmed in ordered:  # earliest first: it names its cluster
        top = root(case_no)
        cluster = groups.setdefault(top, Cluster(name=case_no, first_confirmed=confirmed))
        cluster.cases.append(case_no)
    for link in links:
        groups[root(link.source)].links.append(link)
    found = list(groups.values())
    if case_ids is not None:
        wanted = {ids[i] for i in case_ids if i in ids}
        found = [c for c in found if wanted & set(c.cases)]
    found.sort(key=lambda c: (-c.size, c.first_confirmed or datetime.max, c.name))
    return found


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
