"""The shared ground: areas, households, persons, venues and check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

AREA_LEVELS = ("county", "township", "village", "group")
VENUE_KINDS = (
    "household",
    "restaurant",
    "market",
    "shop",
    "workplace",
    "school",
    "clinic",
    "vehicle",
    "transport_hub",
    "gathering",
    "other",
)


class Area(Base):
    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(Integer)


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One record per identity document: a resident identity number, or P:/O: documents.
    id_number: Mapped[str] = mapped_column(String(40), unique=True)
    doc_kind: Mapped[str] = mapped_column(String(10))  # resident | passport | other
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    # Also read by id from ix_persons_id_area (fangyi/tracing/models.py, migration 0530).
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    # Set when this record was merged into another; the record stays so the merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    updated_at: Mapped[datetime] = mapped_column(Instant, default=now, onupdate=now)

    household: Mapped[Household | None] = relationship(lazy="joined")


class Venue(Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    default_stay_minutes: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(Integer)


class Checkin(Base):
    """A scan of a venue code. Times are epoch seconds (UTC): co-presence is an
    interval join over millions of rows, and integers keep it cheap on both databases."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("person_id", "venue_id", "in_at", name="uq_checkins_stay"),
        # By venue and time: ix_checkins_venue_cover in fangyi/tracing/models.py (migrations 0006, 0007).
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    in_at: Mapped[int] = mapped_column(BigInteger)
    out_at: Mapped[int | None] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = mapped_column(Integer)


class PersonMerge(Base):
    """A merge of two person records, with every link it moved, so it can be undone."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    moved: Mapped[dict[str, list[int]]] = mapped_column(Json)
    # The survivor's empty fields the merge filled from the merged record, with the values filled in.
    survivor_before: Mapped[dict[str, object]] = mapped_column(Json)
    at: Mapped[datetime] = mapped_column(Instant, default=now)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    undone_at: Mapped[datetime | None] = mapped_column(Instant)
    reason: Mapped[str | None] = mapped_column(String(500))


class RowCount(Base):
    """How many rows a table nothing deletes from holds (check-ins, persons), kept so that the report
    and the dashboard need not count millions of rows (registry/tally.py). On PostgreSQL each row is
    a difference written by a statement trigger in the writing transaction (migration 0810), summed
    by name; on SQLite one row per table: `n` rows up to `anchor`, whose row's `mark` (a keyed
    digest of its key) tells it from another that took its id."""

    __tablename__ = "row_counts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    n: Mapped[int] = mapped_column(BigInteger)
    anchor: Mapped[int | None] = mapped_column(BigInteger)
    mark: Mapped[str | None] = mapped_column(Json)
