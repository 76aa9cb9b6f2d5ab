"""Fever sentinels (预检分诊): a clinic, a pharmacy or a village doctor reports a person with fever or
respiratory symptoms; the report asks for a single-tube test by its due time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

REPORTER_KINDS = ("clinic", "pharmacy", "village_doctor")
SYMPTOMS = ("fever", "cough", "sore_throat", "fatigue", "runny_nose", "muscle_ache", "loss_of_smell",
            "short_of_breath", "diarrhoea")


class SentinelReport(Base):
    """One report of a person with fever or respiratory symptoms. It lies where it was reported (the
    clinic's, pharmacy's or village's area): who may read it is decided there. Its test is the
    person's first single tube swabbed from the report on (read from screening, never copied)."""

    __tablename__ = "sentinel_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # The name as the reporter typed it: what a desk that may not read the person's record is shown.
    given_name: Mapped[str | None] = mapped_column(String(100))
    reporter_kind: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    institution: Mapped[str | None] = mapped_column(String(100))  # the clinic's or pharmacy's name
    symptoms: Mapped[list[str]] = mapped_column(Json, default=list)
    temperature: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime] = mapped_column(Instant, index=True)
    # The test asked for: by reported_at + the edition's sentinel_test_hours.
    due_at: Mapped[datetime] = mapped_column(Instant)
    edition: Mapped[str] = mapped_column(String(40))
    # Screening's control (reason fever) that keeps the person out of pooled tubes until a result.
    control_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(300))
    reported_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)
