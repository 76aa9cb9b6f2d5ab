"""Quarantine's request and response bodies for the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[int, Field(ge=1, le=2**62)]
Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1))]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Category = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_0-9]+$",
                                description="a category of the protocol edition in force, e.g. close_contact")]


class SiteIn(BaseModel):
    """Only the fields sent are changed; an empty string clears one."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(None, max_length=200, pattern=r"^[^\x00]*$")
    contact: str | None = Field(None, max_length=100, pattern=r"^[^\x00]*$")
    staff: str | None = Field(None, max_length=500, pattern=r"^[^\x00]*$")


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class RoomOut(BaseModel):
    id: int
    room: str
    beds: int
    state: Literal["free", "occupied", "cleaning", "out_of_service"]
    occupants: list[int] = Field(description="placement ids of who is in it")

    @classmethod
    def of(cls, room: Any, occupants: list[int]) -> RoomOut:
        return cls.model_validate({"id": room.id, "room": room.room, "beds": room.beds, "state": room.state,
                                   "occupants": occupants})


class SiteOut(BaseModel):
    code: str
    name: str
    area_code: str
    address: str | None
    lat: float | None
    lon: float | None
    contact: str | None
    staff: str | None
    rooms: int
    beds: int
    beds_free: int

    @classmethod
    def of(cls, line: Any) -> SiteOut:
        """A site with its totals (quarantine.sites.SiteLine)."""
        s = line.site
        return cls(code=s.code, name=s.name, area_code=s.area_code, address=s.address, lat=s.lat, lon=s.lon,
                   contact=s.contact, staff=s.staff, rooms=line.rooms, beds=line.beds, beds_free=line.beds_free)


class SiteBoard(SiteOut):
    room_list: list[RoomOut]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    category: Category
    reason: Text
    last_exposure: Moment = Field(description="the clock counts from it; without an offset, local time")
    linked_person_ids: list[Id] = Field(default_factory=list, max_length=50,
                                        description="for a secondary contact: the close contacts (person ids)")
    source: Literal["manual", "screening", "arrival"] = Field(
        "manual", description="who sends them: typed by the command office, screening, or an arrival check")


class RequestOut(BaseModel):
    id: int
    person_id: int
    category: str
    reason: str
    source: str
    contact_id: int | None
    last_exposure: datetime
    linked_person_ids: list[int]
    status: str

    @classmethod
    def of(cls, request: Any) -> RequestOut:
        return cls(id=request.id, person_id=request.person_id, category=request.category, reason=request.reason,
                   source=request.source, contact_id=request.contact_id, last_exposure=request.last_exposure,
                   linked_person_ids=list(request.linked_person_ids or []), status=request.status)


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_ids: list[Id] = Field(min_length=1, max_length=10_000)
    rooms: dict[str, Id | Literal["home"]] = Field(
        default_factory=dict, description="the command office's choice: request id -> room id, or \"home\"")
    partial: bool = Field(False, description="place what fits and list the rest, instead of placing nobody")


class AllocationOut(BaseModel):
    placements: list[int]
    transports: list[int]
    unplaced: dict[str, str]


class TestDayOut(BaseModel):
    phase: str
    day: int
    on: date


class MissingOut(BaseModel):
    code: Literal["positive", "days", "test", "reagents", "linked_tests"]
    params: dict[str, str | int]


class PlacementOut(BaseModel):
    id: int
    person_id: int
    category: str
    setting: str
    site_code: str | None
    room: str | None
    address: str | None
    status: str
    placed_at: datetime
    ended_at: datetime | None
    release_kind: str | None
    last_exposure: datetime
    edition: str
    day1: date
    test_days: list[TestDayOut]
    quarantine_end: date | None
    release_date: date
    monitoring_end: date | None
    missing: list[MissingOut]


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    temperature: float = Field(allow_inf_nan=False, ge=-1000, le=1000, description="°C")
    symptoms: str | None = Field(None, max_length=300, pattern=r"^[^\x00]*$")
    at: Moment | None = None


class CheckOut(BaseModel):
    id: int
    placement_id: int
    temperature: float
    symptoms: str | None
    at: datetime
    alert_id: int | None = Field(description="the fever alert this check raised, if it did")


class TestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    phase: Literal["quarantine", "monitoring", "single"] = "quarantine"
    day: int | None = Field(None, ge=0, le=1000)
    result: Literal["negative", "positive", "invalid"]
    reagent: str | None = Field(None, max_length=100, pattern=r"^[^\x00]*$")
    sampled_at: Moment


class TestOut(BaseModel):
    id: int
    placement_id: int
    phase: str
    day: int | None
    result: str
    reagent: str | None
    sampled_at: datetime | None


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: Day | None = Field(None, description="the day it takes effect (default today); never before the clock's")
    override_reason: str | None = Field(None, max_length=500, pattern=r"^[^\x00]*$",
                                        description="a commander releasing before the criteria are met")


class WaiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: int = Field(ge=1, le=60, description="a quarantine test day that fell before the placement began")
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*\S[^\x00]*$",
                        description="why it was not tested (kept in the audit trail)")


class AlertOut(BaseModel):
    id: int
    placement_id: int | None
    person_id: int
    kind: str
    at: datetime
    handled_at: datetime | None


class TransportOut(BaseModel):
    id: int
    person_id: int
    placement_id: int | None
    from_place: str
    to_place: str
    reason: str
    status: str
    created_at: datetime
    done_at: datetime | None


class ForecastSite(BaseModel):
    code: str
    name: str
    rooms: int
    beds: int
    free: list[int]


class ForecastOut(BaseModel):
    days: list[date]
    free: list[int]
    waiting: int
    net: list[int]
    sites: list[ForecastSite]
