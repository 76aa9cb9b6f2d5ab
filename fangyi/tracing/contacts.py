"""Stored contacts: deriving them again without losing a tracer's work, and the tracers' decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from fangyi.audit import service as audit
from fangyi.audit.service import Actor
from fangyi.auth.models import User
from fangyi.auth.service import check_area, require
from fangyi.config import get_settings
from fangyi.errors import Invalid, NotFound
from fangyi.protocols.reader import current
from fangyi.registry.models import Person
from fangyi.timeutil import now
from fangyi.tracing.assignment import plan
from fangyi.tracing.derivation import CHUNK, Derived, Found, derive, epoch, from_epoch
from fangyi.tracing.models import REACH_OUTCOMES, Case, Contact, ReachAttempt


def permitted(actor: Actor | User, permission: str) -> None:
    """Users need the permission; Fangyi itself and the console (SYSTEM) act as the operator."""
    if isinstance(actor, User):
        require(actor, permission)


def within(session: Session, actor: Actor | User, person_id: int) -> None:
    if isinstance(actor, User):
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("not found in your jurisdiction")
        check_area(actor, person.area_code)


def _expire_contacts(session: Session) -> None:
    # Bulk statements bypass the objects a session may hold; reload them on next use.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Contact):
            session.expire(obj)


def _values(case: Case, found: Found, at: datetime) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "person_id": found.person_id,
        "degree": found.degree,
        "first_exposure": from_epoch(found.first),
        "last_exposure": from_epoch(found.last),
        "reasons": found.reasons,
        "via": sorted(found.via),
        "derived_at": at,
        "stale": False,
        "stale_at": None,
    }


_COPIED = ("case_id", "person_id", "degree", "first_exposure", "last_exposure", "reasons", "via", "status",
           "created_at", "derived_at", "stale", "assigned_to_id", "assigned_at")


def _sqlite_instant(moment: datetime) -> str:
    # How SQLAlchemy keeps a timezone-aware DateTime in SQLite: naive UTC text (see db/base.py Instant).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=65536)  # exposures repeat: the same overlaps start and end at the same moments
def _epoch_text(seconds: int, postgresql: bool) -> str:
    # PostgreSQL's COPY parses ISO text with an offset into timestamptz.
    return from_epoch(seconds).strftime("%Y-%m-%d %H:%M:%S+00") if postgresql else _sqlite_instant(from_epoch(seconds))


def _insert(session: Session, case: Case, found: list[Found], owners: dict[int, int], at: datetime) -> None:
    """Store new contacts through the driver's bulk path: COPY on PostgreSQL, executemany on
    SQLite, of rows already in the database's own text (times, JSON). A large workplace can
    bring tens of thousands at once, where the per-value type processing of an ORM or Core
    insert, and json.dumps, are most of the time."""
    if not found:
        return
    driver: Any = session.connection().connection.driver_connection
    postgresql = session.get_bind().dialect.name == "postgresql"
    when = at.astimezone(UTC).isoformat() if postgresql else _sqlite_instant(at)
    rows = [
        (case.id, f.person_id, f.degree, _epoch_text(f.first, postgresql), _epoch_text(f.last, postgresql),
         f.reasons_json(), "[" + ", ".join(map(str, sorted(f.via))) + "]", "derived", when, when, False,
         owners.get(f.person_id), when if f.person_id in owners else None)
        for f in found
    ]
    if postgresql:
        with driver.cursor() as cursor, cursor.copy(f"COPY contacts ({', '.join(_COPIED)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO contacts ({', '.join(_COPIED)}) VALUES ({', '.join('?' for _ in _COPIED)})"
    driver.executemany(statement, rows)


def refresh(session: Session, actor: Actor | User, case: Case, *, at: datetime | None = None) -> Derived:
    """Derive the case's contacts again and store them.

    A tracer's work is never lost: a contact that is no longer derived but was
    decided on, quarantined or called is kept and marked stale; undecided ones
    that no longer qualify are removed.
    """
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
    )

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

    found = {**derived.secondary, **derived.close}
    # New contacts go straight into a tracer's queue; so do kept ones nobody was given yet.
    owners = plan(session, [pid for pid in found if pid not in keep or keep[pid].assigned_to_id is None], at)

    def owned(pid: int) -> dict[str, Any]:
        return {"assigned_to_id": owners.get(pid), "assigned_at": at if pid in owners else None}

    updates = [
        {"id": keep[pid].id, **_values(case, f, at), **(owned(pid) if pid in owners else {})}
        for pid, f in found.items() if pid in keep
    ]
    inserts = [f for pid, f in found.items() if pid not in keep]
    leftover = [row for pid, row in keep.items() if pid not in found] + extra
    to_stale = [row.id for row in leftover if carries(row) and not row.stale]
    to_drop = [row.id for row in leftover if not carries(row)]
    for start in range(0, len(updates), CHUNK):
        session.execute(update(Contact), updates[start : start + CHUNK])
    _insert(session, case, inserts, owners, at)
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
            "protocol": protocol.edition, "close": len(derived.close), "secondary": len(derived.secondary),
            "new": len(inserts), "stale": len(to_stale), "removed": len(to_drop), "assigned": len(owners),
        },
    )
    return derived


def get_contact(session: Session, user: Actor | User, contact_id: int) -> Contact:
    permitted(user, "read_cases")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    case = session.get(Case, contact.case_id)
    assert case is not None
    within(session, user, case.person_id)
    return contact


def _decide(session: Session, actor: Actor | User, contact: Contact, status: str, reason: str | None) -> Contact:
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


def confirm_contact(session: Session, actor: Actor | User, contact_id: int) -> Contact:
    permitted(actor, "edit_cases")
    return _decide(session, actor, get_contact(session, actor, contact_id), "confirmed", None)


def reject_contact(session: Session, actor: Actor | User, contact_id: int, reason: str) -> Contact:
    permitted(actor, "edit_cases")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a rejected contact needs a reason", column="reject_reason")
    if len(reason) > 500:
        raise Invalid("the reason is longer than 500 characters", column="reject_reason")
    return _decide(session, actor, get_contact(session, actor, contact_id), "rejected", reason)


def set_quarantined_at(session: Session, actor: Actor | User, contact_id: int, at: datetime | None) -> Contact:
    """Record (or clear) when the contact's quarantine started; their secondary contacts follow."""
    permitted(actor, "edit_cases")
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
    refresh(session, actor, case)
    session.refresh(contact)
    return contact


def log_reach_attempt(
    session: Session, actor: Actor | User, contact_id: int, outcome: str, note: str | None = None
) -> ReachAttempt:
    permitted(actor, "edit_cases")
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
