"""Shapes of the tracing API. Shape only: the rules live in clean_case and the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fangyi.web.http import Str

Classification = Literal["confirmed", "asymptomatic"]
Source = Literal["imported", "local"]
FoundBy = Literal["routine_screening", "under_control", "fever_clinic", "arrival_screening", "self_report"]


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_no: Str = Field(min_length=1, max_length=40)
    id_number: Str = Field(min_length=1, max_length=40, description="the case's person, already in the registry")
    classification: Classification
    onset_date: date | None = None
    sampled_at: datetime = Field(description="ISO 8601; without an offset, local time")
    confirmed_at: datetime
    source: Source
    origin: Str | None = Field(default=None, max_length=200)
    infected_by: Str | None = Field(default=None, max_length=40, description="the source case's number")
    isolated_at: datetime | None = Field(default=None, description="an earlier quarantine start, if any")
    found_by: FoundBy | None = Field(default=None, description="how the case was found; routine_screening "
                                     "looks back to the last negative test where the edition says so (cn-9)")


class CaseUpdate(BaseModel):
    """Any field but the number; the case's contacts are derived again."""

    model_config = ConfigDict(extra="forbid")

    id_number: Str | None = Field(default=None, min_length=1, max_length=40)
    classification: Classification | None = None
    onset_date: date | None = None
    sampled_at: datetime | None = None
    confirmed_at: datetime | None = None
    source: Source | None = None
    origin: Str | None = Field(default=None, max_length=200)
    infected_by: Str | None = Field(default=None, max_length=40)
    isolated_at: datetime | None = None
    found_by: FoundBy | None = None


class CasePublic(BaseModel):
    case_no: str
    person_id: int
    id_number: str
    masked: bool
    name: str
    area_code: str
    classification: str
    onset_date: date | None
    sampled_at: datetime
    confirmed_at: datetime
    source: str
    origin: str | None
    infected_by: str | None
    isolated_at: datetime | None
    found_by: str | None = None
    last_negative_at: datetime | None = Field(
        default=None, description="found by routine screening: the sampling time of the last negative test before")
    derived_at: datetime | None
    close_contacts: int
    secondary_contacts: int
    created_at: datetime
    updated_at: datetime
    # Ruled out: the case no longer counts; its contacts stay, flagged for review.
    ruled_out_at: datetime | None = None
    ruled_out_reason: str | None = None


class RuleOutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Str = Field(min_length=1, max_length=500, description="why the case is ruled out")


class TraceReason(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["household", "venue", "named"]
    venue_code: str | None = None
    relationship: str | None = Field(default=None, description="named: how the case knows them")
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class TraceContact(BaseModel):
    id_number: str
    name: str
    via: list[str] | None = Field(default=None, description="secondary contacts: the close contacts they came through")
    first_exposure: str
    last_exposure: str
    reasons: list[TraceReason]
    status: str = Field(description="derived, confirmed (by a tracer)")


class TraceWindow(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class TraceReport(BaseModel):
    """The same object as `fangyi trace CASE_NO --json` (formats.md)."""

    case_no: str
    protocol: str
    window: TraceWindow
    close_contacts: list[TraceContact]
    secondary_contacts: list[TraceContact]


class TracePage(BaseModel):
    """One page of a case's close or secondary contacts, in the order and shape of the trace."""

    case_no: str
    degree: str
    offset: int
    contacts: list[TraceContact]
    next_offset: int | None = Field(default=None, description="where the next page starts; none after the last")


class ContactPublic(BaseModel):
    id: int
    person_id: int
    id_number: str
    name: str
    degree: str
    status: str
    first_exposure: datetime
    last_exposure: datetime
    reasons: list[TraceReason]
    via: list[int]
    quarantined_at: datetime | None
    decided_at: datetime | None
    reject_reason: str | None
    stale: bool


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Str = Field(min_length=1, max_length=500)


class QuarantineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quarantined_at: datetime | None = Field(description="when the contact's quarantine started; null clears it")


class ReachBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["reached", "no_answer", "wrong_number", "refused"]
    note: Str | None = Field(default=None, max_length=500)


class ReachPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_id: int
    outcome: str
    note: str | None
    at: datetime


class NewPlaceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Str = Field(min_length=1, max_length=200)
    kind: Str = Field(min_length=1, max_length=20)
    area_code: Str = Field(min_length=6, max_length=15, pattern=r"^[0-9]+$")
    address: Str | None = Field(default=None, max_length=200)


class PlaceCreate(BaseModel):
    """A known venue by its code, or a new place (which becomes a venue)."""

    model_config = ConfigDict(extra="forbid")

    venue_code: Str | None = Field(default=None, min_length=1, max_length=64)
    new_place: NewPlaceBody | None = None
    start_at: datetime
    end_at: datetime
    note: Str | None = Field(default=None, max_length=500)


class PlacePublic(BaseModel):
    id: int
    venue_code: str
    venue_name: str
    kind: str
    start_at: datetime
    end_at: datetime
    note: str | None


class NamedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Str = Field(min_length=1, max_length=40)
    relationship: Str = Field(min_length=1, max_length=50, description="e.g. 同事, 朋友, 同车")
    last_contact_at: datetime
    note: Str | None = Field(default=None, max_length=500)


class NamedPublic(BaseModel):
    id: int
    person_id: int
    id_number: str
    name: str
    relationship: str
    last_contact_at: datetime
    note: str | None


class InvestigationPublic(BaseModel):
    places: list[PlacePublic]
    named: list[NamedPublic]


class LinkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    target: str
    kind: Literal["source", "contact", "shared_contact"]
    shared: int = Field(description="shared_contact: how many persons the two cases share")


class ClusterPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(description="the cluster's earliest confirmed case")
    size: int
    cases: list[str]
    links: list[LinkPublic]
    first_confirmed: datetime | None
    hidden: int = Field(0, description="cases of the cluster outside your jurisdiction: counted, not named")


class ChainPublic(BaseModel):
    cluster: ClusterPublic
    figure: dict[str, Any] = Field(description="a Plotly figure of the chain, for Plotly.newPlot")


class QueueItem(BaseModel):
    contact_id: int
    case_no: str
    person_id: int
    id_number: str
    name: str
    phone: str | None
    area_code: str
    degree: str
    status: str
    first_exposure: datetime
    last_exposure: datetime
    assigned_to: str | None
    quarantined_at: datetime | None
    review: bool = Field(False, description="the case was ruled out: review this contact")


class AffectedContact(BaseModel):
    """A secondary contact made a close contact (new clock) because the index turned."""

    alert_id: int
    person_id: int
    name: str
    area_code: str
    placement_id: int | None
    placement_status: str | None
    category: str | None


class IndexTurnedItem(BaseModel):
    """A close contact in quarantine who tested positive: the tracers must act on whom it changed."""

    person_id: int
    name: str
    id_number: str
    placement_id: int | None
    placement: str = Field(description="site and room, or the home address")
    at: datetime
    handled: bool
    affected: list[AffectedContact]


class QueuePage(BaseModel):
    items: list[QueueItem]
    total: int
    offset: int
    limit: int
    index_turned: list[IndexTurnedItem] = Field(
        default_factory=list, description="index-turned events in your jurisdiction not yet marked handled")


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracer_id: int = Field(ge=1, le=2**62)


class Progress(BaseModel):
    derived: int
    confirmed: int
    reached: int
    unreached: int
    handed_over: int
