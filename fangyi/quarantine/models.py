"""Quarantine: sites and rooms, placement requests, placements on the protocol's clock, health checks,
test records, alerts and the transport requests the command office works through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

ROOM_STATES = ("free", "occupied", "cleaning", "out_of_service")
SOURCES = ("tracing", "screening", "arrival", "manual", "index_turned")
REQUEST_STATUSES = ("open", "placed", "cancelled")
SETTINGS = ("centralized", "home", "monitoring")
PLACEMENT_STATUSES = ("active", "released", "transferred")
RELEASE_KINDS = ("monitoring", "full", "override")
RESULTS = ("pending", "negative", "positive", "invalid")
ALERT_KINDS = ("fever", "positive", "index_turned", "review")
TRANSPORT_REASONS = ("placement", "hospital", "release")
TRANSPORT_STATUSES = ("open", "done")


class QuarantineSite(Base):
    __tablename__ = "quarantine_sites"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    contact: Mapped[str | None] = mapped_column(String(100))
    staff: Mapped[str | None] = mapped_column(String(500))
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Room(Base):
    __tablename__ = "quarantine_rooms"
    __table_args__ = (UniqueConstraint("site_id", "room", name="uq_quarantine_rooms_site_room"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("quarantine_sites.id"))
    room: Mapped[str] = mapped_column(String(40))
    beds: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="free")
    state_since: Mapped[datetime] = mapped_column(Instant, default=now)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class PlacementRequest(Base):
    """Someone to place: from tracing (a handed-over contact), screening, an arrival, or typed."""

    __tablename__ = "placement_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16))
    # The tracing contact it came from: a plain integer, so this branch needs no tracing table.
    contact_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    last_exposure: Mapped[datetime] = mapped_column(Instant)
    # For a secondary contact: the close contacts (person ids) through whom they qualify.
    linked_person_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    # Where the person waits to be collected when not at home (a checkpoint): transport's pick-up.
    pickup: Mapped[str | None] = mapped_column(String(300))


class Placement(Base):
    """One stay in quarantine: a room at a site, or at home; its clock runs from last_exposure."""

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("placement_requests.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    setting: Mapped[str] = mapped_column(String(12))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine_sites.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine_rooms.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))  # home quarantine: the person's address
    last_exposure: Mapped[datetime] = mapped_column(Instant)
    linked_person_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    edition: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    placed_at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(Instant, index=True)
    release_kind: Mapped[str | None] = mapped_column(String(12))
    release_note: Mapped[str | None] = mapped_column(String(500))
    # When the room was cleaned after this stay: until then the room is not free.
    room_freed_at: Mapped[datetime | None] = mapped_column(Instant)
    actor_id: Mapped[int | None] = mapped_column(Integer)


class RoomOutage(Base):
    """A time a room was out of service: the beds of a past day are counted with the rooms as they
    were that day, not as they are now."""

    __tablename__ = "room_outages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("quarantine_rooms.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(Instant, default=now)
    end_at: Mapped[datetime | None] = mapped_column(Instant)


class HealthCheck(Base):
    __tablename__ = "health_checks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    temperature: Mapped[float] = mapped_column(Float)
    symptoms: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(Instant, default=now)
    by_id: Mapped[int | None] = mapped_column(Integer)


class QuarantineTest(Base):
    """A test on the clock (day N of quarantine or of monitoring), or a single test an alert asked for."""

    __tablename__ = "quarantine_tests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    phase: Mapped[str] = mapped_column(String(12), default="quarantine")  # quarantine | monitoring | single
    day: Mapped[int | None] = mapped_column(Integer)
    sampled_at: Mapped[datetime | None] = mapped_column(Instant)
    result: Mapped[str] = mapped_column(String(10), default="pending")
    reagent: Mapped[str | None] = mapped_column(String(100))
    by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Alert(Base):
    __tablename__ = "quarantine_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(Instant)
    handled_by_id: Mapped[int | None] = mapped_column(Integer)


class TransportRequest(Base):
    """A person to move; the command office works through the open ones until the transport part exists."""

    __tablename__ = "transport_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), index=True)
    from_place: Mapped[str] = mapped_column(String(300))
    to_place: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    done_at: Mapped[datetime | None] = mapped_column(Instant)


# The board and the forecast read a site's rooms and who is in them.
Index("ix_quarantine_rooms_site_state", Room.site_id, Room.state)
# One active placement per person, held by the database: two allocations at once cannot both place them.
Index("ux_placements_active_person", Placement.person_id, unique=True,
      sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"))
