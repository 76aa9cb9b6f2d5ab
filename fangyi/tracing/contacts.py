"""Stored contacts: deriving them again without losing a tracer's work, and the tracers' decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, require
from fangyi.audit import service as audit
from fangyi.config import get_settings
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.protocols.reader import current
from fangyi.quarantine.events import PlacementsMade
from fangyi.registry.models import Person
from fangyi.timeutil import now
from fangyi.tracing.assignment import Owners, plan_found
from fangyi.tracing.derivation import CHUNK, FOUND, Derived, derive, epoch
from fangyi.tracing.models import REACH_OUTCOMES, Case, Contact, ReachAttempt


def within(session: Session, actor: Principal, person_id: int) -> None:
    """Refuse a record about a person outside the actor's jurisdiction as if it did not exist
    (SYSTEM, Fangyi itself and the console, sees everywhere)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("not found in your jurisdiction")
    check_area(actor, person.area_code)


def _expire_contacts(session: Session) -> None:
    # Bulk statements bypass the objects a session may hold; reload them on next use.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Contact):
            session.expire(obj)


def _sqlite_instant(moment: datetime) -> str:
    # How SQLAlchemy keeps a timezone-aware DateTime in SQLite: naive UTC text (see db/base.py Instant).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# FOUND's columns as the contacts table keeps them: epoch seconds as instants, JSON text as JSON.
_AS_STORED = {
    "postgresql": {"first": "to_timestamp(f.first_at)", "last": "to_timestamp(f.last_at)",
                   "reasons": "CAST(f.reasons AS json)", "via": "CAST(f.via AS json)", "false": "false",
                   "at": "CAST(:at AS timestamptz)"},
    "sqlite": {"first": "strftime('%Y-%m-%d %H:%M:%S', f.first_at, 'unixepoch') || '.000000'",
               "last": "strftime('%Y-%m-%d %H:%M:%S', f.last_at, 'unixepoch') || '.000000'",
               "reasons": "f.reasons", "via": "f.via", "false": "0", "at": ":at"},
}


def _store(session: Session, case: Case, keep: dict[int, Any], at: datetime, owners: Owners) -> None:
    """Contacts from FOUND: kept rows updated in place (their decisions untouched), new ones
    inserted, both by one statement each, owners as assignment gives them."""
    dialect = session.get_bind().dialect.name
    sql = _AS_STORED[dialect]
    when: Any = at.astimezone(UTC) if dialect == "postgresql" else _sqlite_instant(at)
    if keep:
        session.execute(text(f"""
            WITH {owners.sql}
            UPDATE contacts SET degree = f.degree, sort_key = f.sort_key, first_exposure = {sql["first"]},
                last_exposure = {sql["last"]},
                reasons = {sql["reasons"]}, via = {sql["via"]}, derived_at = {sql["at"]}, stale = {sql["false"]},
                stale_at = NULL, assigned_to_id = COALESCE(o.tracer, contacts.assigned_to_id),
                assigned_at = CASE WHEN o.tracer IS NULL THEN contacts.assigned_at ELSE {sql["at"]} END
            FROM {FOUND} f LEFT JOIN owners o ON o.person_id = f.person_id WHERE contacts.id = f.contact_id
        """), {"at": when, **owners.params})
    session.execute(text(f"""
        INSERT INTO contacts (case_id, person_id, degree, sort_key, first_exposure, last_exposure, reasons, via,
                              status, created_at, derived_at, stale, assigned_to_id, assigned_at)
        WITH {owners.sql}
        SELECT :case, f.person_id, f.degree, f.sort_key, {sql["first"]}, {sql["last"]}, {sql["reasons"]}, {sql["via"]},
               'derived', {sql["at"]}, {sql["at"]}, {sql["false"]}, o.tracer,
               CASE WHEN o.tracer IS NULL THEN NULL ELSE {sql["at"]} END
        FROM {FOUND} f LEFT JOIN owners o ON o.person_id = f.person_id
        WHERE f.contact_id IS NULL ORDER BY f.person_id
    """), {"case": case.id, "at": when, **owners.params})


