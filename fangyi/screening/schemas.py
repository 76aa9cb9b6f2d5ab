"""Screening's request and response bodies for the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fangyi.screening.common import ScanCode, ScanStatus
from fangyi.screening.results import ResultStatus

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
AreaCode = Annotated[str, Field(min_length=6, max_length=15, pattern=r"^[0-9]+$")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1))]


class ScanIn(BaseModel):
    """One scan from a handheld or the sampling-point page."""

    model_config = ConfigDict(extra="forbid")

    scan_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$",
                         description="made by the handheld, unique for ever: a resent scan_id is answered as before")
    action: Literal["open", "person", "close"]
    barcode: str = Field(max_length=60, pattern=r"^[^\x00]*$", description="the tube's barcode")
    point_code: str | None = Field(None, max_length=40, pattern=r"^[^\x00]*$")
    round_code: str | None = Field(None, max_length=40, pattern=r"^[^\x00]*$")
    id_number: str | None = Field(None, max_length=40, pattern=r"^[^\x00]*$")
    name: str | None = Field(None, max_length=100, pattern=r"^[^\x00]*$",
                             description="for a person not in the registry: registered on the spot, flagged")
    pool_size: int | None = Field(None, ge=1, le=100, description="when opening; default the round's")
    scanned_at: Moment | None = Field(None, description="when the handheld scanned; default now")


class ScanBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scans: list[ScanIn] = Field(min_length=1, max_length=20)


class TubeOut(BaseModel):
    barcode: str
    members: int
    pool_size: int
    state: str


class PersonOut(BaseModel):
    name: str
    id_number: str = Field(description="masked")
    temporary: bool


class ScanOut(BaseModel):
    scan_id: str
    action: str | None = None
    status: ScanStatus = Field(description="ok, refused, or pending (stored before answers were)")
    code: ScanCode | None = Field(None, description="what happened, or why not: words for each in scan.code.*")
    message: str | None = None
    params: dict[str, str | int] = {}
    flags: list[str] = []
    tube: TubeOut | None = None
    person: PersonOut | None = None
    repeated: bool = Field(description="true when this scan_id had been received before")


class ScanResults(BaseModel):
    results: list[ScanOut]


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    barcode: str = Field(max_length=60, pattern=r"^[^\x00]*$")
    result: Literal["negative", "positive", "invalid"]
    tested_at: Moment
    lab_code: Code
    ct_orf1ab: float | None = Field(None, ge=0, le=50)
    ct_n: float | None = Field(None, ge=0, le=50)


class ResultBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[ResultIn] = Field(min_length=1, max_length=500)


class ResultOut(BaseModel):
    barcode: str
    status: ResultStatus = Field(description="unknown_tube: no such tube in your jurisdiction")
    reason: str | None = None


class ResultsOut(BaseModel):
    results: list[ResultOut]


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Text
    area_codes: list[AreaCode] = Field(min_length=1, max_length=200)
    starts_at: Moment
    deadline_at: Moment | None = None
    pool_size: int | None = Field(None, ge=1, le=100)


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    area_codes: list[str]
    starts_at: datetime
    deadline_at: datetime
    pool_size: int


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Text
    area_code: AreaCode
    address: Text | None = None
    hours: Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")] | None = None
    kind: Literal["fixed", "team"] = "fixed"
    staff: Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")] | None = None


class PointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    area_code: str
    address: str | None
    hours: str | None
    kind: str


class AreaCoverageOut(BaseModel):
    code: str
    name: str
    target: int
    sampled: int
    fraction: float


class CoverageOut(BaseModel):
    round: str
    target: int
    sampled: int
    fraction: float
    areas: list[AreaCoverageOut]
    tubes: int
    tested: int
    median_hours_to_result: float | None
    overdue_tubes: list[str]


class AdviceOut(BaseModel):
    prevalence: float
    pool_size: int
    tests_per_person: dict[str, float]


class RetestOut(BaseModel):
    group: str
    area_code: str
    people: list[PersonOut]
    reason: str


class SuspectedOut(BaseModel):
    id: int
    name: str
    id_number: str
    barcode: str
    tested_at: datetime
    status: str


class ConfirmIn(BaseModel):
    """The CDC's decision on a suspected case: the case number it is confirmed under."""

    model_config = ConfigDict(extra="forbid")

    case_no: str = Field(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")
    classification: Literal["confirmed", "asymptomatic"]
    source: Literal["imported", "local"]


class ConfirmOut(BaseModel):
    id: int
    status: str
    case_no: str


class UnverifiedOut(BaseModel):
    person_id: int
    name: str
    id_number: str = Field(description="masked")
    area_code: str
    point_code: str | None
    reason: str
    created_at: datetime
