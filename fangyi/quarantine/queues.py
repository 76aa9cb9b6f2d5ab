"""What waits to be worked, in the asker's jurisdiction (scope.py): placement requests not placed,
alerts not handled, transports not done, and the allocation page that puts them together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide, require
from fangyi.quarantine.figures import SiteForecast, forecast
from fangyi.quarantine.models import Alert, Placement, PlacementRequest, QuarantineSite, TransportRequest
from fangyi.quarantine.scope import person_where, site_where
from fangyi.registry.models import Person


def _requests(session: Session, who: Principal, limit: int) -> list[tuple[PlacementRequest, Person]]:
    rows = session.execute(select(PlacementRequest, Person).join(Person, Person.id == PlacementRequest.person_id)
                           .where(PlacementRequest.status == "open", person_where(who))
                           .order_by(PlacementRequest.id).limit(limit)).all()
    return [(request, person) for request, person in rows]


def _transports(session: Session, who: Principal, limit: int) -> list[tuple[TransportRequest, Person]]:
    rows = session.execute(select(TransportRequest, Person).join(Person, Person.id == TransportRequest.person_id)
                           .where(TransportRequest.status == "open", person_where(who))
                           .order_by(TransportRequest.id).limit(limit)).all()
    return [(transport, person) for transport, person in rows]


def open_requests(session: Session, who: Principal, limit: int) -> list[PlacementRequest]:
    """Placement requests not placed, oldest first."""
    require(who, "read_quarantine")
    return [request for request, _ in _requests(session, who, limit)]


def open_transports(session: Session, who: Principal, limit: int) -> list[TransportRequest]:
    """Transport requests not done, oldest first."""
    require(who, "read_quarantine")
    return [transport for transport, _ in _transports(session, who, limit)]


def open_alerts(session: Session, who: Principal, limit: int) -> list[Alert]:
    """Alerts not handled, newest first: of the jurisdiction's people, and of whoever is at its sites."""
    require(who, "read_quarantine")
    query = select(Alert).where(Alert.handled_at.is_(None))
    if not county_wide(who):
        query = (query.join(Person, Person.id == Alert.person_id)
                 .outerjoin(Placement, Placement.id == Alert.placement_id)
                 .outerjoin(QuarantineSite, QuarantineSite.id == Placement.site_id)
                 .where(or_(person_where(who), site_where(who))))
    return list(session.scalars(query.order_by(Alert.at.desc()).limit(limit)))


@dataclass
class Allocation:
    """The command office's allocation page: who waits, the beds ahead, the transports to run."""

    requests: list[tuple[PlacementRequest, Person]]
    lines: list[SiteForecast]
    total: dict[str, Any]
    transports: list[tuple[TransportRequest, Person]]


def allocation(session: Session, who: Principal, today: date) -> Allocation:
    require(who, "allocate")
    lines, total = forecast(session, who, today)
    return Allocation(_requests(session, who, 1000), lines, total, _transports(session, who, 200))