def _mark_kept(session: Session, keep: dict[int, Any]) -> None:
    """Tell FOUND which persons have a row already, and whether it still wants a tracer."""
    rows = [(pid, row.id, 1 if row.assigned_to_id is None else 0) for pid, row in sorted(keep.items())]
    for start in range(0, len(rows), CHUNK):
        values = ", ".join(f"({int(p)}, {int(i)}, {w})" for p, i, w in rows[start : start + CHUNK])
        session.execute(text(
            f"WITH k(person_id, id, w) AS (VALUES {values}) "
            f"UPDATE {FOUND} SET contact_id = k.id, wants_owner = k.w FROM k WHERE {FOUND}.person_id = k.person_id"
        ))


def refresh(session: Session, actor: Principal, case: Case, *, at: datetime | None = None) -> Derived:
    """Derive the case's contacts again and store them.

    A tracer's work is never lost: a contact that is no longer derived but was
    decided on, quarantined or called is kept and marked stale; undecided ones
    that no longer qualify are removed. A ruled-out case is not derived again: its contacts stay
    as they were when it was ruled out, flagged for review.
    """
    if case.ruled_out_at is not None:
        raise Conflict(f"case {case.case_no} was ruled out: its contacts are not derived again")
    at = at or now()
    session.flush()
    # Sorted here rather than by the database: ORDER BY id can tempt PostgreSQL to walk the
    # whole primary key instead of the (case_id, person_id) index.
    rows = sorted(session.execute(
        select(Contact.id, Contact.person_id, Contact.status, Contact.quarantined_at, Contact.stale,
               Contact.assigned_to_id)
        .where(Contact.case_id == case.id)
    ).all(), key=lambda row: row.id)
    worked = set(
        session.scalars(
            select(ReachAttempt.contact_id).join(Contact, Contact.id == ReachAttempt.contact_id)
            .where(Contact.case_id == case.id)
        )
    ) if rows else set()

    def carries(row: Any) -> bool:
        return bool(row.status != "derived" or row.quarantined_at is not None or row.id in worked)

    # One row per person; a merge may have brought two together: keep the one worked on.
    keep: dict[int, Any] = {}
    extra: list[Any] = []
    for row in rows:
        held = keep.get(row.person_id)
        if held is None:
            keep[row.person_id] = row
        elif carries(row) and not carries(held):
            keep[row.person_id] = row
            extra.append(held)
        else:
            extra.append(row)
    quarantined = {pid: epoch(row.quarantined_at) for pid, row in keep.items() if row.quarantined_at is not None}
    settings = get_settings()
    protocol = current()
    derived = derive(session, case, protocol, settings.tz, epoch(at), quarantined)

    found: set[int] = set()
    if keep:
        _mark_kept(session, keep)
        found = set(session.scalars(text(f"SELECT person_id FROM {FOUND}")))
    # New contacts go straight into a tracer's queue; so do kept ones nobody was given yet.
    owners = plan_found(session, at)
    new = int(session.scalar(text(f"SELECT COUNT(*) FROM {FOUND} WHERE contact_id IS NULL")) or 0)
    leftover = [row for pid, row in keep.items() if pid not in found] + extra
    to_stale = [row.id for row in leftover if carries(row) and not row.stale]
    to_drop = [row.id for row in leftover if not carries(row)]
    _store(session, case, keep, at, owners)
    for start in range(0, len(to_stale), CHUNK):
        ids = to_stale[start : start + CHUNK]
        session.execute(update(Contact).where(Contact.id.in_(ids)).values(stale=True, stale_at=at))
    for start in range(0, len(to_drop), CHUNK):
        session.execute(delete(Contact).where(Contact.id.in_(to_drop[start : start + CHUNK])))
    case.derived_at = at
    session.flush()
    _expire_contacts(session)
    audit.record(
        session, actor, "derive", "case", case.id,
        after={
            "protocol": protocol.edition, "close": len(derived.close), "secondary": derived.secondary,
            "new": new, "stale": len(to_stale), "removed": len(to_drop), "assigned": owners.count,
        },
    )
    return derived


