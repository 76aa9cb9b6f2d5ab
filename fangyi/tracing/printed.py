"""What leaves Fangyi on paper or in a spreadsheet: a case's printable report and its lists in Excel.

Both read the lists as the case page shows them (one row per person, in the report's order). A heavy
case lists tens of thousands of secondary contacts: the printed report names them one by one up to
IN_FULL and past that counts them per close contact (600 printed pages help nobody), while the
Excel export streams every one of them, a batch at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.registry.models import Person
from fangyi.tracing.models import Case, Contact, ReachAttempt
from fangyi.tracing.trace import DEGREES, contact_counts, shown, stream

IN_FULL = 500  # secondary contacts printed by name; more are counted per close contact
NAMED = 20  # names the report's open items list before "and others"
EXPORT_MAX = 100_000  # rows of one list in a spreadsheet (a case's lists stay far below)


@dataclass
class Printed:
    """The report's contacts: close ones by the kind of reason (household, named, venue) and the
    secondary ones by name when few (under "secondary"), else `through`: each close contact with how
    many secondary contacts came through them, most first."""

    counts: dict[str, int]
    by_reason: dict[str, list[tuple[Contact, Person]]] = field(default_factory=dict)
    through: list[tuple[Person, int]] = field(default_factory=list)
    open_items: dict[str, tuple[int, list[str]]] = field(default_factory=dict)


def _rows(session: Session, case: Case, degree: str) -> list[tuple[Contact, Person]]:
    return [(c, p) for c, p in session.execute(
        select(Contact, Person).join(Person, Person.id == Contact.person_id)
        .where(*shown(case, degree)).order_by(Contact.sort_key))]


def printed(session: Session, case: Case, counts: dict[str, int] | None = None) -> Printed:
    """The contacts part of the printable report (the caller has checked the case may be read);
    `counts`, the lists' lengths (contact_counts), when the caller has them already."""
    found = Printed(counts if counts is not None else contact_counts(session, case))
    for contact, person in _rows(session, case, "close"):
        kinds = sorted({r["kind"] for r in contact.reasons}) or ["venue"]
        found.by_reason.setdefault(kinds[0], []).append((contact, person))
    if found.counts["secondary"] <= IN_FULL:
        if rows := _rows(session, case, "secondary"):
            found.by_reason["secondary"] = rows
    else:
        through: Counter[int] = Counter()
        for (via,) in session.execute(select(Contact.via).where(*shown(case, "secondary"))
                                      .execution_options(yield_per=5000)):
            through.update(via or ())
        persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(sorted(through))))}
        found.through = sorted(((persons[pid], n) for pid, n in through.items() if pid in persons),
                               key=lambda item: (-item[1], item[0].id_number))
    found.open_items = _open_items(session, case)
    return found


def _open_items(session: Session, case: Case) -> dict[str, tuple[int, list[str]]]:
    """How many contacts still want a decision, a call, a hand-over to quarantine, with the first names."""
    reached = exists().where(ReachAttempt.contact_id == Contact.id, ReachAttempt.outcome == "reached")
    wants = {
        "undecided": Contact.status == "derived",
        "unreached": and_(Contact.status == "confirmed", ~reached),
        "not_handed_over": and_(Contact.status == "confirmed", Contact.handed_over_at.is_(None)),
    }
    items: dict[str, tuple[int, list[str]]] = {}
    for key, rule in wants.items():
        n, names = 0, list[str]()
        for degree in DEGREES:  # close contacts named first
            n += int(session.scalar(select(func.count()).select_from(Contact).where(*shown(case, degree), rule)) or 0)
            names += session.scalars(
                select(Person.name).join(Contact, Contact.person_id == Person.id).where(*shown(case, degree), rule)
                .order_by(Contact.sort_key).limit(NAMED - len(names))) if len(names) < NAMED else []
        items[key] = (n, names)
    return items


def export_list(session: Session, actor: Principal, case: Case, degree: str) -> tuple[int, Iterator[dict[str, Any]]]:
    """One of the case's lists for a spreadsheet, identity numbers masked, as the report's entries
    (`stream`); the export is on the audit trail. Returns how many rows it holds and the rows."""
    require(actor, "read_cases")
    total = contact_counts(session, case)[degree]
    audit.record(session, actor, "export", "case", case.id,
                 after={"list": degree, "rows": min(total, EXPORT_MAX), "total": total, "masked": True})

    def rows() -> Iterator[dict[str, Any]]:
        for n, entry in enumerate(stream(session, case, degree, False)):
            if n >= EXPORT_MAX:
                return
            yield entry

    return total, rows()


def local_minute(iso: str) -> str:
    """An entry's ISO time (local, with its offset) as the lists show it: 2022-03-28 09:00."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
