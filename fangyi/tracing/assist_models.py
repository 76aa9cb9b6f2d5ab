"""Lists of people to find and control sent from outside (协查): other counties, big-data pushes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant
from fangyi.timeutil import now

ASSIST_SOURCES = ("county", "big_data")
MATCHED_BY = ("id_number", "phone_name", "hand")


class AssistList(Base):
    """One file received: its rows are the people to find."""

    __tablename__ = "assist_lists"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class AssistPerson(Base):
    """A person on a list, matched to the registry (or waiting to be), and the tracer's work on them."""

    __tablename__ = "assist_persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("assist_lists.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    id_number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[datetime] = mapped_column(Instant)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    matched_by: Mapped[str | None] = mapped_column(String(12))
    matched_at: Mapped[datetime | None] = mapped_column(Instant)
    # Routed like a derived contact: to a tracer of the area the person lives in.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(Instant)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(12))
    last_attempt_at: Mapped[datetime | None] = mapped_column(Instant)
    reached_at: Mapped[datetime | None] = mapped_column(Instant)
    # Found and put under control (handed over for quarantine): the list's task is done for them.
    controlled_at: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
