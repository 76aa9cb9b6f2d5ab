"""The command office's figures over the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Security
from pydantic import BaseModel, ConfigDict, Field

from fangyi.command import report
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Invalid
from fangyi.timeutil import today
from fangyi.web.http import API_TOKEN, problems

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
    """At least these keys; each part adds its own section (see formats.md)."""

    model_config = ConfigDict(extra="allow")

    date: str = Field(description="the local day, YYYY-MM-DD")
    registry: RegistryFigures


@router.get("/report/daily", response_model=DailyReport, summary="The day's figures, as of the end of that day")
def daily_report(session: SessionDep, user: ApiUser, date: date | None = None) -> dict[str, Any]:
    day = date or today()
    # Day arithmetic near the calendar's ends overflows; no outbreak is recorded there.
    if not 1900 <= day.year <= 9000:
        raise Invalid(f"date {day.isoformat()} is out of range", column="date")
    return report.daily(session, user, day)
