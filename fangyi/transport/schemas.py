"""Transport's request and response bodies for the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

AreaCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{6}([0-9]{3})?)?$")]
Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1))]
Label = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f]*$")]
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")]
Id = Annotated[int, Field(ge=1, le=2**62)]


class TaskIn(BaseModel):
    kind: Literal["placement", "hospital", "fever_clinic", "samples", "supplies"]
    rider_class: Literal["case", "suspected", "close_contact", "secondary_contact", "other", "tubes", "supplies"]
    from_area_code: AreaCode
    to_area_code: AreaCode
    from_label: Label | None = None
    to_label: Label | None = None
    person_ids: list[Id] = Field(default_factory=list, max_length=80)
    items: list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]] = Field(
        default_factory=list, max_length=500)
    seats: int | None = Field(default=None, ge=1, le=80)
    earliest_at: Moment | None = None
    latest_at: Moment | None = None


class TaskOut(BaseModel):
    id: int
    kind: str
    rider_class: str
    priority: int
    status: str
    area_code: str
    from_area_code: str
    from_label: str
    to_area_code: str
    to_label: str
    person_ids: list[int]
    items: list[str]
    seats: int
    earliest_at: datetime
    latest_at: datetime
    requested_by: str
    vehicle_id: int | None
    trip: int | None
    planned_pickup_at: datetime | None
    planned_dropoff_at: datetime | None
    arrived_at: datetime | None
    picked_up_at: datetime | None
    delivered_at: datetime | None
    confirmed_at: datetime | None
    called_off_at: datetime | None
    notice: str | None


class VehicleOut(BaseModel):
    id: int
    plate: str
    kind: str
    seats: int
    institution: str
    depot_area_code: str
    state: str
    state_since: datetime
    needs_disinfection: bool
    driver_username: str | None
    version: int


class TripOut(BaseModel):
    task_ids: list[int]
    pickup_at: datetime
    dropoff_at: datetime


class RouteOut(BaseModel):
    vehicle_id: int
    plate: str
    version: int
    trips: list[TripOut]


class UnplannedOut(BaseModel):
    task_id: int
    reason: Literal["seats", "window", "busy", "time"] = Field(
        description="seats: no vehicle may carry it; window: too tight for the nearest vehicle; busy: no vehicle "
                    "free in time; time: the solver found no plan within its time limit")


class SuggestionOut(BaseModel):
    at: datetime
    routes: list[RouteOut]
    unplanned: list[UnplannedOut]


class AssignIn(BaseModel):
    version: int = Field(ge=1, le=2**62, description="the vehicle's version as the suggestion gave it")
    trips: list[list[Id]] = Field(min_length=1, max_length=200, description="task ids, one list per trip, in order")


class StateIn(BaseModel):
    state: Literal["free", "off_duty"]


class CallOffIn(BaseModel):
    reason: Reason


class StepIn(BaseModel):
    step: Literal["arrived", "picked_up", "delivered", "disinfected", "seen"]
    task_ids: list[Id] = Field(default_factory=list, max_length=200)
    person_ids: list[Id] = Field(default_factory=list, max_length=200)


class RiderOut(BaseModel):
    person_id: int
    name: str
    masked_id: str


class WorkOut(BaseModel):
    vehicle: VehicleOut | None
    trip: list[TaskOut]
    riders: list[RiderOut]
    later: list[TaskOut]
    notices: list[TaskOut]
