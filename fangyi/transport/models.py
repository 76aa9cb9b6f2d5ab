"""Transport: the fleet (vehicles with their crew and state), the places vehicles go that are not a
registry area (the designated hospital, the fever clinic, labs), and transport tasks.

A task moves people, a box of tubes or supplies from a pick-up to a drop-off. It is planned onto a
vehicle's trip (`trip`: tasks of one trip ride together), carried through its steps by the driver,
and closed when the receiving side confirms arrival (people) or at delivery (tubes, supplies).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

VEHICLE_KINDS = ("negative_pressure", "ambulance", "bus", "courier", "van")
VEHICLE_STATES = ("free", "assigned", "en_route", "at_destination", "disinfecting", "off_duty")
TASK_KINDS = ("placement", "hospital", "fever_clinic", "samples", "supplies")
# Who or what rides: the separation rules of the edition are written per class.
CLASSES = ("case", "suspected", "close_contact", "secondary_contact", "other", "tubes", "supplies")
TASK_STATUSES = ("open", "assigned", "arrived", "picked_up", "delivered", "done", "called_off")
# Still to be carried: a task in one of these is on the board and counts as open.
LIVE = ("open", "assigned", "arrived", "picked_up", "delivered")
PLACE_KINDS = ("designated_hospital", "fever_clinic", "lab", "depot", "other")


class Vehicle(Base):
    __tablename__ = "transport_vehicles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int] = mapped_column(Integer)
    institution: Mapped[str] = mapped_column(String(200))
    depot_area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="free", index=True)
    state_since: Mapped[datetime] = mapped_column(Instant, default=now)
    # Carried a case or a close contact since its last disinfection: it may take no task until disinfected.
    needs_disinfection: Mapped[bool] = mapped_column(default=False)
    # Driver and escort, a plain list until a workforce part exists: [{"role", "name", "phone", "user"}].
    crew: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    # The signed-in driver whose phone page shows this vehicle's work.
    driver_username: Mapped[str | None] = mapped_column(String(100), index=True)
    # Bumped by every assignment: two dispatchers assigning one vehicle at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Place(Base):
    """A destination that is not a person's home or a quarantine site: the designated hospital,
    the fever clinic, a lab. It lies at an area (coordinates from the area unless its own)."""

    __tablename__ = "transport_places"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Task(Base):
    __tablename__ = "transport_tasks"
    __table_args__ = (UniqueConstraint("source_ref", name="uq_transport_tasks_source_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    rider_class: Mapped[str] = mapped_column(String(20))
    # Lower is more urgent: a case's transfer to hospital is 0.
    priority: Mapped[int] = mapped_column(Integer, default=5, index=True)
    # Where the task lies for jurisdiction: its pick-up area.
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    from_area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    from_label: Mapped[str] = mapped_column(String(300))
    from_lat: Mapped[float] = mapped_column(Float)
    from_lon: Mapped[float] = mapped_column(Float)
    to_area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    to_label: Mapped[str] = mapped_column(String(300))
    to_lat: Mapped[float] = mapped_column(Float)
    to_lon: Mapped[float] = mapped_column(Float)
    person_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    # People ride with their own household only when close contacts: the household that rides.
    household_id: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[list[str]] = mapped_column(Json, default=list)  # box or tube barcodes, supplies
    seats: Mapped[int] = mapped_column(Integer, default=1)
    earliest_at: Mapped[datetime] = mapped_column(Instant)
    latest_at: Mapped[datetime] = mapped_column(Instant, index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    # What asked for it in another part: "quarantine:transport_request:12", "tracing:case:3"; one task each.
    source_ref: Mapped[str | None] = mapped_column(String(80))
    placement_id: Mapped[int | None] = mapped_column(Integer, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    transport_request_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("transport_vehicles.id"), index=True)
    trip: Mapped[int | None] = mapped_column(Integer)
    planned_pickup_at: Mapped[datetime | None] = mapped_column(Instant)
    planned_dropoff_at: Mapped[datetime | None] = mapped_column(Instant)
    assigned_at: Mapped[datetime | None] = mapped_column(Instant)
    arrived_at: Mapped[datetime | None] = mapped_column(Instant)
    picked_up_at: Mapped[datetime | None] = mapped_column(Instant)
    picked_up_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    delivered_at: Mapped[datetime | None] = mapped_column(Instant)
    confirmed_at: Mapped[datetime | None] = mapped_column(Instant)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    called_off_at: Mapped[datetime | None] = mapped_column(Instant)
    # Why it was called off, shown to the driver until they acknowledge it.
    notice: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)
