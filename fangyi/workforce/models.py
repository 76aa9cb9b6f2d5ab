"""Institutions, staff, posts and what each needs per shift, roster entries (one person, one post,
one shift), absences, and teams (commando teams, temporary branches)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now


class Institution(Base):
    __tablename__ = "workforce_institutions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Staff(Base):
    """A person the county can post: their institution's area is where they belong."""

    __tablename__ = "workforce_staff"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("workforce_institutions.id"), index=True)
    # The institution's area, kept here so that a jurisdiction filter needs no join.
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    qualifications: Mapped[list[str]] = mapped_column(Json, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    import_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Post(Base):
    """A place that needs people: a sampling point, a checkpoint, a quarantine site, a lab, …"""

    __tablename__ = "workforce_posts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    point_id: Mapped[int | None] = mapped_column(ForeignKey("sampling_points.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine_sites.id"), index=True)
    removed_at: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class Need(Base):
    """How many people of one qualification a post needs in a shift: every day (day None), or on one
    day (a screening round's, which replaces the standing need of that qualification that day)."""

    __tablename__ = "workforce_needs"
    __table_args__ = (UniqueConstraint("post_id", "qualification", "shift", "day", name="uq_workforce_needs_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("workforce_posts.id"), index=True)
    qualification: Mapped[str] = mapped_column(String(20))
    shift: Mapped[str] = mapped_column(String(20))
    day: Mapped[date | None] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("screening_rounds.id"), index=True)


class Assignment(Base):
    """One person rostered for one shift at one post (or unassigned, when their post was removed)."""

    __tablename__ = "workforce_assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("workforce_staff.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("workforce_posts.id"), index=True)
    # The post it was at when that post was removed (post_id is then None).
    former_post_id: Mapped[int | None] = mapped_column(ForeignKey("workforce_posts.id"))
    qualification: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date, index=True)
    shift: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(Instant, index=True)
    ends_at: Mapped[datetime] = mapped_column(Instant)
    source: Mapped[str] = mapped_column(String(10), default="hand")  # hand | suggested
    # Why it was saved although it breaks a rest or hours rule.
    override: Mapped[str | None] = mapped_column(String(500))
    checked_in_at: Mapped[datetime | None] = mapped_column(Instant)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


# One person, one shift starting at one moment: the database's own guard against two requests
# rostering the same person at once (the service's overlap check runs under a lock besides).
Index("ux_workforce_assignments_staff_start", Assignment.staff_id, Assignment.starts_at, unique=True)


class Absence(Base):
    """A time a person cannot be rostered (leave, sick, posted elsewhere by their institution)."""

    __tablename__ = "workforce_absences"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("workforce_staff.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(Instant)
    ends_at: Mapped[datetime] = mapped_column(Instant)
    reason: Mapped[str] = mapped_column(String(200))


class Team(Base):
    """A commando team (党员突击队) or temporary party branch (临时党支部) at a post."""

    __tablename__ = "workforce_teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("workforce_posts.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("workforce_staff.id"))
    area_code: Mapped[str] = mapped_column(String(15), index=True)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class TeamMember(Base):
    __tablename__ = "workforce_team_members"
    __table_args__ = (UniqueConstraint("team_id", "staff_id", name="uq_workforce_team_members_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("workforce_teams.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("workforce_staff.id"), index=True)

