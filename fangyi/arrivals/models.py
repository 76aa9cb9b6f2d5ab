"""Arrivals: who came into the county, from where and when, the measures their origin's risk asks
for, what the village doctor has done about each (visits, temperatures, tests, release), and the
origin-risk list the command keeps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

MEANS = ("car", "train", "bus", "flight", "foot", "other")
ORIGIN_LEVELS = ("high", "medium", "low", "local_cases")
WORK_KINDS = ("first_visit", "temperature", "test", "release")


class Arrival(Base):
    """One person arriving in the county; where they stay is where the arrival lies (its jurisdiction)."""

    __tablename__ = "arrivals"
    __table_args__ = (UniqueConstraint("person_id", "arrived_at", name="uq_arrivals_person_arrived"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # A national division code (6 digits), or a place of the county (12 or 15) for a move inside it.
    origin_code: Mapped[str] = mapped_column(String(15), index=True)
    # False: a code the national list lacks, kept for the command to look at.
    origin_known: Mapped[bool] = mapped_column(Boolean, default=True)
    arrived_at: Mapped[datetime] = mapped_column(Instant, index=True)
    means: Mapped[str | None] = mapped_column(String(8))
    plate: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    staying_area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    registered_at_code: Mapped[str | None] = mapped_column(String(40))  # checkpoint or village
    # Every checkpoint that registered this same arrival (a merge keeps them all).
    seen_at: Mapped[list[str]] = mapped_column(Json, default=list)
    # What the origin's risk gave on the arrival date, under the edition then in force.
    risk_level: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(String(40))  # the edition's quarantine category
    edition: Mapped[str] = mapped_column(String(40))
    placement_request_id: Mapped[int | None] = mapped_column(Integer)
    registered_by_id: Mapped[int | None] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)


class ArrivalWork(Base):
    """One thing done for an arrival on a day: the first visit, a temperature, a test, the release."""

    __tablename__ = "arrival_work"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    arrival_id: Mapped[int] = mapped_column(ForeignKey("arrivals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    temperature: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    at: Mapped[datetime] = mapped_column(Instant, default=now)
    by_id: Mapped[int | None] = mapped_column(Integer)


class OriginRisk(Base):
    """The risk level of a place outside the county over a period, as the command keeps it."""

    __tablename__ = "origin_risks"
    __table_args__ = (UniqueConstraint("area_code", "valid_from", name="uq_origin_risks_area_from"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[str] = mapped_column(String(12))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(Integer)


Index("ix_arrival_work_arrival_day", ArrivalWork.arrival_id, ArrivalWork.day)


ENTRY_KINDS = ("arrival", "work", "household", "sentinel")


class ArrivalEntry(Base):
    """One entry a phone made, under the id the phone gave it (client_id): an arrival registered, a
    work item, a household visited. A resend finds it here and gets what it got the first time, so an
    outbox emptied twice, or a phone back after two days, stores each entry exactly once."""

    __tablename__ = "arrival_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    # What the entry made or was merged into (the arrival, the work item, the household visit, the
    # sentinel report).
    record_id: Mapped[int] = mapped_column(Integer)
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    area_code: Mapped[str] = mapped_column(String(15))  # where the record lies: who may see the answer again
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Instant, default=now)


class HouseholdVisit(Base):
    """The household sweep: a household visited on a day, with the number of people back from
    elsewhere found there. One a household and day: a second visit that day is merged into it."""

    __tablename__ = "household_visits"
    __table_args__ = (UniqueConstraint("household_id", "day", name="uq_household_visits_household_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(15), index=True)  # the household's, when visited
    day: Mapped[date] = mapped_column(Date)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(300))
    by_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Instant, default=now)