def get_contact(session: Session, user: Principal, contact_id: int) -> Contact:
    require(user, "read_cases")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    case = session.get(Case, contact.case_id)
    assert case is not None
    within(session, user, case.person_id)
    return contact


def _decide(session: Session, actor: Principal, contact: Contact, status: str, reason: str | None) -> Contact:
    before = {"status": contact.status, "reject_reason": contact.reject_reason}
    contact.status = status
    contact.reject_reason = reason
    contact.decided_by_id = actor.id or None
    contact.decided_at = now()
    session.flush()
    audit.record(
        session, actor, {"confirmed": "confirm", "rejected": "reject"}[status], "contact", contact.id,
        before=before, after={"status": status, "reject_reason": reason},
    )
    return contact


def confirm_contact(session: Session, actor: Principal, contact_id: int) -> Contact:
    require(actor, "edit_cases")
    return _decide(session, actor, get_contact(session, actor, contact_id), "confirmed", None)


def reject_contact(session: Session, actor: Principal, contact_id: int, reason: str) -> Contact:
    require(actor, "edit_cases")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a rejected contact needs a reason", column="reject_reason")
    if len(reason) > 500:
        raise Invalid("the reason is longer than 500 characters", column="reject_reason")
    return _decide(session, actor, get_contact(session, actor, contact_id), "rejected", reason)


def set_quarantined_at(session: Session, actor: Principal, contact_id: int, at: datetime | None) -> Contact:
    """Record (or clear) when the contact's quarantine started; a close contact's secondary contacts
    follow (its quarantine ends the window they are found in). A secondary contact's start ends no
    window (derivation reads the starts of close contacts only): nothing is derived again."""
    require(actor, "edit_cases")
    contact = get_contact(session, actor, contact_id)
    if at is not None and (at.tzinfo is None or at > now()):
        raise Invalid("the quarantine start is in the future (or has no time zone)", column="quarantined_at")
    before = None if contact.quarantined_at is None else contact.quarantined_at.isoformat()
    contact.quarantined_at = at
    session.flush()
    audit.record(
        session, actor, "quarantine", "contact", contact.id,
        before={"quarantined_at": before}, after={"quarantined_at": None if at is None else at.isoformat()},
    )
    case = session.get(Case, contact.case_id)
    assert case is not None
    if case.ruled_out_at is None and contact.degree == "close":  # a ruled-out case keeps its contacts
        refresh(session, actor, case)
    session.refresh(contact)
    return contact


def log_reach_attempt(
    session: Session, actor: Principal, contact_id: int, outcome: str, note: str | None = None
) -> ReachAttempt:
    require(actor, "edit_cases")
    contact = get_contact(session, actor, contact_id)
    if outcome not in REACH_OUTCOMES:
        raise Invalid(f"outcome {outcome!r} is not one of {', '.join(REACH_OUTCOMES)}", column="outcome")
    if note is not None and len(note) > 500:
        raise Invalid("the note is longer than 500 characters", column="note")
    attempt = ReachAttempt(contact_id=contact.id, outcome=outcome, note=note, actor_id=actor.id or None)
    session.add(attempt)
    session.flush()
    audit.record(session, actor, "reach", "contact", contact.id, after={"outcome": outcome, "note": note})
    return attempt


def on_placements_made(session: Session, actor: Principal, event: PlacementsMade) -> None:
    """Quarantine placed contacts: their quarantine start ends the window for their own secondary
    contacts (a start recorded by hand earlier stays)."""
    del actor  # quarantine checked who placed them
    ids = sorted({placed.contact_id for placed in event.placed if placed.contact_id is not None})
    for start in range(0, len(ids), 5000):
        session.execute(update(Contact).where(Contact.id.in_(ids[start:start + 5000]),
                                              Contact.quarantined_at.is_(None)).values(quarantined_at=event.at))
