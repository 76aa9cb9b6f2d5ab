"""The command office's figures over the JSON API."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Security
from pydantic import BaseModel, ConfigDict, Field

from fangyi.command import report
from fangyi.deps import ApiUser, SessionDep
from fangyi.timeutil import today
from fangyi.web.http import API_TOKEN, needs, problems

router = APIRouter(
    prefix="/api/v1", tags=["command"], dependencies=[Security(API_TOKEN)], responses=problems(401, 403, 422)
)


class RegistryFigures(BaseModel):
    areas: int
    persons: int
    households: int
    venues: int
    checkins: int


class DailyReport(BaseModel):
    """At least these keys; each part adds its own section (see formats.md). Every figure counts
    only what lies in your jurisdiction."""

    model_config = ConfigDict(extra="allow")

    date: str = Field(description="the local day, YYYY-MM-DD")
    registry: RegistryFigures


@router.get("/report/daily", response_model=DailyReport, openapi_extra=needs("read_report"),
            summary="The day's figures in your jurisdiction, as of the end of that day")
def daily_report(session: SessionDep, user: ApiUser, date: date | None = None) -> DailyReport:
    return DailyReport.model_validate(report.daily(session, user, date or today()))
