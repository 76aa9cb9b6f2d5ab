"""Occupancy: the daily report's quarantine figures (as of the end of a local day, rebuildable for any
past day from the records), and beds free per site for today and the next days.

Each figure counts what lies in the asker's jurisdiction (scope.py): people in quarantine where they
live, beds where their site is. The county (and SYSTEM) counts everything, without the joins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide, require
from fangyi.audit.asof import as_of as as_of_trail
from fangyi.config import get_settings
from fangyi.protocols.reader import current
from fangyi.quarantine.clock import clock
from fangyi.quarantine.models import Placement, PlacementRequest, QuarantineSite, Room, RoomOutage
from fangyi.quarantine.scope import person_where, site_where
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds, now

FORECAST_DAYS = 14  # the horizon for the command's evening question, not a protocol figure


def quarantine_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None
                       ) -> dict[str, Any]:
    """`as_of`: the day cut at that moment if it had not ended. A placement's start, its end and its
    room's cleaning carry the moment they were recorded (the services set them, none is typed in),
    so people and beds rebuild as they stood then, each room's count of beds from the audit trail;
    what does not is, below the county, where each person lives (now): the command's report notes it."""
    start, end = day_bounds(day)
    if as_of is not None:
        end = min(end, as_of)
    inside = and_(Placement.placed_at < end, or_(Placement.ended_at.is_(None), Placement.ended_at >= end))

    def count(*where: Any) -> int:
        query = select(func.count()).select_from(Placement).where(*where)
        if not county_wide(who):
            query = query.join(Person, Person.id == Placement.person_id).where(person_where(who))
        return int(session.scalar(query) or 0)

    centralized = count(inside, Placement.setting == "centralized")
    home = count(inside, Placement.setting == "home")
    return {
        "in_quarantine": centralized + home,
        "centralized": centralized,
        "home": home,
        "placed_today": count(Placement.placed_at >= start, Placement.placed_at < end),
        "released_today": count(Placement.status == "released", Placement.ended_at >= start,
                                Placement.ended_at < end),
        "beds_free": beds_free_at(session, day, who, as_of),
        # Home health monitoring is not quarantine: placed under it (an arrival, say), or released
        # into it at the end of a quarantine whose category has monitoring days after.
        "home_monitoring": count(inside, Placement.setting == "monitoring") + _released_into_monitoring(
            session, day, who, as_of),
    }


