"""Zones' request and response bodies for the JSON API (`ZoneOut` is the object of
`fangyi zones check --json`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1),
                                   description="when the decision took effect (no offset: local time)")]
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{6}([0-9]{3})?)?$")]
VenueCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]*\S[^\x00]*$")]
Kind = Literal["sealed", "controlled", "precaution", "high", "medium", "low"]


class CriterionOut(BaseModel):
    name: str
    met: bool
    since: date | None
    evidence: dict[str, Any]


class ProposalOut(BaseModel):
    action: Literal["lift", "downgrade", "seal"]
    on: date


class ZoneOut(BaseModel):
    id: int
    kind: Kind
    areas: list[str]
    venues: list[int] = Field(description="venue ids, for a zone over places with likely spread")
    state: Literal["proposed", "active", "lifted", "rejected"]
    since: date
    criteria: list[CriterionOut]
    proposal: ProposalOut | None


class DecisionOut(BaseModel):
    id: int
    action: str
    at: datetime
    entered_at: datetime
    actor: str
    kind_before: str | None
    kind_after: str | None
    areas: list[str]
    reason: str | None
    evidence: dict[str, Any]

    @classmethod
    def of(cls, d: Any) -> DecisionOut:
        return cls(id=d.id, action=d.action, at=d.at, entered_at=d.entered_at, actor=d.actor, kind_before=d.kind_before,
                   kind_after=d.kind_after, areas=list(d.area_codes), reason=d.reason, evidence=d.evidence)


class NoticeOut(BaseModel):
    id: int
    decision_id: int
    version: int
    title: str
    body: str
    written_by: str
    written_at: datetime


class ResidentsOut(BaseModel):
    area_code: str
    name: str
    count: int


class ZoneDetail(ZoneOut):
    reason: str
    edition: str
    measures: list[str]
    residents: list[ResidentsOut]
    timeline: list[DecisionOut]
    notices: list[NoticeOut]


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    areas: list[AreaCode] = Field(default_factory=list, max_length=200)
    venues: list[VenueCode] = Field(default_factory=list, max_length=200)
    reason: Reason
    at: Moment | None = None


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: Moment | None = None
    areas: list[AreaCode] | None = Field(None, max_length=200, description="the areas as edited (a proposed zone)")
    note: Reason | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    at: Moment | None = None


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: Moment | None = None
    override: Reason | None = Field(None, description="required to lift before every criterion holds")


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
    body: Annotated[str, Field(min_length=1, max_length=20000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class RoundIn(BaseModel):
    """The round as offered, its code and name as edited (both optional: the offer's)."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,40}$")] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")] | None = None


class RoundOut(BaseModel):
    zone_id: int
    round_id: int
    code: str
    name: str
    areas: list[str]
    mode: Literal["door_to_door", "points"]
    starts_at: datetime
    deadline_at: datetime
    started_by: str
