"""`fangyi import contacts`: contacts derived elsewhere (by `fangyi trace batch`) stored as the
database derivation stores them.

The file holds every contact of each case it names. As a derivation does (contacts.refresh), a
tracer's work is never lost: a contact already stored keeps its decision and quarantine and has its
degree, exposure, reasons and via replaced; a stored contact of a named case that the file no
longer lists is kept and marked stale when a tracer decided on it, quarantined or called them, and
removed otherwise. As after a derivation, the contacts nobody was given yet go to the tracers' queue
(assignment.plan: a tracer of the area the person lives in, the lightest loaded that day), case by
case in the order of their records, so that importing a batch's file assigns as deriving the same
cases one after another would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from fangyi.audit import service as audit
from fangyi.errors import DomainError
from fangyi.identity import mask_id_number
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.fields import parse_time
from fangyi.registry.models import Person
from fangyi.registry.persons import FieldError
from fangyi.timeutil import now
from fangyi.tracing.assignment import plan
from fangyi.tracing.contacts import within
from fangyi.tracing.derivation import CHUNK, from_epoch
from fangyi.tracing.models import Case, Contact, ReachAttempt

REASON_KINDS = ("venue", "named", "household")


@dataclass
class Row:
    line: int
    case_id: int
    person_id: int
    degree: str
    first: int
    last: int
    reasons: list[dict[str, Any]]
    via: list[int]
    number: str  # the person's identity number, as the registry holds it: the contact's sort key


def _reasons(text: str | None) -> list[dict[str, Any]]:
    """The reasons column: a JSON list of reasons in the stored shape (venue times in epoch seconds)."""
    try:
        reasons = json.loads(text or "")
    except ValueError:
        raise FieldError("reasons", "reasons is not JSON (a list of reasons)") from None
    if not isinstance(reasons, list) or not reasons:
        raise FieldError("reasons", "reasons must be a non-empty JSON list")
    for reason in reasons:
        if not isinstance(reason, dict) or reason.get("kind") not in REASON_KINDS:
            raise FieldError("reasons", f"a reason's kind must be one of {', '.join(REASON_KINDS)}")
        if reason["kind"] == "venue" and not (
                isinstance(reason.get("venue_code"), str) and isinstance(reason.get("from"), int)
                and isinstance(reason.get("to"), int) and reason["from"] <= reason["to"]):
            raise FieldError("reasons", "a venue reason needs venue_code, and from <= to in epoch seconds")
    return reasons


class Contacts(Handler):
    required = ("case_no", "id_number", "degree", "first_exposure", "last_exposure", "reasons")
    optional = ("via",)
    batch_size = 2000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.cases: dict[str, Case | str] = {}  # a case, or why its rows are refused
        self.persons: dict[str, int | None] = {}
        self.batch: list[Row] = []
        self.listed: dict[int, set[int]] = {}  # case -> persons the file lists
        self.at = now()

    def _case(self, number: str) -> Case | str:
        if number not in self.cases:
            case = self.ctx.session.scalar(select(Case).where(Case.case_no == number))
            # One answer for a case that does not exist and one outside the jurisdiction: a
            # township's tracer learns nothing of another township's cases, not even that they are.
            unknown = f"no case {number} in your jurisdiction"
            if case is None:
                self.cases[number] = unknown
                return unknown
            try:
                within(self.ctx.session, self.ctx.actor, case.person_id)
            except DomainError:
                self.cases[number] = unknown
                return unknown
            if case.ruled_out_at is not None:
                self.cases[number] = f"case {number} was ruled out: its contacts are not derived again"
            else:
                self.cases[number] = case
        return self.cases[number]

    def _person(self, number: str) -> int | None:
        if number not in self.persons:
            found = self.ctx.session.execute(
                select(Person.id, Person.merged_into_id).where(Person.id_number == number)).first()
            self.persons[number] = None if found is None or found.merged_into_id is not None else int(found.id)
        return self.persons[number]

    def take(self, line: int, values: Values) -> Problem | None:
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in self.row(values).items()}
        case = self._case(row["case_no"] or "")
        if isinstance(case, str):
            return Problem(line, "case_no", case)
        person = self._person(row["id_number"] or "")
        if person is None:
            return Problem(line, "id_number",
                           f"no person {mask_id_number(row['id_number'] or '')} in the registry (or merged)")
        if person == case.person_id:
            return Problem(line, "id_number", "the case is not its own contact")
        degree = row["degree"] or ""
        if degree not in ("close", "secondary"):
            return Problem(line, "degree", "degree must be close or secondary")
        try:
            first = parse_time(row, "first_exposure", self.ctx.tz, required=True)
            last = parse_time(row, "last_exposure", self.ctx.tz, required=True)
            reasons = _reasons(row["reasons"])
        except FieldError as exc:
            return Problem(line, exc.column, exc.reason)
        assert first is not None and last is not None
        if last < first:
            return Problem(line, "last_exposure", "the last exposure is before the first")
        try:
            numbers = json.loads(row.get("via") or "[]")
        except ValueError:
            return Problem(line, "via", "via is not JSON (a list of identity numbers)")
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            return Problem(line, "via", "via must be a JSON list of identity numbers")
        if (degree == "secondary") != bool(numbers):
            return Problem(line, "via", "a secondary contact names the close contacts it came through; "
                                        "a close contact none")
        via = []
        for number in numbers:
            if (through := self._person(number)) is None:
                return Problem(line, "via", f"no person {mask_id_number(number)} in the registry (or merged)")
            via.append(through)
        listed = self.listed.setdefault(case.id, set())
        if person in listed:
            return Problem(line, "id_number",
                           f"{mask_id_number(row['id_number'] or '')} is listed for case {case.case_no} already")
        listed.add(person)
        if not self.dry:
            self.batch.append(Row(line, case.id, person, degree, first, last, reasons, sorted(via),
                                  row["id_number"] or ""))
            if len(self.batch) >= self.batch_size:
                self.flush()
        return None

    def flush(self) -> list[Problem]:
        if not self.batch:
            return []
        session = self.ctx.session
        pairs = {(r.case_id, r.person_id) for r in self.batch}
        stored: dict[tuple[int, int], Contact] = {}
        for case_id in sorted({c for c, _ in pairs}):
            persons = sorted(p for c, p in pairs if c == case_id)
            for contact in session.scalars(select(Contact).where(
                    Contact.case_id == case_id, Contact.person_id.in_(persons)).order_by(Contact.id)):
                stored.setdefault((contact.case_id, contact.person_id), contact)
        for row in self.batch:
            held = stored.get((row.case_id, row.person_id))
            first, last = from_epoch(row.first), from_epoch(row.last)
            if held is None:
                # The sort key given: left to its default, each new row would read its person again.
                session.add(Contact(case_id=row.case_id, person_id=row.person_id, degree=row.degree,
                                    sort_key=row.number, first_exposure=first, last_exposure=last,
                                    reasons=row.reasons, via=row.via,
                                    status="derived", created_at=self.at, derived_at=self.at, stale=False))
                self.loaded += 1
                continue
            contact = held
            same = (contact.degree == row.degree and int(contact.first_exposure.timestamp()) == row.first
                    and int(contact.last_exposure.timestamp()) == row.last and contact.reasons == row.reasons
                    and list(contact.via) == row.via and not contact.stale)
            if same:
                self.unchanged += 1
                continue
            contact.degree, contact.first_exposure, contact.last_exposure = row.degree, first, last
            contact.reasons, contact.via, contact.derived_at = row.reasons, row.via, self.at
            contact.stale, contact.stale_at = False, None
            self.loaded += 1
        session.flush()
        self.batch.clear()
        return []

    def _assign(self, case_id: int, listed: set[int]) -> int:
        """The case's listed contacts nobody was given yet into the tracers' queue, as refresh()
        gives a derivation's (new ones, and kept ones still without a tracer); how many were given."""
        session = self.ctx.session
        waiting: dict[int, int] = {}
        for contact_id, person_id in session.execute(select(Contact.id, Contact.person_id).where(
                Contact.case_id == case_id, Contact.assigned_to_id.is_(None), Contact.stale.is_(False))
                .order_by(Contact.id)):
            if person_id in listed:
                waiting.setdefault(int(person_id), int(contact_id))
        owners = plan(session, list(waiting), self.at)
        by_tracer: dict[int, list[int]] = {}
        for person_id, tracer in owners.items():
            by_tracer.setdefault(tracer, []).append(waiting[person_id])
        for tracer, ids in sorted(by_tracer.items()):
            for start in range(0, len(ids), CHUNK):
                session.execute(update(Contact).where(Contact.id.in_(ids[start : start + CHUNK]))
                                .values(assigned_to_id=tracer, assigned_at=self.at))
        session.flush()  # the next case's plan counts these in the tracers' load of the day
        return len(owners)

    def finish(self) -> list[Problem]:
        problems = self.flush()
        if self.dry:
            return problems
        session = self.ctx.session
        for case_id, listed in sorted(self.listed.items()):
            rows = session.execute(select(Contact.id, Contact.person_id, Contact.status, Contact.quarantined_at,
                                          Contact.stale).where(Contact.case_id == case_id)).all()
            gone = [row for row in rows if row.person_id not in listed]
            worked = set(session.scalars(select(ReachAttempt.contact_id).where(
                ReachAttempt.contact_id.in_([row.id for row in gone])))) if gone else set()
            carried = [row for row in gone if row.status != "derived" or row.quarantined_at is not None
                       or row.id in worked]
            stale = [row.id for row in carried if not row.stale]
            drop = [row.id for row in gone if row not in carried]
            if stale:
                session.execute(update(Contact).where(Contact.id.in_(stale)).values(stale=True, stale_at=self.at))
            if drop:
                session.execute(delete(Contact).where(Contact.id.in_(drop)))
            assigned = self._assign(case_id, listed)
            case = session.get(Case, case_id)
            assert case is not None
            case.derived_at = self.at
            audit.record(session, self.ctx.actor, "derive", "case", case_id,
                         after={"source": "import contacts", "listed": len(listed), "stale": len(stale),
                                "removed": len(drop), "assigned": assigned})
        session.flush()
        return problems
