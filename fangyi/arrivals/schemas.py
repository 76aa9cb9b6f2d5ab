"""The arrivals JSON API's request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fangyi.arrivals.models import MEANS, ORIGIN_LEVELS, WORK_KINDS
from fangyi.arrivals.sentinel_models import REPORTER_KINDS, SYMPTOMS

Text = Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f]*$")]
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{6}([0-9]{3})?)?$")]
OriginCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))]
Means = Literal[MEANS]  # type: ignore[valid-type]
Level = Literal[ORIGIN_LEVELS]  # type: ignore[valid-type]
WorkKind = Literal[WORK_KINDS]  # type: ignore[valid-type]
CLIENT_ID_CHARS = r"[A-Za-z0-9_\-:.]"  # what a phone's entry id is made of (the service checks it too)
ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=rf"^{CLIENT_ID_CHARS}+$",
                                description="made by the phone, unique for ever: an entry sent again under it "
                                            "gets the first answer (`repeated`) and changes nothing")]


class ArrivalIn(BaseModel):
    id_number: Annotated[str, Field(min_length=15, max_length=18)]
    name: Text = ""
    phone: Annotated[str, Field(max_length=20)] | None = None
    origin_code: Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{6}([0-9]{3})?)?$")]
    arrived_at: datetime
    means: Means | None = None
    plate: Annotated[str, Field(max_length=12)] | None = None
    staying_area_code: AreaCode
    registered_at_code: Annotated[str, Field(max_length=40)] | None = None
    client_id: ClientId | None = None


class DueOut(BaseModel):
    kind: str
    day: date
    label: str = ""


class ArrivalOut(BaseModel):
    id: int
    person_id: int
    origin_code: str
    origin_name: str
    origin_known: bool
    arrived_at: datetime
    means: str | None
    plate: str | None
    staying_area_code: str
    seen_at: list[str]
    risk_level: str | None
    category: str | None
    setting: str | None
    placement_request_id: int | None
    home_from: date | None
    home_to: date | None
    release: date | None
    tests: list[DueOut]
    merged: bool = False
    repeated: bool = Field(False, description="true when this client_id had been received before")


class OriginRiskIn(BaseModel):
    area_code: OriginCode
    level: Level
    valid_from: Day
    valid_to: Day | None = None


class OriginRiskOut(BaseModel):
    id: int
    area_code: str
    level: str
    valid_from: date
    valid_to: date | None


class TaskOut(BaseModel):
    arrival_id: int
    person_name: str
    staying_area_code: str
    kind: str
    label: str
    done: int
    wanted: int


class WorkIn(BaseModel):
    kind: WorkKind
    day: Day | None = None
    temperature: Annotated[float, Field(ge=0, le=100)] | None = None
    label: Annotated[str, Field(max_length=12)] | None = None
    note: Annotated[str, Field(max_length=300)] | None = None
    at: datetime | None = Field(None, description="when it was done (a phone offline sends it later)")
    client_id: ClientId | None = None


class WorkOut(BaseModel):
    id: int
    arrival_id: int
    kind: str
    day: date
    temperature: float | None
    alert_id: int | None
    merged: bool = Field(False, description="done already (by someone else, or twice): the stored item")
    repeated: bool = Field(False, description="true when this client_id had been received before")


class HouseholdOut(BaseModel):
    id: int
    code: str
    area_code: str
    members: list[str]
    visited_on: date | None
    returned: int | None


class VisitIn(BaseModel):
    returned: Annotated[int, Field(ge=0, le=50)]
    day: Day | None = None
    note: Annotated[str, Field(max_length=300)] | None = None
    at: datetime | None = None
    client_id: ClientId | None = None


class VisitOut(BaseModel):
    id: int
    household_id: int
    day: date
    returned: int
    merged: bool = Field(False, description="the household was visited that day already: one visit, the larger count")
    repeated: bool = Field(False, description="true when this client_id had been received before")


class CoverageOut(BaseModel):
    village_code: str
    village_name: str
    households: int
    visited: int
    returned: int


# ---- fever sentinels --------------------------------------------------------------------------

ReporterKind = Literal[REPORTER_KINDS]  # type: ignore[valid-type]
Symptom = Literal[SYMPTOMS]  # type: ignore[valid-type]


class SentinelIn(BaseModel):
    id_number: Annotated[str, Field(min_length=15, max_length=18)]
    name: Text = ""
    area_code: AreaCode = Field(description="where it is reported: the clinic's, pharmacy's or village's area")
    reporter_kind: ReporterKind | None = Field(None, description="a village doctor's report is always village_doctor")
    institution: Annotated[str, Field(max_length=100)] | None = None
    symptoms: Annotated[list[Symptom], Field(max_length=len(SYMPTOMS))]
    temperature: Annotated[float, Field(ge=0, le=100)] | None = None
    note: Annotated[str, Field(max_length=300)] | None = None
    at: datetime | None = Field(None, description="when it was reported (a phone offline sends it later)")
    client_id: ClientId | None = None


class SentinelTestOut(BaseModel):
    sample_id: int
    barcode: str
    sampled_at: datetime
    result: str | None
    tested_at: datetime | None
    suspected_case_id: int | None


class SentinelOut(BaseModel):
    id: int
    person_id: int
    person_name: str
    reporter_kind: str
    area_code: str
    institution: str | None
    symptoms: list[str]
    temperature: float | None
    reported_at: datetime
    due_at: datetime
    state: str = Field(description="waiting, overdue (not sampled by due_at), sampled, negative, positive, invalid")
    tested_in_time: bool
    test: SentinelTestOut | None
    merged: bool = Field(False, description="the person's open report already stood: that one is the answer")
    repeated: bool = Field(False, description="true when this client_id had been received before")
