"""Placement requests and allocation: a batch placed at once by free rooms and distance.

One request group per room: a household stays together when it brings a minor (a child
with a parent), otherwise each person has a room of their own. The command office may name
the room for a request (an override). Nothing of a batch is written unless all of it holds,
unless ``partial`` asks to place what fits and report the rest.

The requests lie where their persons live, the rooms at their sites (scope.py): a batch names
only requests in the actor's jurisdiction, and is placed only in rooms of sites there.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from fangyi.access import Principal, require, sees
from fangyi.audit import service as audit
from fangyi.db.bulk import among, insert_returning
from fangyi.db.session import one_at_a_time
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.events import publish
from fangyi.protocols.reader import current
from fangyi.quarantine.clock import rule_for
from fangyi.quarantine.events import Placed, PlacementsMade
from fangyi.quarantine.models import Placement, PlacementRequest, QuarantineSite, Room, TransportRequest
from fangyi.quarantine.scope import check_person, hidden, site_where
from fangyi.registry.models import Area, Person
from fangyi.timeutil import now

HOME = "home"


@dataclass
class Outcome:
    placements: list[int] = field(default_factory=list)
    transports: list[int] = field(default_factory=list)
    unplaced: dict[int, str] = field(default_factory=dict)  # request id -> why


def create_request(session: Session, actor: Principal, *, person_id: int, category: str, reason: str,
                   last_exposure: datetime, source: str = "manual",
                   linked_person_ids: Sequence[int] = ()) -> PlacementRequest:
    require(actor, "allocate")
    rule_for(current(), category)
    # The person, and the close contacts whose tests will release them: all in the jurisdiction.
    for named in (person_id, *linked_person_ids):
        check_person(session, actor, named)
    request = PlacementRequest(person_id=person_id, category=category, reason=reason[:200], source=source,
                               last_exposure=last_exposure, linked_person_ids=list(linked_person_ids),
                               actor_id=actor.id or None)
    session.add(request)
    session.flush()
    audit.record(session, actor, "create", "placement_request", request.id, after=audit.snapshot(request))
    return request


def room_by_label(session: Session, actor: Principal, typed: str) -> int | str:
    """The command office's choice as typed on the page: "home", or a site code and room, "GL-01/101"."""
    require(actor, "allocate")
    typed = typed.strip()
    if typed.lower() in (HOME, "居家"):
        return HOME
    code, _, number = typed.partition("/")
    room_id = session.scalar(select(Room.id).join(QuarantineSite, QuarantineSite.id == Room.site_id)
                             .where(QuarantineSite.code == code.strip(), Room.room == number.strip(),
                                    site_where(actor)))
    if room_id is None:
        raise NotFound(f"no room {typed!r} (site code/room, e.g. GL-01/101, or home)")
    return int(room_id)


# --- distance ---


def _area_points(session: Session) -> dict[str, tuple[float, float] | None]:
    """Each area's coordinates, or its nearest ancestor's."""
    rows = session.execute(select(Area.code, Area.parent_code, Area.lat, Area.lon)).all()
    own = {code: (lat, lon) if lat is not None and lon is not None else None for code, _, lat, lon in rows}
    parent = {code: up for code, up, _, _ in rows}
    points: dict[str, tuple[float, float] | None] = {}
    for code in own:
        at: str | None = code
        while at is not None and own.get(at) is None:
            at = parent.get(at)
        points[code] = own.get(at) if at is not None else None
    return points


