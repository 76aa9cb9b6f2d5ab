"""Screening: rounds, sampling points, tubes and their swabs, boxes to the lab, results, and what a
positive pool sets off (controls, retest tasks, suspected cases)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

TUBE_STATES = ("open", "closed", "packed", "received", "tested")
RESULTS = ("negative", "positive", "invalid")
POINT_KINDS = ("fixed", "team")  # a fixed sampling point, or a door-to-door team
CONTROL_REASONS = ("pool_positive", "flagged", "sealed_zone", "quarantine", "fever")


class ScreeningRound(Base):
    __tablename__ = "screening_rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_codes: Mapped[list[str]] = mapped_column(Json)
    starts_at: Mapped[datetime] = mapped_column(Instant)
    deadline_at: Mapped[datetime] = mapped_column(Instant)
    pool_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class SamplingPoint(Base):
    __tablename__ = "sampling_points"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="fixed")
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[str | None] = mapped_column(String(100))
    staff: Mapped[str | None] = mapped_column(String(500))


class Lab(Base):
    __tablename__ = "labs"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Box(Base):
    """A cool box of tubes from a point to a lab: packed, handed over (who, when), received."""

    __tablename__ = "sample_boxes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_points.id"), index=True)
    lab_code: Mapped[str | None] = mapped_column(String(40))
    packed_at: Mapped[datetime] = mapped_column(Instant, default=now)
    handed_over_at: Mapped[datetime | None] = mapped_column(Instant)
    handed_over_by: Mapped[str | None] = mapped_column(String(100))
    carried_by: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime | None] = mapped_column(Instant)
    received_by: Mapped[str | None] = mapped_column(String(100))


class Tube(Base):
    """A barcode, used once ever: one swab (single) or several (a pool)."""

    __tablename__ = "tubes"
    # Room on each page for the row's own updates, one a scan: see migration 0540.
    __table_args__ = {"postgresql_with": {"fillfactor": 70}}  # noqa: RUF012 (SQLAlchemy reads a dict here)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    barcode: Mapped[str] = mapped_column(String(40), unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_points.id"), index=True)
    pool_size: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(Instant, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(Instant)
    box_id: Mapped[int | None] = mapped_column(ForeignKey("sample_boxes.id"), index=True)
    received_at: Mapped[datetime | None] = mapped_column(Instant)
    result: Mapped[str | None] = mapped_column(String(10))
    tested_at: Mapped[datetime | None] = mapped_column(Instant, index=True)
    lab_code: Mapped[str | None] = mapped_column(String(40))
    ct_orf1ab: Mapped[float | None] = mapped_column(Float)
    ct_n: Mapped[float | None] = mapped_column(Float)
    # Why the tube needs a look: an unknown point or round code, two different results.
    flag: Mapped[str | None] = mapped_column(String(300))
    actor_id: Mapped[int | None] = mapped_column(Integer)


class Sample(Base):
    """One person's swab in one tube; scan_id is the handheld's own id for the scan that made it."""

    __tablename__ = "samples"
    __table_args__ = (
        UniqueConstraint("tube_id", "person_id", name="uq_samples_tube_person"),
        Index("ix_samples_person_round", "person_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Indexed by uq_samples_tube_person, whose first column it is.
    tube_id: Mapped[int] = mapped_column(ForeignKey("tubes.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("screening_rounds.id"), index=True)
    sampled_at: Mapped[datetime] = mapped_column(Instant, index=True)
    scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The codes as the handheld gave them, kept even when unknown: a swab is never lost over a code.
    point_code: Mapped[str | None] = mapped_column(String(40))
    round_code: Mapped[str | None] = mapped_column(String(40))
    flag: Mapped[str | None] = mapped_column(String(300))
    import_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)


class Scan(Base):
    """Every scan a handheld sent, once, with the answer it got: a resent scan gets the same answer."""

    __tablename__ = "scans"
    # A point's scans by time: its page's last hour and recent scans (migration 0545).
    __table_args__ = (Index("ix_scans_point_at", "point_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(String(10))
    barcode: Mapped[str | None] = mapped_column(String(60))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_points.id"))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(Json)
    at: Mapped[datetime] = mapped_column(Instant, default=now)
    actor_id: Mapped[int | None] = mapped_column(Integer)


class LabResult(Base):
    """Each result as a lab sent it; the tube carries the one in force."""

    __tablename__ = "lab_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tube_id: Mapped[int] = mapped_column(ForeignKey("tubes.id"), index=True)
    result: Mapped[str] = mapped_column(String(10))
    tested_at: Mapped[datetime] = mapped_column(Instant)
    lab_code: Mapped[str] = mapped_column(String(40))
    ct_orf1ab: Mapped[float | None] = mapped_column(Float)
    ct_n: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="applied")  # applied | conflict
    flag: Mapped[str | None] = mapped_column(String(300))
    import_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Control(Base):
    """A person who must be swabbed alone (pool-positive, flagged …) from started_at until ended_at."""

    __tablename__ = "screening_controls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    tube_id: Mapped[int | None] = mapped_column(ForeignKey("tubes.id"))
    started_at: Mapped[datetime] = mapped_column(Instant, default=now)
    ended_at: Mapped[datetime | None] = mapped_column(Instant)
    note: Mapped[str | None] = mapped_column(String(300))


class RetestTask(Base):
    """A single-tube re-sampling for one person, for the door-to-door teams."""

    __tablename__ = "retest_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    source_tube_id: Mapped[int] = mapped_column(ForeignKey("tubes.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # pool_positive | invalid
    # Household code, else the address, else the area: one door for the team.
    group_key: Mapped[str] = mapped_column(String(220), index=True)
    area_code: Mapped[str] = mapped_column(String(15))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    done_at: Mapped[datetime | None] = mapped_column(Instant)
    result_tube_id: Mapped[int | None] = mapped_column(ForeignKey("tubes.id"))
    result: Mapped[str | None] = mapped_column(String(10))


class SuspectedCase(Base):
    """A positive single tube, waiting for the CDC to confirm it into a case (tracing's Case)."""

    __tablename__ = "suspected_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    tube_id: Mapped[int] = mapped_column(ForeignKey("tubes.id"), unique=True)
    tested_at: Mapped[datetime] = mapped_column(Instant)
    sampled_at: Mapped[datetime] = mapped_column(Instant)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | confirmed | discarded
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class UnverifiedPerson(Base):
    """A person registered on the spot at a sampling point, to be checked against the registry."""

    __tablename__ = "unverified_persons"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    point_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    checked_at: Mapped[datetime | None] = mapped_column(Instant)
