"""Shapes of the registry's JSON API: Create / Update / Public per entity.

These check shape only (types, lengths); the rules live in the clean_* functions
and the services, so that the API and the importers refuse the same things.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fangyi.web.http import Str

# --- areas -----------------------------------------------------------------------

# The same lists as AREA_LEVELS and VENUE_KINDS in models.py, spelled out for the OpenAPI.
AreaLevel = Literal["county", "township", "village", "group"]
VenueKind = Literal[
    "household", "restaurant", "market", "shop", "workplace", "school", "clinic", "vehicle", "transport_hub",
    "gathering", "other",
]

AreaCode = Annotated[str, Field(min_length=6, max_length=15, pattern=r"^[0-9]+$")]


class AreaCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: AreaCode
    name: Str = Field(min_length=1, max_length=100)
    level: Str = Field(min_length=1, max_length=10)
    parent_code: AreaCode | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class AreaUpdate(BaseModel):
    """Code, level and parent follow from the code and never change."""

    model_config = ConfigDict(extra="forbid")

    name: Str | None = Field(default=None, min_length=1, max_length=100)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class AreaPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    lat: float | None
    lon: float | None


class AreaDetail(AreaPublic):
    children: list[AreaPublic]


# --- persons -----------------------------------------------------------------------


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Str = Field(
        min_length=1,
        max_length=40,
        description="18-character resident identity number (checksum verified), or P:/O: document"
    )
    name: Str = Field(min_length=1, max_length=100)
    sex: Str | None = Field(default=None, description="M/F or 男/女", max_length=2)
    birth_date: date | None = None
    phone: Str | None = Field(default=None, max_length=20)
    area_code: AreaCode
    address: Str | None = Field(default=None, max_length=200)
    household: Str | None = Field(default=None, description="household code", max_length=64)


class PersonUpdate(BaseModel):
    """Only the fields sent change; send null to clear an optional field."""

    model_config = ConfigDict(extra="forbid")

    id_number: Str | None = Field(default=None, min_length=1, max_length=40)
    name: Str | None = Field(default=None, min_length=1, max_length=100)
    sex: Str | None = Field(default=None, max_length=2)
    birth_date: date | None = None
    phone: Str | None = Field(default=None, max_length=20)
    area_code: AreaCode | None = None
    address: Str | None = Field(default=None, max_length=200)
    household: Str | None = Field(default=None, max_length=64)


class PersonPublic(BaseModel):
    id: int
    id_number: str = Field(description="masked unless ?unmask=true was granted")
    phone: str | None = Field(description="masked unless ?unmask=true was granted")
    masked: bool
    doc_kind: str
    name: str
    sex: str | None
    birth_date: date | None = Field(description="withheld while masked: it is part of the identity number")
    area_code: str
    address: str | None
    household: str | None
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime


class MergeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_id: int = Field(ge=1, le=2**62, description="the duplicate record, folded into this one")
    reason: Str = Field(min_length=1, max_length=500)


class MergePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    survivor_id: int
    merged_id: int
    moved: dict[str, int] = Field(description="how many links moved, per table.column")
    reason: str | None
    at: datetime
    undone_at: datetime | None


# --- venues ------------------------------------------------------------------------


class VenueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Str = Field(min_length=1, max_length=64)
    name: Str = Field(min_length=1, max_length=200)
    kind: Str = Field(min_length=1, max_length=20)
    area_code: AreaCode
    address: Str | None = Field(default=None, max_length=200)
    default_stay_minutes: int | None = Field(default=None, ge=1, le=1440)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class VenueUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Str | None = Field(default=None, min_length=1, max_length=64)
    name: Str | None = Field(default=None, min_length=1, max_length=200)
    kind: Str | None = Field(default=None, min_length=1, max_length=20)
    area_code: AreaCode | None = None
    address: Str | None = Field(default=None, max_length=200)
    default_stay_minutes: int | None = Field(default=None, ge=1, le=1440)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class VenuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    area_code: str
    address: str | None
    default_stay_minutes: int | None
    lat: float | None
    lon: float | None


# --- check-ins ---------------------------------------------------------------------


class CheckinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Str = Field(min_length=1, max_length=40)
    venue_code: Str = Field(min_length=1, max_length=64)
    checked_in_at: Str = Field(
        min_length=1,
        max_length=40,
        description="ISO 8601; without an offset it is local time", examples=["2022-03-27T12:05:00+08:00"]
    )
    checked_out_at: Str | None = Field(default=None, max_length=40)


class CheckinPublic(BaseModel):
    id: int
    person_id: int
    venue_id: int
    venue_code: str
    venue_name: str
    checked_in_at: datetime = Field(description="local time with its offset, e.g. +08:00")
    checked_out_at: datetime | None