def km(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    """Great-circle distance; unknown coordinates sort last."""
    if a is None or b is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- allocation ---


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Slot:
    """A free room as allocation sees it: plain values, not an ORM object (thousands are read at once)."""

    id: int
    site_id: int
    room: str
    beds: int


PERSON_COLUMNS = (Person.id, Person.name, Person.area_code, Person.household_id, Person.birth_date, Person.address)


def _groups(requests: Sequence[PlacementRequest], persons: Mapping[int, Any], on: date,
            adult_age: int) -> list[list[int]]:
    """Request ids that share a room: a household with a minor in it (younger than the edition's
    adult age); everyone else alone."""
    by_household: dict[int, list[int]] = defaultdict(list)
    groups: list[list[int]] = []
    for request in requests:
        person = persons[request.person_id]
        if person.household_id is not None:
            by_household[person.household_id].append(request.id)
        else:
            groups.append([request.id])
    by_id = {r.id: r for r in requests}
    for members in by_household.values():
        ages = [_age(persons[by_id[i].person_id].birth_date, on) for i in members]
        if len(members) > 1 and any(a is not None and a < adult_age for a in ages):
            groups.append(members)
        else:
            groups.extend([i] for i in members)
    groups.sort(key=lambda g: min(g))
    return groups


def _by_category(group: Sequence[int], by_id: Mapping[int, PlacementRequest], persons: Mapping[int, Any],
                 on: date, adult_age: int) -> list[list[int]]:
    """A household that no free room holds whole, split by category: those of one category share
    a room when a minor is among them (a carer with the child), the others one each."""
    kinds: dict[str, list[int]] = defaultdict(list)
    for request_id in group:
        kinds[by_id[request_id].category].append(request_id)
    parts: list[list[int]] = []
    for members in kinds.values():
        ages = [_age(persons[by_id[i].person_id].birth_date, on) for i in members]
        if len(members) > 1 and any(a is not None and a < adult_age for a in ages):
            parts.append(members)
        else:
            parts.extend([i] for i in members)
    return parts


def _load(session: Session, actor: Principal,
          request_ids: Sequence[int]) -> tuple[list[PlacementRequest], dict[int, Any]]:
    requests = list(session.scalars(select(PlacementRequest).where(among(session, PlacementRequest.id, request_ids))))
    person_ids = {r.person_id for r in requests}
    persons = {p.id: p for p in session.execute(select(*PERSON_COLUMNS).where(
        among(session, Person.id, list(person_ids))))}
    # A request of a person outside the jurisdiction is not found, as one that does not exist; so
    # nothing below (the 409s with names) ever speaks of another township's people.
    found = {r.id for r in requests if sees(actor, persons[r.person_id].area_code)}
    if missing := [i for i in request_ids if i not in found]:
        raise hidden(f"placement requests {', '.join(map(str, missing[:20]))}")
    if closed := [r.id for r in requests if r.status != "open"]:
        raise Conflict(f"requests already placed or cancelled: {', '.join(map(str, closed[:20]))}")
    placed = set(session.scalars(select(Placement.person_id).where(
        among(session, Placement.person_id, list(person_ids)), Placement.status == "active")))
    if placed:
        names = ", ".join(sorted(persons[i].name for i in placed)[:20])
        raise Conflict(f"already in quarantine: {names}", person_ids=sorted(placed))
    twice = [i for i, n in Counter(r.person_id for r in requests).items() if n > 1]
    if twice:
        raise Conflict(f"one person twice in the batch: {', '.join(persons[i].name for i in twice[:20])}")
    return requests, persons


def allocate(session: Session, actor: Principal, request_ids: Sequence[int], *,
             rooms: Mapping[int, int | str] | None = None, partial: bool = False) -> Outcome:
    """Place a batch. ``rooms`` (the command office's override): request id -> room id, or "home"."""
    require(actor, "allocate")
    # Allocations take turns: each then fills rooms the one before left free, instead of all choosing
    # the same room and all but one losing it (the claims in _write hold even without this).
    one_at_a_time(session, "quarantine.allocate")
    overrides = dict(rooms or {})
    requests, persons = _load(session, actor, sorted(set(request_ids)))
    protocol = current()
    moment = now()
    today = moment.date()
    by_id = {r.id: r for r in requests}
    # Only the sites of the actor's jurisdiction take the batch: the rooms are theirs to fill.
    sites = {s.id: s for s in session.scalars(select(QuarantineSite).where(site_where(actor)))}
    free_rooms = [Slot(*row) for row in session.execute(select(Room.id, Room.site_id, Room.room, Room.beds)
                                                        .where(Room.state == "free").order_by(Room.beds, Room.id))
                  if row.site_id in sites]
    points = _area_points(session)
    site_points = {s.id: (s.lat, s.lon) if s.lat is not None and s.lon is not None else points.get(s.area_code)
                   for s in sites.values()}
    outcome = Outcome()
    chosen: dict[int, Slot | None] = {}  # request id -> room (None: home)
    used: set[int] = set()
    for request_id, target in overrides.items():
        if request_id not in by_id:
            raise Invalid(f"room override for request {request_id}, which is not in the batch", column="rooms")
        if target == HOME:
            chosen[request_id] = None
            continue
        found = session.get(Room, int(target))
        if found is None or found.site_id not in sites:
            raise hidden(f"room {target}")
        if found.state != "free":
            raise Conflict(f"room {found.room} of {sites[found.site_id].name} is {found.state}", room_id=found.id)
        chosen[request_id] = Slot(found.id, found.site_id, found.room, found.beds)
    for slot in {r.id: r for r in chosen.values() if r is not None}.values():
        sharing = [i for i, r in chosen.items() if r is not None and r.id == slot.id]
        if len(sharing) > slot.beds:
            raise Conflict(f"room {slot.room} has {slot.beds} beds for {len(sharing)} people", room_id=slot.id)
        used.add(slot.id)
    centralized = []
    for request in requests:
        rule = rule_for(protocol, request.category)
        if rule.setting == "none":
            raise Invalid(f"category {request.category} needs no quarantine under {protocol.edition}",
                          column="category")
        if request.id in chosen:
            continue
        if rule.setting == "centralized":
            centralized.append(request)
        else:
            chosen[request.id] = None
    by_site: dict[int, list[Slot]] = defaultdict(list)
    for slot in free_rooms:
        if slot.id not in used:
            by_site[slot.site_id].append(slot)
    orders: dict[str, list[int]] = {}  # sites nearest first, per area the people live in
    adult_age = protocol.placement.adult_age

    def room_for(group: Sequence[int]) -> Slot | None:
        area = persons[by_id[group[0]].person_id].area_code
        if area not in orders:
            here = points.get(area)
            orders[area] = sorted(by_site, key=lambda site_id: (km(here, site_points[site_id]), site_id))
        fits = next((r for site_id in orders[area] for r in by_site[site_id] if r.beds >= len(group)), None)
        if fits is not None:
            by_site[fits.site_id].remove(fits)
            for request_id in group:
                chosen[request_id] = fits
        return fits

    for group in _groups(centralized, persons, today, adult_age):
        if room_for(group) is not None:
            continue
        # No family room free: the household by category (a close contact apart from a secondary one).
        parts = _by_category(group, by_id, persons, today, adult_age) if len(group) > 1 else [group]
        for part in parts if len(parts) > 1 else []:
            if room_for(part) is None:
                for request_id in part:
                    outcome.unplaced[request_id] = f"no free room with {len(part)} beds"
        if len(parts) <= 1:
            for request_id in group:
                outcome.unplaced[request_id] = f"no free room with {len(group)} beds"
    if outcome.unplaced and not partial:
        beds = sum(len(rooms_) for rooms_ in by_site.values())
        raise Conflict(f"{len(outcome.unplaced)} of {len(requests)} people cannot be placed: "
                       f"{beds} free rooms left for them", unplaced=sorted(outcome.unplaced))
    _write(session, actor, protocol.edition, by_id, persons, sites, chosen, moment, outcome)
    return outcome


def _claim(session: Session, request_ids: Sequence[int], room_ids: Sequence[int], moment: datetime) -> None:
    """Take the requests and the rooms by conditional writes that the database enforces: of two
    allocations at once the second finds them taken (PostgreSQL waits for the first to commit and
    reads the rows again; SQLite's writer lock runs them one after the other) and answers 409."""
    quiet = {"synchronize_session": False}
    taken = 0
    for start in range(0, len(request_ids), 5000):
        chunk = request_ids[start:start + 5000]
        taken += session.execute(update(PlacementRequest).where(among(session, PlacementRequest.id, chunk),
                                                                PlacementRequest.status == "open")
                                 .values(status="placed"), execution_options=quiet).rowcount  # type: ignore[attr-defined]
    if taken != len(request_ids):
        raise Conflict("some of these requests were placed or cancelled meanwhile: load them again")
    free = 0
    for start in range(0, len(room_ids), 5000):
        chunk = room_ids[start:start + 5000]
        free += session.execute(update(Room).where(among(session, Room.id, chunk), Room.state == "free")
                                .values(state="occupied", state_since=moment),
                                execution_options=quiet).rowcount  # type: ignore[attr-defined]
    if free != len(room_ids):
        raise Conflict("a room chosen was taken meanwhile: allocate again")


def _write(session: Session, actor: Principal, edition: str, by_id: Mapping[int, PlacementRequest],
           persons: Mapping[int, Any], sites: Mapping[int, QuarantineSite],
           chosen: Mapping[int, Slot | None], moment: datetime, outcome: Outcome) -> None:
    protocol = current()
    order = sorted(chosen)
    if not order:
        return
    _claim(session, order, sorted({r.id for r in chosen.values() if r is not None}), moment)
    rows = []
    for request_id in order:
        request, room = by_id[request_id], chosen[request_id]
        person = persons[request.person_id]
        setting = rule_for(protocol, request.category).setting
        if room is not None:
            setting = "centralized"
        elif setting == "centralized":
            setting = "home"  # the command office kept someone home whom the protocol would centralize
        rows.append({
            "person_id": person.id, "request_id": request_id, "category": request.category,
            "setting": setting,
            "site_id": room.site_id if room else None, "room_id": room.id if room else None,
            "address": None if room else person.address, "last_exposure": request.last_exposure,
            "linked_person_ids": list(request.linked_person_ids or []), "edition": edition, "status": "active",
            "placed_at": moment, "actor_id": actor.id or None,
        })
    # Matched back by request id rather than by parameter order, which SQLite would pay for row by row.
    made = {int(row[0]): int(row[1]) for row in insert_returning(session, Placement, rows, ("request_id", "id"))}
    ids = [made[request_id] for request_id in order]
    outcome.placements = ids
    transports = []
    for placement_id, request_id in zip(ids, order, strict=True):
        room = chosen[request_id]
        if room is None:
            continue  # home quarantine: the person is where they stay
        person = persons[by_id[request_id].person_id]
        site = sites[room.site_id]
        transports.append({
            # From where they wait (a checkpoint), else from home.
            "person_id": person.id, "placement_id": placement_id,
            "from_place": (by_id[request_id].pickup or person.address or "")[:300],
            "to_place": f"{site.name} {room.room}"[:300], "reason": "placement", "status": "open",
            "created_at": moment,
        })
    if transports:
        outcome.transports = sorted(int(r[0]) for r in insert_returning(session, TransportRequest, transports,
                                                                          ("id",)))
    # The claims were written first (_claim); told to the loaded objects here: the ORM's own
    # evaluation of the IN list costs more than the statements.
    for request_id in order:
        set_committed_value(by_id[request_id], "status", "placed")
    room_ids = sorted({r.id for r in chosen.values() if r is not None})
    taken = set(room_ids)
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Room) and loaded.id in taken:
            set_committed_value(loaded, "state", "occupied")
            set_committed_value(loaded, "state_since", moment)
    # Tracing's contacts learn their quarantine start: it ends the window for their own secondary contacts.
    publish(session, actor, PlacementsMade(moment, tuple(
        Placed(made[i], by_id[i].person_id, by_id[i].contact_id, row["setting"])
        for i, row in zip(order, rows, strict=True))))
    audit.record(session, actor, "allocate", "placement", None, after={
        "placements": dict(zip(map(str, order), ids, strict=True)),
        "rooms": {str(i): r.id for i, r in chosen.items() if r is not None}, "transports": outcome.transports,
    })
    session.flush()