def _released_into_monitoring(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> int:
    """People released from quarantine into home health monitoring that still runs at the end of
    the day (or at `as_of`), by the clock of the edition in force (as the release itself was checked)."""
    _, end = day_bounds(day)
    if as_of is not None:
        end = min(end, as_of)
    protocol, tz = current(), get_settings().tz
    longest = max((rule.days + rule.monitoring_days for rule in protocol.quarantine.values()), default=0)
    query = select(Placement.category, Placement.last_exposure).where(
        Placement.status == "released", Placement.release_kind == "monitoring", Placement.ended_at < end,
        Placement.last_exposure >= end - timedelta(days=longest + 2))
    if not county_wide(who):
        query = query.join(Person, Person.id == Placement.person_id).where(person_where(who))
    return sum(1 for category, exposed in session.execute(query)
               if category in protocol.quarantine and clock(protocol, category, exposed, tz).free_date > day)


def beds_free_at(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> int:
    """Beds of rooms (of sites in the jurisdiction) neither occupied nor awaiting cleaning at the end
    of the day, or at `as_of` within it; each room with the beds it had then (a re-import that changed
    a room's beds later is undone from the audit trail's before/after)."""
    _, end = day_bounds(day)
    if as_of is not None:
        end = min(end, as_of)
    busy = select(Placement.room_id).where(
        Placement.room_id.is_not(None), Placement.placed_at < end,
        or_(Placement.room_freed_at.is_(None), Placement.room_freed_at >= end),
    )
    # Out of service at the end of that day, as the outages say (not the rooms' state today).
    out = select(RoomOutage.room_id).where(RoomOutage.start_at < end,
                                           or_(RoomOutage.end_at.is_(None), RoomOutage.end_at >= end))
    query = select(Room.id, Room.beds).where(Room.created_at < end, Room.id.not_in(out), Room.id.not_in(busy))
    if not county_wide(who):
        query = query.join(QuarantineSite, QuarantineSite.id == Room.site_id).where(site_where(who))
    beds = {room_id: {"beds": count} for room_id, count in session.execute(query)}
    if end <= now():  # a moment past: the rooms' beds as they stood then
        beds = as_of_trail(session, "quarantine_room", beds, end)
    return sum(int(fields["beds"]) for fields in beds.values())


@dataclass
class SiteForecast:
    site: QuarantineSite
    rooms: int
    beds: int
    free: list[int]  # beds free on each day, today first


def forecast(session: Session, who: Principal, today: date,
             days: int = FORECAST_DAYS) -> tuple[list[SiteForecast], dict[str, Any]]:
    """Beds free per site of the jurisdiction on each day from today: free rooms now, rooms in cleaning
    from tomorrow, occupied rooms from the day their last occupant's clock releases them. The waiting
    people (the jurisdiction's requests not placed) are shown against the total."""
    require(who, "allocate")  # the beds to place people in: the command's question
    protocol, tz = current(), get_settings().tz
    horizon = [today + timedelta(days=i) for i in range(days + 1)]
    rooms_query = select(Room.id, Room.site_id, Room.beds, Room.state).where(Room.state != "out_of_service")
    placed_query = select(Placement.room_id, Placement.category, Placement.last_exposure).where(
        Placement.status == "active", Placement.room_id.is_not(None))
    if not county_wide(who):
        rooms_query = rooms_query.join(QuarantineSite, QuarantineSite.id == Room.site_id).where(site_where(who))
        placed_query = placed_query.join(QuarantineSite, QuarantineSite.id == Placement.site_id).where(
            site_where(who))
    rooms = session.execute(rooms_query).all()
    release_of: dict[int, date] = {}
    rows = session.execute(placed_query).all()
    cache: dict[tuple[str, date], date] = {}
    for room_id, category, exposure in rows:
        if room_id is None:
            continue
        key = (category, exposure.astimezone(tz).date())
        if key not in cache:
            cache[key] = clock(protocol, category, exposure, tz).release_date
        release_of[room_id] = max(release_of.get(room_id, cache[key]), cache[key])
    per_site: dict[int, list[int]] = defaultdict(lambda: [0] * len(horizon))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for room_id, site_id, beds, state in rooms:
        counts[site_id][0] += 1
        counts[site_id][1] += beds
        if state == "free":
            opens = today
        elif state == "cleaning":
            opens = today + timedelta(days=1)
        else:
            opens = max(release_of.get(room_id, today), today)
        line = per_site[site_id]
        for i, on in enumerate(horizon):
            if on >= opens:
                line[i] += beds
    sites = session.scalars(select(QuarantineSite).where(site_where(who)).order_by(QuarantineSite.code)).all()
    result = [SiteForecast(s, counts[s.id][0], counts[s.id][1], list(per_site[s.id])) for s in sites]
    totals = [sum(f.free[i] for f in result) for i in range(len(horizon))]
    waiting = waiting_count(session, who)
    return result, {"days": [d.isoformat() for d in horizon], "free": totals, "waiting": waiting,
                    "net": [free - waiting for free in totals]}


def waiting_count(session: Session, who: Principal) -> int:
    """People of the jurisdiction bound for quarantine and not yet placed: the open requests (a contact
    tracing has confirmed but not handed over is tracing's to count)."""
    query = select(func.count()).select_from(PlacementRequest).where(PlacementRequest.status == "open")
    if not county_wide(who):
        query = query.join(Person, Person.id == PlacementRequest.person_id).where(person_where(who))
    return session.scalar(query) or 0
