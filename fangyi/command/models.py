"""A closed day: the figures the command office reported upward that night, kept as they were."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now


class ClosedDay(Base):
    __tablename__ = "closed_days"
    __table_args__ = (UniqueConstraint("day", "scope", name="uq_closed_days_day_scope"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    # The jurisdiction whose figures these are (an area code's prefix; '' for everything).
    scope: Mapped[str] = mapped_column(String(15))
    figures: Mapped[dict[str, Any]] = mapped_column(Json)
    closed_by: Mapped[str] = mapped_column(String(100))
    closed_by_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(Instant, default=now)
