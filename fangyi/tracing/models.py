"""Cases, their derived contacts, and the tracers' reach attempts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, select, text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant
from fangyi.registry.models import Checkin, Person
from fangyi.timeutil import now

CLASSIFICATIONS = ("confirmed", "asymptomatic")
SOURCES = ("imported", "local")
DEGREES = ("close", "secondary")
STATUSES = ("derived", "confirmed", "rejected")
REACH_OUTCOMES = ("reached", "no_answer", "wrong_number", "refused")
# How a case was found (docs/formats.md): routine repeated testing changes its look-back under cn-9.
FOUND_BY = ("routine_screening", "under_control", "fever_clinic", "arrival_screening", "self_report")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    classification: Mapped[str] = mapped_column(String(12))
    onset_date: Mapped[date | None] = mapped_column(Date)
    sampled_at: Mapped[datetime] = mapped_column(Instant)
    confirmed_at: Mapped[datetime] = mapped_column(Instant, index=True)
    source: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str | None] = mapped_column(String(200))
    # The case this one caught it from, when the investigation found it.
    infected_by_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # A quarantine start before confirmation ends the exposure window earlier.
    isolated_at: Mapped[datetime | None] = mapped_column(Instant)
    found_by: Mapped[str | None] = mapped_column(String(20))
    # Found by routine repeated testing: the sampling time of the person's last negative test before
    # this one, where the edition starts the look-back from it (read from the parts' tests on save).
    last_negative_at: Mapped[datetime | None] = mapped_column(Instant)
    derived_at: Mapped[datetime | None] = mapped_column(Instant)
    # Ruled out (a retest, a lab error): the case leaves the counts from then on; its contacts stay
    # on the lists, flagged for review, and whoever is in quarantine for it is flagged too.
    ruled_out_at: Mapped[datetime | None] = mapped_column(Instant)
    ruled_out_reason: Mapped[str | None] = mapped_column(String(500))
    ruled_out_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    updated_at: Mapped[datetime] = mapped_column(Instant, default=now, onupdate=now)


# contacts' foreign keys that PostgreSQL enforces by statement-level triggers instead of its
# row-by-row checks (migration 0520: ~45 ms of storing a case's 3,600 contacts); SQLite keeps them.
CONTACT_KEYS_BY_TRIGGER = ("fk_contacts_person_id_persons", "fk_contacts_case_id_cases",
                           "fk_contacts_assigned_to_id_users")


def _person_number(context: DefaultExecutionContext) -> str:
    """A contact's sort key when its writer gave none: the person's identity number, read."""
    person_id = context.get_current_parameters()["person_id"]  # type: ignore[no-untyped-call]
    number = context.connection.scalar(select(Person.id_number).where(Person.id == person_id))
    return str(number or "")


# The lists' order, by identity number, in code points (Python's order) on both databases.
SORT_KEY = String(40).with_variant(String(40, collation="C"), "postgresql")


class Contact(Base):
    """One person found by derivation for one case, with the tracer's decision on it.

    Not unique on (case, person): a person merge may briefly bring two rows of
    the same person together, and the next derivation folds them.
    """

    __tablename__ = "contacts"
    # A tracer's queue and their day's load (assigned_at within a day) read ix_contacts_tracer_day;
    # a page of a case's list reads ix_contacts_case_list in its order (migration 0830).
    __table_args__ = (
        Index("ix_contacts_case_person", "case_id", "person_id"),
        Index("ix_contacts_tracer_day", "assigned_to_id", "assigned_at"),
        Index("ix_contacts_case_list", "case_id", "degree", "sort_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    degree: Mapped[str] = mapped_column(String(10))
    # The person's identity number, the lists' order: a page of a 30,000-contact list is a range of
    # ix_contacts_case_list, not a sort of the whole list joined to persons. Written with the contact
    # (derivation reads it with the person; any other writer's row reads it by default) and kept
    # right by a trigger on persons when a number is corrected (migration 0830; a migration that
    # rebuilds persons in batch mode on SQLite must create it again).
    sort_key: Mapped[str] = mapped_column(SORT_KEY, default=_person_number)
    first_exposure: Mapped[datetime] = mapped_column(Instant)
    last_exposure: Mapped[datetime] = mapped_column(Instant)
    # json, not jsonb, on PostgreSQL (migration 0850): written once, read whole, never queried inside.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Person ids of the close contacts through whom a secondary contact qualifies.
    via: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="derived")
    decided_by_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(Instant)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    quarantined_at: Mapped[datetime | None] = mapped_column(Instant)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)
    derived_at: Mapped[datetime] = mapped_column(Instant, default=now)
    # No longer derived, kept because a tracer decided on it.
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    stale_at: Mapped[datetime | None] = mapped_column(Instant)
    # The tracer whose queue it is in: by the area the person lives in, balancing the day's load.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(Instant)  # the day's load, by tracer
    # A confirmed contact handed over for quarantine: the placement request the quarantine part takes.
    handed_over_at: Mapped[datetime | None] = mapped_column(Instant)


class ReachAttempt(Base):
    """A call or visit to a contact, and how it went."""

    __tablename__ = "reach_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(Instant, default=now)


class InvestigationPlace(Base):
    """A place and time the case gave in the interview; it counts like one of their check-ins."""

    __tablename__ = "investigation_places"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(Instant)
    end_at: Mapped[datetime] = mapped_column(Instant)
    note: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


class VenueStay(Base):
    """Each venue's longest recorded stay (seconds), which bounds how early a stay that still
    reaches a moment can have begun: derivation's index range on check-ins needs it. Kept by
    triggers on check-ins, which only ever raise it (an upper bound, never too low): statement-
    level on PostgreSQL (migration 0535), row-level on SQLite, writing only when a stay is the
    venue's longest yet (migration 0795; a migration that rebuilds the check-ins table in batch
    mode must create them again). Read with the venues."""

    __tablename__ = "venue_stays"

    # No foreign key: a figure derived from check-ins, which hold the venues' keys.
    venue_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    longest: Mapped[int] = mapped_column(BigInteger)


class NamedContact(Base):
    """Someone the case named in the interview, with when they were last together."""

    __tablename__ = "named_contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(50))
    last_contact_at: Mapped[datetime] = mapped_column(Instant)
    note: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Instant, default=now)


# The interval join ranges over (venue_id, in_at) and needs each stay's end and person:
# carried in the index, a county-sized join reads no table rows (tens of thousands of
# random reads for a case whose close contacts work at large workplaces).
Index("ix_checkins_venue_cover", Checkin.venue_id, Checkin.in_at, Checkin.out_at, Checkin.person_id)
# Where each of a derivation's thousands of contacts lives (the assignment to tracers groups by
# it), read from the index alone on PostgreSQL: no table page per person (migration 0530).
# Empty on SQLite, which reads a row by its INTEGER PRIMARY KEY whatever index there is.
# Its identity number too, the contact's sort key (migration 0830).
Index("ix_persons_id_area", Person.id, postgresql_include=["area_code", "id_number"], sqlite_where=text("0"))
