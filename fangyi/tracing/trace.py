"""A case's contacts in the shape of `fangyi trace --json` (formats.md), for the CLI and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from fangyi.config import get_settings
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import current
from fangyi.registry.models import Person
from fangyi.timeutil import local_tz, to_local
from fangyi.tracing.derivation import CHUNK, exposure_window, from_epoch
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


# What the lists show, as the database reads it (the same rule as `listed`).
_LISTED = and_(Contact.status != "rejected", or_(Contact.stale.is_(False), Contact.status == "confirmed"))
_ENTRY = (Contact.degree, Person.id_number, Person.name, Contact.first_exposure, Contact.last_exposure,
          Contact.reasons, Contact.via, Contact.status)
DEGREES = ("close", "secondary")


def _shown_ids(case: Case) -> Any:
    """One contact per person, the first stored (a merge may have left two), as the lists show them;
    never the case's own person."""
    return (select(func.min(Contact.id)).where(Contact.case_id == case.id, Contact.person_id != case.person_id,
                                               _LISTED)
            .group_by(Contact.person_id))


def shown(case: Case, degree: str) -> Any:
    """The contacts of one list as `_shown_ids` picks them, said row by row: listed, and the first
    listed row of its person. Read in ix_contacts_case_list's order (case, degree, sort
    key), a page looks at the rows it shows and the few it skips, whatever the list's length."""
    # A subquery per row looked at, by the person's own rows (ix_contacts_person_id: a person is on
    # few lists): as an anti-join instead, PostgreSQL (its statistics not yet counting the rows just
    # stored) read the whole case once per row of the page. `case_id + 0` keeps the case's own
    # indexes out of the subquery: on a new database PostgreSQL took ix_contacts_case_list for it,
    # reading every row of the case for each row (90 s to stream a list of 19,549). min(id + 0),
    # not min(id): its min/max shortcut could walk the primary key from the lowest id instead.
    same = aliased(Contact)
    first = (select(func.min(same.id + 0)).where(same.person_id == Contact.person_id, same.case_id + 0 == case.id,
                                                 same.status != "rejected",
                                                 or_(same.stale.is_(False), same.status == "confirmed"))
             .scalar_subquery())
    return (Contact.case_id == case.id, Contact.degree == degree, Contact.person_id != case.person_id, _LISTED,
            Contact.id == first)


class _Entries:
    """Rows of the lists made into report entries: times written once each (a heavy case's
    reasons repeat the same moments thousands of times), `via` as identity numbers."""

    def __init__(self, session: Session, unmasked: bool) -> None:
        self.session, self.unmasked = session, unmasked
        self.tz = local_tz()
        self.times: dict[int, str] = {}
        self.numbers: dict[int, str] = {}

    def at(self, seconds: int) -> str:
        found = self.times.get(seconds)
        if found is None:
            found = self.times[seconds] = datetime.fromtimestamp(seconds, self.tz).isoformat(timespec="seconds")
        return found

    def shown(self, number: str) -> str:
        return number if self.unmasked else mask_id_number(number)

    def learn(self, rows: Sequence[Any]) -> None:
        """The identity numbers of the close contacts these rows name in `via`."""
        wanted = sorted({pid for row in rows for pid in row.via} - self.numbers.keys())
        for start in range(0, len(wanted), CHUNK):
            self.numbers.update(dict(self.session.execute(
                select(Person.id, Person.id_number).where(Person.id.in_(wanted[start : start + CHUNK]))).all()))

    def entry(self, row: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"id_number": self.shown(row.id_number), "name": row.name}
        if row.degree == "secondary":
            numbers = self.numbers
            item["via"] = [self.shown(n) for n in sorted(numbers[pid] for pid in row.via if pid in numbers)]
        at = self.at
        item["first_exposure"] = at(int(row.first_exposure.timestamp()))
        item["last_exposure"] = at(int(row.last_exposure.timestamp()))
        item["reasons"] = [reason | {"from": at(int(reason["from"])), "to": at(int(reason["to"]))}
                           if reason.get("kind") == "venue" else dict(reason) for reason in row.reasons]
        item["status"] = row.status
        return item


