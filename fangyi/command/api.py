"""The command office's figures over the JSON API."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Security
from pydantic import BaseModel, ConfigDict, Field

from fangyi.command import epi, report
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


class CurveDay(BaseModel):
    date: str = Field(description="the local day, YYYY-MM-DD")
    onset_local: int
    onset_imported: int
    confirmed_local: int
    confirmed_imported: int


class RtEstimate(BaseModel):
    date: str = Field(description="the last day of the window, YYYY-MM-DD")
    mean: float
    lower: float = Field(description="2.5 % quantile of the posterior")
    upper: float = Field(description="97.5 % quantile of the posterior")
    cases_in_window: int


@router.get("/epi/curve", response_model=list[CurveDay], openapi_extra=needs("read_report"),
            summary="Cases a day by onset and by confirmation, local and imported, in your jurisdiction")
def epi_curve(session: SessionDep, user: ApiUser, until: date | None = None) -> list[CurveDay]:
    return [CurveDay.model_validate(day) for day in epi.curve(session, user, until=until)]


@router.get("/epi/rt", response_model=list[RtEstimate], openapi_extra=needs("read_report"),
            summary="Rt by Cori et al. (2013) over the cases by confirmation date, as EpiEstim computes it")
def epi_rt(session: SessionDep, user: ApiUser, until: date | None = None,
           window: int | None = Query(None, ge=1, le=60, description="days (default: the edition's)"),
           si_mean: float | None = Query(None, gt=1, le=30, description="serial interval mean, days"),
           si_sd: float | None = Query(None, gt=0, le=30, description="serial interval sd, days")) -> list[RtEstimate]:
    return [RtEstimate.model_validate(day) for day in epi.rt(session, user, window=window, si_mean=si_mean,
                                                              si_sd=si_sd, until=until)]
