"""A case's contacts in the shape of `fangyi trace --json` (formats.md), for the CLI and the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.config import get_settings
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.registry.models import Person
from fangyi.timeutil import to_local
from fangyi.tracing.derivation import exposure_window, from_epoch
from fangyi.tracing.models import Case, Contact


def iso(moment: datetime) -> str:
    """ISO 8601 in local time with its offset, to the second."""
    return to_local(moment).isoformat(timespec="seconds")


def show_reason(reason: dict[str, Any]) -> dict[str, Any]:
    if reason.get("kind") != "venue":
        return dict(reason)
    return reason | {"from": iso(from_epoch(int(reason["from"]))), "to": iso(from_epoch(int(reason["to"])))}


def listed(contact: Contact) -> bool:
    """What the lists show: the current derivation less what tracers rejected, plus any
    contact a tracer confirmed even if the data no longer derives it."""
    if contact.status == "rejected":
        return False
    return not contact.stale or contact.status == "confirmed"


def trace_report(session: Session, case: Case, *, unmasked: bool = True) -> dict[str, Any]:
    protocol = current()
    start, end = exposure_window(case, protocol, get_settings().tz)
    rows = session.execute(
        select(Contact, Person).join(Person, Person.id == Contact.person_id)
        .where(Contact.case_id == case.id).order_by(Contact.id)
    )
    seen: set[int] = {case.person_id}
    chosen: list[tuple[Contact, Person]] = []
    for contact, person in rows:
        if listed(contact) and person.id not in seen:
            seen.add(person.id)
            chosen.append((contact, person))
    via_ids = {pid for contact, _ in chosen for pid in contact.via}
    numbers = dict(
        session.execute(select(Person.id, Person.id_number).where(Person.id.in_(sorted(via_ids)))).all()
    ) if via_ids else {}

    def shown(number: str) -> str:
        return number if unmasked else mask_id_number(number)

    def entry(contact: Contact, person: Person) -> dict[str, Any]:
        item: dict[str, Any] = {"id_number": shown(person.id_number), "name": person.name}
        if contact.degree == "secondary":
            item["via"] = [shown(n) for n in sorted(numbers[pid] for pid in contact.via if pid in numbers)]
        item |= {
            "first_exposure": iso(contact.first_exposure),
            "last_exposure": iso(contact.last_exposure),
            "reasons": [show_reason(r) for r in contact.reasons],
            "status": contact.status,
        }
        return item

    chosen.sort(key=lambda pair: pair[1].id_number)
    return {
        "case_no": case.case_no,
        "protocol": protocol.edition,
        "window": {"from": iso(from_epoch(start)), "to": iso(from_epoch(end))},
        "close_contacts": [entry(c, p) for c, p in chosen if c.degree == "close"],
        "secondary_contacts": [entry(c, p) for c, p in chosen if c.degree == "secondary"],
    }
