"""Zones and risk areas, the areas each holds, every decision on them, and their public notices.

A zone (sealed, controlled, precaution) and a risk area (high, medium, low) are the same record with
a different kind: both go proposed → active → lifted (or rejected), and both are checked daily.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now

ZONE_KINDS = ("sealed", "controlled", "precaution")
RISK_LEVELS = ("high", "medium", "low")
KINDS = ZONE_KINDS + RISK_LEVELS
# Strictest first, within each regime.
STRICTNESS = {"sealed": 0, "controlled": 1, "precaution": 2, "high": 0, "medium": 1, "low": 2}
STATES = ("proposed", "active", "lifted", "rejected")
ACTIONS = ("lift", "downgrade", "seal")
# How a zone's screening round samples: at the door (sealed zones, high-risk areas), or at points.
ROUND_MODES = ("door_to_door", "points")


def regime_of(kind: str) -> str:
    """zones (sealed, controlled, precaution) or risk (high, medium, low)."""
    return "zones" if kind in ZONE_KINDS else "risk"


class Zone(Base):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    # The areas it is drawn over (registry codes), and for "places with likely spread" its venues.
    area_codes: Mapped[list[str]] = mapped_column(Json, default=list)
    venue_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    # The narrowest area holding all of the above: a reader sees the zone when it lies in their jurisdiction.
    scope_code: Mapped[str] = mapped_column(String(15), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    edition: Mapped[str] = mapped_column(String(40))
    measures: Mapped[list[str]] = mapped_column(Json, default=list)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    proposed_at: Mapped[datetime] = mapped_column(Instant, default=now)
    proposed_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(Instant)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(Instant)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    # When its present kind took effect (approval, or the last seal or downgrade).
    kind_since: Mapped[datetime | None] = mapped_column(Instant)
    # Reached its present level by a downgrade (a risk area's shorter next step).
    downgraded: Mapped[bool] = mapped_column(Boolean, default=False)
    # A proposal on an active zone waiting for a commander: lift, downgrade or seal, and since when.
    pending: Mapped[str | None] = mapped_column(String(10))
    pending_on: Mapped[date | None] = mapped_column(Date)
    pending_at: Mapped[datetime | None] = mapped_column(Instant)
    pending_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class ZoneArea(Base):
    """One area of one zone. While the zone is in force the row is too, and the database holds at
    most one zone in force per area and regime (ux_zone_areas_in_force)."""

    __tablename__ = "zone_areas"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    regime: Mapped[str] = mapped_column(String(5))
    in_force: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ux_zone_areas_in_force", ZoneArea.regime, ZoneArea.area_code, unique=True,
      sqlite_where=text("in_force = 1"), postgresql_where=text("in_force = true"))


class ZoneDecision(Base):
    """Every step of a zone's life, as it was decided (`at`, which a clerk may enter later) and entered."""

    __tablename__ = "zone_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None for a county-wide step (the county's return to routine).
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    # propose, approve, edit, reject, propose_lift, propose_downgrade, propose_seal, withdraw, lift,
    # override_lift, downgrade, seal, routine
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(Instant, index=True)
    entered_at: Mapped[datetime] = mapped_column(Instant, default=now)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    kind_before: Mapped[str | None] = mapped_column(String(12))
    kind_after: Mapped[str | None] = mapped_column(String(12))
    area_codes: Mapped[list[str]] = mapped_column(Json, default=list)
    reason: Mapped[str | None] = mapped_column(String(1000))
    evidence: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # The county a county-wide step concerns.
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)


class ZoneNotice(Base):
    """A public notice drafted on an approval, a lift, a downgrade or a seal; each edit a new version."""

    __tablename__ = "zone_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("zone_decisions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(100))
    written_at: Mapped[datetime] = mapped_column(Instant, default=now)


class ZoneRound(Base):
    """A screening round started for a zone, over exactly its areas' residents, and how it samples."""

    __tablename__ = "zone_rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id"), unique=True)
    mode: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(Instant)
    started_by: Mapped[str] = mapped_column(String(100))
