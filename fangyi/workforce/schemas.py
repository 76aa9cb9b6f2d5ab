"""The workforce JSON API's request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fangyi.workforce.kinds import INSTITUTION_KINDS, POST_KINDS, QUALIFICATIONS, TEAM_KINDS

Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")]
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{6}([0-9]{6}([0-9]{3})?)?$")]
Phone = Annotated[str, Field(pattern=r"^[0-9]{5,20}$")]
Qualification = Literal[QUALIFICATIONS]  # type: ignore[valid-type]
InstitutionKind = Literal[INSTITUTION_KINDS]  # type: ignore[valid-type]
PostKind = Literal[POST_KINDS]  # type: ignore[valid-type]
TeamKind = Literal[TEAM_KINDS]  # type: ignore[valid-type]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))]
Id = Annotated[int, Field(ge=1, le=2**62)]
Count = Annotated[int, Field(ge=0, le=500)]
ShiftCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]


class InstitutionIn(BaseModel):
    code: Code
    name: Text
    kind: InstitutionKind
    area_code: AreaCode


class InstitutionOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    area_code: str


class StaffIn(BaseModel):
    name: Text
    phone: Phone
    institution: Text = Field(description="the institution's code or name")
    qualifications: list[Qualification] = Field(min_length=1, max_length=9)


class StaffOut(BaseModel):
    id: int
    name: str
    phone: str = Field(description="masked unless the reader manages the workforce")
    institution_id: int
    area_code: str
    qualifications: list[str]
    has_account: bool


class PostIn(BaseModel):
    code: Code
    name: Text
    kind: PostKind
    area_code: AreaCode
    point: Code | None = Field(default=None, description="a sampling point's code")
    site: Code | None = Field(default=None, description="a quarantine site's code")
    needs: dict[ShiftCode, dict[Qualification, Count]] = Field(default_factory=dict,
                                                               description="per shift: qualification -> people")


class NeedsIn(BaseModel):
    needs: dict[ShiftCode, dict[Qualification, Count]]


class PostOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    area_code: str
    point_id: int | None
    site_id: int | None


class RemovedOut(BaseModel):
    post_id: int
    unassigned: int = Field(description="shifts moved to unassigned (kept, with their former post)")


class AssignIn(BaseModel):
    staff_id: Id
    post_id: Id
    day: Day
    shift: ShiftCode
    qualification: Qualification | None = None
    reason: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="needed to save a shift that breaks a rest or hours rule")


class WarningOut(BaseModel):
    rule: str
    detail: str


class AssignmentOut(BaseModel):
    id: int
    staff_id: int
    post_id: int | None
    former_post_id: int | None
    qualification: str
    day: date
    shift: str
    starts_at: datetime
    ends_at: datetime
    source: str
    override: str | None
    checked_in_at: datetime | None


class AssignedOut(BaseModel):
    assignment: AssignmentOut
    warnings: list[WarningOut]


class SuggestIn(BaseModel):
    week: Day = Field(description="any day of the week (weeks run Monday to Sunday)")
    apply: bool = False
    seconds: Annotated[float, Field(ge=0.5, le=60)] = 8.0
    method: Literal["solver", "greedy"] = "solver"


class UnmetOut(BaseModel):
    post_id: int
    day: date
    shift: str
    qualification: str
    missing: int
    reason: Literal["no_one_qualified", "too_few_free", "limits"]
    detail: str


class PlacedOut(BaseModel):
    staff_id: int
    post_id: int
    day: date
    shift: str
    qualification: str


class SuggestionOut(BaseModel):
    week: date
    status: str
    seconds: float
    needed: int
    placed: list[PlacedOut]
    unmet: list[UnmetOut]
    saved: int


class CellOut(BaseModel):
    day: date
    shift: str
    needs: dict[str, int]
    short: dict[str, int]
    people: list[dict[str, str | int | bool | None]]


class GridOut(BaseModel):
    post: PostOut
    week: date
    cells: list[CellOut]


class ShortOut(BaseModel):
    post_id: int
    post: str
    day: date
    shift: str
    starts_at: datetime
    short: dict[str, int]
    rostered: int
    needed: int


class DutyOut(BaseModel):
    post_id: int
    post: str
    shift: str
    people: list[dict[str, str | int | bool | None]]
    short: dict[str, int]


class OverOut(BaseModel):
    staff_id: int
    name: str
    breaches: list[WarningOut]


class BoardOut(BaseModel):
    at: datetime
    on_duty: list[DutyOut]
    short_now: list[ShortOut]
    short_next: list[ShortOut]
    overworked: list[OverOut]
    unassigned: list[AssignmentOut]


class RoundNeedsOut(BaseModel):
    round: str
    residents: int
    samplers: int
    points_needed: tuple[int, int]
    posts: list[str]
    points_short: int
    needs: list[dict[str, str | int]]


class TeamIn(BaseModel):
    name: Text
    kind: TeamKind
    leader_id: Id
    post_id: Id | None = None
    members: list[Id] = Field(default_factory=list, max_length=500)


class TeamOut(BaseModel):
    id: int
    name: str
    kind: str
    post_id: int | None
    leader_id: int
    members: list[int]


class ExposedOut(BaseModel):
    staff_id: int
    name: str
    post: str
    sampled_on: date
    test_days: list[date]


Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1),
                                   description="no offset: local time")]


class AbsenceIn(BaseModel):
    starts_at: Moment
    ends_at: Moment
    reason: Text


class AbsenceOut(BaseModel):
    id: int
    staff_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
