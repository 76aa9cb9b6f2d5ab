"""The command office's figures over the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Response, Security
from pydantic import BaseModel, ConfigDict, Field

from fangyi.command import closing, epi, growth
from fangyi.command.asof import report_as_of
from fangyi.deps import ApiUser, SessionDep
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, needs, problems, sent_again

router = APIRouter(
    prefix="/api/v1", tags=["command"], dependencies=[Security(API_TOKEN)], responses=problems(401, 403, 422)
)


class RegistryFigures(BaseModel):
    areas: int
    persons: int
    households: int
    venues: int
    checkins: int


class Closed(BaseModel):
    by: str = Field(description="who closed the day")
    at: str = Field(description="when, local time with its offset")


class DailyReport(BaseModel):
    """At least these keys; each part adds its own section (see formats.md). Every figure counts
    only what lies in your jurisdiction. A closed day answers the figures stored when it was
    closed, and says so in `closed`."""

    model_config = ConfigDict(extra="allow")

    date: str = Field(description="the local day, YYYY-MM-DD")
    registry: RegistryFigures
    closed: Closed | None = Field(None, description="who closed the day and when (its figures are as "
                                                   "reported); null while it is open")
    as_of: str | None = Field(None, description="asked with `as_of`: the moment (local time) the figures are "
                                                "as the records stood at")
    notes: dict[str, str] | None = Field(None, description="asked with `as_of`: per section, why its figures "
                                                           "are not rebuilt exactly as they stood")
    corrections: dict[str, dict[str, dict[str, Any]]] | None = Field(
        None, description="asked with `corrected` for a closed day: {section: {figure: {reported, now}}}, each "
                          "figure whose value computed now differs from the one reported")


@router.get("/report/daily", response_model=DailyReport, openapi_extra=needs("read_report"),
            summary="The day's figures in your jurisdiction: as closed, or as of the end of that day, or as the "
                    "records stood at a moment")
def daily_report(session: SessionDep, user: ApiUser, date: date | None = None,
                 as_of: datetime | None = Query(None, description="recompute the day as the records stood then"),
                 corrected: bool = Query(False, description="a closed day: add the corrections since")
                 ) -> DailyReport:
    day = date or today()
    if as_of is not None:
        return DailyReport.model_validate(report_as_of(session, user, day, aware(as_of)))
    if corrected:
        return DailyReport.model_validate(closing.with_corrections(session, user, day))
    return DailyReport.model_validate(closing.as_json(closing.report(session, user, day)))


@router.post("/report/daily/{day}/close", response_model=DailyReport, status_code=201,
             responses=sent_again(DailyReport, "closed day") | problems(422),
             openapi_extra=needs("close_report"),
             summary="Close a day: store its figures as reported upward; closed again, the day as first closed")
def close_day(day: date, session: SessionDep, user: ApiUser, response: Response) -> DailyReport:
    closed, new = closing.close_day(session, user, day)
    session.commit()
    if not new:
        response.status_code = 200
    return DailyReport.model_validate(closing.as_json(closing.Report(closed.figures, closed)))


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
            summary="Rt by Cori et al. (2013) as EpiEstim computes it, over the cases by confirmation date "
                    "or by date of infection estimated back from it")
def epi_rt(session: SessionDep, user: ApiUser, until: date | None = None,
           by: Literal["confirmation", "infection"] = Query("confirmation", description="the date cases count on"),
           window: int | None = Query(None, ge=1, le=60, description="days (default: the edition's)"),
           si_mean: float | None = Query(None, gt=1, le=30, description="serial interval mean, days"),
           si_sd: float | None = Query(None, gt=0, le=30, description="serial interval sd, days")) -> list[RtEstimate]:
    return [RtEstimate.model_validate(day) for day in epi.rt(session, user, by=by, window=window, si_mean=si_mean,
                                                              si_sd=si_sd, until=until)]


class Growth(BaseModel):
    date: str = Field(description="the last day of the week, YYYY-MM-DD")
    days: int = Field(description="the week's length, 7")
    cases: int = Field(description="local cases confirmed in the week")
    cases_before: int = Field(description="local cases confirmed in the week before")
    growth_rate: float | None = Field(description="ln(cases / cases_before) / days; null without cases in a week")
    doubling_days: float | None = Field(description="ln 2 / growth_rate while it grows")
    halving_days: float | None = Field(description="ln 2 / -growth_rate while it shrinks")
    under_control: int = Field(description="the week's cases in quarantine or on a contact list when confirmed")
    under_control_share: float | None = Field(description="under_control / cases")


@router.get("/epi/growth", response_model=Growth, openapi_extra=needs("read_report"),
            summary="The local cases' growth rate and doubling time, and the share under control when found")
def epi_growth(session: SessionDep, user: ApiUser, until: date | None = None) -> Growth:
    return Growth.model_validate(growth.growth(session, user, until=until))
