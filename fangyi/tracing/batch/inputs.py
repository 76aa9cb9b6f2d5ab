"""What the batch rules need from the database besides the log, as Parquet files in a folder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.protocols.reader import Protocol
from fangyi.registry.log.store import connect, write_table
from fangyi.registry.models import Person, Venue
from fangyi.tracing.batch.rules import Rules
from fangyi.tracing.derivation import epoch, exposure_window
from fangyi.tracing.models import Case, Contact, InvestigationPlace, NamedContact

CHUNK = 2000
SCHEMAS = {
    "venues": "id BIGINT, code VARCHAR, kind VARCHAR, dflt BIGINT, close_kind BOOLEAN, secondary_kind BOOLEAN",
    "cases": "case_id BIGINT, case_no VARCHAR, person_id BIGINT, s BIGINT, e BIGINT, now_at BIGINT",
    "places": "case_id BIGINT, venue_id BIGINT, in_at BIGINT, out_at BIGINT",
    "named": "case_id BIGINT, person_id BIGINT, seen_at BIGINT, relationship VARCHAR",
    "quarantined": "case_id BIGINT, person_id BIGINT, since BIGINT",
    "persons": "id BIGINT, id_number VARCHAR, household_id BIGINT, merged BOOLEAN",
}


def rules_of(protocol: Protocol, tz: ZoneInfo) -> Rules:
    contacts = protocol.contacts
    return Rules(60 * contacts.min_overlap_minutes, "household" in contacts.close_contact_kinds,
                 "household" in contacts.secondary_contact_kinds, contacts.secondary_only_higher_risk, str(tz.key))


def venue_row(protocol: Protocol, id_: int, code: str, kind: str, minutes: int | None) -> tuple[Any, ...]:
    """A venue as the rules read it: its default stay in seconds, and what the edition counts it for."""
    contacts = protocol.contacts
    stay = 60 * (minutes if minutes is not None else contacts.stay_minutes(kind))
    return (id_, code, kind, stay, kind in contacts.close_contact_kinds, kind in contacts.secondary_contact_kinds)


@dataclass
class Gathered:
    tables: dict[str, Path]  # name -> Parquet file
    cases: int
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, case_no, why not traced)
    case_ids: list[int] = field(default_factory=list)  # the cases traced


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def gather(session: Session, case_nos: Sequence[tuple[int, str]], protocol: Protocol, tz: ZoneInfo, now: int,
           folder: Path) -> Gathered:
    """Cases by number (with the line each came from), and the registry, into Parquet files in `folder`.
    A case number not found, or a ruled-out case (whose contacts stay as they were), is a problem."""
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[tuple[int, str, str]] = []
    found: dict[str, Case] = {}
    wanted = sorted({number for _, number in case_nos})
    for chunk in _chunks(wanted):
        for case in session.scalars(select(Case).where(Case.case_no.in_(chunk))):
            found[case.case_no] = case
    cases: list[Case] = []
    seen: set[str] = set()
    for line, number in case_nos:
        wanted_case = found.get(number)
        if wanted_case is None:
            problems.append((line, number, f"no case {number}"))
        elif wanted_case.ruled_out_at is not None:
            problems.append((line, number, f"case {number} was ruled out: its contacts are not derived again"))
        elif number not in seen:
            seen.add(number)
            cases.append(wanted_case)
    ids = [case.id for case in cases]
    case_rows = []
    for case in cases:
        start, end = exposure_window(case, protocol, tz)
        case_rows.append((case.id, case.case_no, case.person_id, start, end, now))
    places, named, quarantined = [], [], []
    for chunk in _chunks(ids):
        for case_id, venue_id, start_at, end_at in session.execute(
                select(InvestigationPlace.case_id, InvestigationPlace.venue_id, InvestigationPlace.start_at,
                       InvestigationPlace.end_at).where(InvestigationPlace.case_id.in_(chunk))):
            places.append((case_id, venue_id, epoch(start_at), epoch(end_at)))
        for case_id, person_id, moment, relationship in session.execute(
                select(NamedContact.case_id, NamedContact.person_id, NamedContact.last_contact_at,
                       NamedContact.relationship).where(NamedContact.case_id.in_(chunk))):
            named.append((case_id, person_id, epoch(moment), relationship))
        quarantined.extend(_quarantined(session, chunk))
    venues = (venue_row(protocol, *row) for row in session.execute(
        select(Venue.id, Venue.code, Venue.kind, Venue.default_stay_minutes)))
    persons = ((pid, number, household, into is not None) for pid, number, household, into in session.execute(
        select(Person.id, Person.id_number, Person.household_id, Person.merged_into_id)))
    con = connect()
    data: dict[str, Any] = {"venues": venues, "cases": case_rows, "places": places, "named": named,
                            "quarantined": quarantined, "persons": persons}
    tables = {}
    for name, rows in data.items():
        tables[name] = folder / f"{name}.parquet"
        write_table(con, name, SCHEMAS[name], rows, tables[name])
    con.close()
    return Gathered(tables, len(cases), problems, ids)


def _quarantined(session: Session, case_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """Each close contact's quarantine start, from the row refresh() keeps for the person (the first
    stored, unless a later one carries a tracer's decision or a quarantine and the first does not)."""
    rows = session.execute(
        select(Contact.id, Contact.case_id, Contact.person_id, Contact.status, Contact.quarantined_at)
        .where(Contact.case_id.in_(case_ids)).order_by(Contact.id)).all()
    keep: dict[tuple[int, int], Any] = {}
    for row in rows:
        key = (row.case_id, row.person_id)
        held = keep.get(key)
        carries = row.status != "derived" or row.quarantined_at is not None
        if held is None or (carries and not (held.status != "derived" or held.quarantined_at is not None)):
            keep[key] = row
    return [(case_id, person_id, epoch(row.quarantined_at)) for (case_id, person_id), row in keep.items()
            if row.quarantined_at is not None]