def trace_report(session: Session, case: Case, *, unmasked: bool = True) -> dict[str, Any]:
    """The whole report of formats.md ("fangyi trace"): every listed contact, read in one pass and
    written row by row (no ORM objects: a heavy case lists tens of thousands)."""
    protocol = current()
    start, end = exposure_window(case, protocol, get_settings().tz)
    lists = {degree: list(stream(session, case, degree, unmasked, 2000)) for degree in DEGREES}
    entries = _Entries(session, unmasked)
    return {
        "case_no": case.case_no,
        "protocol": protocol.edition,
        "window": {"from": entries.at(start), "to": entries.at(end)},
        "close_contacts": lists["close"],
        "secondary_contacts": lists["secondary"],
    }


def contact_counts(session: Session, case: Case) -> dict[str, int]:
    """How many contacts each list shows (as the report and its pages list them)."""
    rows = session.execute(select(Contact.degree, func.count()).where(Contact.id.in_(_shown_ids(case)))
                           .group_by(Contact.degree)).all()
    return {degree: 0 for degree in DEGREES} | {str(degree): int(n) for degree, n in rows}


def stream(session: Session, case: Case, degree: str, unmasked: bool, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """The entries of one list in the report's order, read and made a batch at a time."""
    entries = _Entries(session, unmasked)
    result = session.execute(select(*_ENTRY).join(Person, Person.id == Contact.person_id)
                             .where(*shown(case, degree))
                             .order_by(Contact.sort_key).execution_options(yield_per=batch))
    for rows in result.partitions():
        entries.learn(rows)
        for row in rows:
            yield entries.entry(row)


def report_text(session: Session, case: Case, *, unmasked: bool = True, batch: int = 2000,
                indent: bool = True) -> Iterator[str]:
    """The report of trace_report as JSON text, a batch of contacts at a time: with `indent`, as
    `json.dumps(report, ensure_ascii=False, indent=2)` writes it, to the byte (`fangyi trace --json`);
    without, as the API writes a response (`separators=(",", ":")`). A list of 30,000 contacts is
    never held as objects, and the first of them leave before the last are read."""
    protocol = current()
    start, end = exposure_window(case, protocol, get_settings().tz)
    at = _Entries(session, unmasked).at
    head = {"case_no": case.case_no, "protocol": protocol.edition, "window": {"from": at(start), "to": at(end)}}
    if indent:
        yield json.dumps(head, ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
    else:
        yield json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]  # without the closing "}"
    for degree in DEGREES:
        yield f',\n  "{degree}_contacts": [' if indent else f',"{degree}_contacts":['
        first = True
        for item in stream(session, case, degree, unmasked, batch):
            if indent:
                text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                yield ("\n    " if first else ",\n    ") + text
            else:
                yield ("" if first else ",") + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            first = False
        yield "]" if first or not indent else "\n  ]"
    yield "\n}" if indent else "}"


def write_report(session: Session, case: Case, out: TextIO, *, unmasked: bool = True, batch: int = 2000) -> None:
    """The report of trace_report written to `out` as `json.dumps(report, ensure_ascii=False, indent=2)`
    would write it, to the byte, a batch of contacts at a time (report_text)."""
    for part in report_text(session, case, unmasked=unmasked, batch=batch):
        out.write(part)


def contact_page(session: Session, case: Case, degree: str, *, limit: int = 50, offset: int = 0,
                 after: str | None = None, unmasked: bool = True) -> list[dict[str, Any]]:
    """One page of a list, in the report's order (by identity number) and shape: from `offset`, or
    after the contact whose whole identity number is `after`. The database orders and cuts it,
    so a page of a 30,000-contact list reads its own rows from an index, not 30,000 entries."""
    # The page's contacts first, by their keys alone (a range of ix_contacts_case_list), then their entries.
    keys = select(Contact.id).where(*shown(case, degree))
    if after is not None:
        keys = keys.where(Contact.sort_key > after)
    ids = list(session.scalars(keys.order_by(Contact.sort_key).offset(offset).limit(limit)))
    rows = session.execute(select(*_ENTRY).join(Person, Person.id == Contact.person_id)
                           .where(Contact.id.in_(ids or [0])).order_by(Contact.sort_key)).all()
    entries = _Entries(session, unmasked)
    entries.learn(rows)
    return [entries.entry(row) for row in rows]
