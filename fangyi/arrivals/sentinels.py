"""Fever sentinels (预检分诊): clinics, pharmacies and village doctors report a person with fever or
respiratory symptoms. The report asks for a test by its due time (the edition's
`[arrivals] sentinel_test_hours` after it), puts the person under screening's fever control so that
every swab of theirs goes in a single tube, and stays on the watch list (tracers, samplers, the
village doctor) until that test has a result. A positive single tube is a suspected case through
screening's own results path; the report shows it.

The report's test is read from screening, never copied: the person's first single tube swabbed
from the report on. Every function checks the caller's permission and the report's jurisdiction
(where it was reported), audits every write and never commits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Principal, Role, can, check_area, in_jurisdiction, require, sees
from fangyi.arrivals import service as arrivals
from fangyi.arrivals.models import ArrivalEntry
from fangyi.arrivals.rules import check_temperature, rules_of
from fangyi.arrivals.sentinel_models import REPORTER_KINDS, SYMPTOMS, SentinelReport
from fangyi.audit import service as audit
from fangyi.db.session import one_at_a_time
from fangyi.errors import Invalid, NotFound
from fangyi.protocols.reader import current
from fangyi.registry.models import Area, Person
from fangyi.screening import service as screening
from fangyi.screening.models import Sample, SuspectedCase, Tube
from fangyi.timeutil import day_bounds, now

NOT_FOUND = "sentinel report not found in your jurisdiction"
STATES = ("waiting", "overdue", "sampled", "negative", "positive", "invalid")


@dataclass
class Test:
    """The report's test as screening holds it: the first single tube swabbed from the report on."""

    sample_id: int
    barcode: str
    sampled_at: datetime
    result: str | None
    tested_at: datetime | None
    suspected_case_id: int | None


@dataclass
class Watched:
    report: SentinelReport
    person: Person
    test: Test | None
    at: datetime  # the moment the state is read at
    name: str = ""  # as the reader may see it: the registry's, else the name typed with the report

    @property
    def state(self) -> str:
        if self.test is None:
            return "overdue" if self.at > self.report.due_at else "waiting"
        return self.test.result or "sampled"

    @property
    def in_time(self) -> bool:
        """Sampled by the due time."""
        return self.test is not None and self.test.sampled_at <= self.report.due_at


@dataclass
class Reported:
    report: SentinelReport
    new: bool = True
    merged: bool = False  # the person had an open report already (not yet sampled): that one holds
    repeated: bool = False  # the phone's entry (client_id) had been received before: its answer again


def _kind(actor: Principal, raw: str | None) -> str:
    """A village doctor reports as one; a sentinel account (a clinic's or pharmacy's fever desk)
    names which; the office may name any."""
    if actor.role == Role.village_doctor:
        return "village_doctor"
    kind = (raw or "").strip()
    if kind not in REPORTER_KINDS:
        raise Invalid(f"reporter_kind must be one of {', '.join(REPORTER_KINDS)}", column="reporter_kind")
    return kind


def _symptoms(raw: list[str] | tuple[str, ...], temperature: float | None, threshold: float) -> list[str]:
    found = {s.strip() for s in raw if s and s.strip()}
    unknown = sorted(found - set(SYMPTOMS))
    if unknown:
        raise Invalid(f"unknown symptom {unknown[0]!r}: one of {', '.join(SYMPTOMS)}", column="symptoms")
    if temperature is not None and temperature >= threshold:
        found.add("fever")
    if not found:
        raise Invalid("name at least one symptom (fever with its temperature, cough, sore throat …)",
                      column="symptoms")
    if "fever" in found and temperature is None:
        raise Invalid("a fever needs its temperature", column="temperature")
    return [s for s in SYMPTOMS if s in found]


def report_sentinel(session: Session, actor: Principal, *, id_number: str, name: str = "", area_code: str,
                    symptoms: list[str] | tuple[str, ...], temperature: float | None = None,
                    reporter_kind: str | None = None, institution: str | None = None, note: str | None = None,
                    at: datetime | None = None, client_id: str | None = None) -> Reported:
    """Report a person with fever or respiratory symptoms, where the reporter works (`area_code`).

    The person is found by identity number, or registered on the spot through the registry's own
    checks (living there). A temperature outside the edition's plausible range is refused, to be
    taken again, and nothing is stored. The person's report still open (not yet sampled) in the
    reporter's jurisdiction is the answer to a second one (`merged`), so that one person is watched
    once. With a phone's
    `client_id`, the entry is kept under it: sent again, it gets the first answer and changes nothing."""
    require(actor, "report_sentinels")
    if client_id is None:
        return _report(session, actor, id_number=id_number, name=name, area_code=area_code, symptoms=symptoms,
                       temperature=temperature, reporter_kind=reporter_kind, institution=institution, note=note,
                       at=at)

    def again(entry: ArrivalEntry) -> Reported:
        report = session.get(SentinelReport, entry.record_id)
        if report is None:  # pragma: no cover - reports are never deleted
            raise NotFound(NOT_FOUND)
        return Reported(report, new=False, merged=entry.merged, repeated=True)

    def make() -> tuple[Reported, int, bool, str]:
        done = _report(session, actor, id_number=id_number, name=name, area_code=area_code, symptoms=symptoms,
                       temperature=temperature, reporter_kind=reporter_kind, institution=institution, note=note,
                       at=at)
        return done, done.report.id, done.merged, done.report.area_code

    return arrivals.once(session, actor, client_id, "sentinel", again, make)


def _report(session: Session, actor: Principal, *, id_number: str, name: str, area_code: str,
            symptoms: list[str] | tuple[str, ...], temperature: float | None, reporter_kind: str | None,
            institution: str | None, note: str | None, at: datetime | None) -> Reported:
    area = (area_code or "").strip()
    check_area(actor, area)
    if session.get(Area, area) is None:
        raise Invalid(f"area {area} is not in the registry", column="area_code")
    kind = _kind(actor, reporter_kind)
    protocol = current()
    if temperature is not None:
        check_temperature(temperature, protocol)
    found = _symptoms(symptoms, temperature, protocol.health_checks.fever_celsius)
    moment = arrivals.when(at)
    person = arrivals.find_or_register(session, actor, id_number, name, area, note="registered at a fever sentinel")
    # Two reporters sending the same person at once: the second waits, then finds the first.
    one_at_a_time(session, f"sentinel:{person.id}")
    for stored in session.scalars(select(SentinelReport).where(SentinelReport.person_id == person.id)
                                  .order_by(SentinelReport.reported_at.desc()).limit(5)):
        # Another township's open report is not this reporter's to be answered with: theirs is a report of its own.
        if sees(actor, stored.area_code) and _watched(session, [(stored, person)], now())[0].test is None:
            return Reported(stored, new=False, merged=True)
    hours = rules_of(protocol).sentinel_test_hours
    report = SentinelReport(person_id=person.id, given_name=(name or "").strip()[:100] or None,
                            reporter_kind=kind, area_code=area,
                            institution=(institution or "").strip()[:100] or None, symptoms=found,
                            temperature=temperature, reported_at=moment, due_at=moment + timedelta(hours=hours),
                            edition=protocol.edition, note=(note or "").strip()[:300] or None,
                            reported_by_id=actor.id or None)
    session.add(report)
    session.flush()
    # The report, not the reporter, sends them to single tubes: screening's control is Fangyi's.
    control = screening.control_for_fever(session, SYSTEM, person_id=person.id, started_at=moment,
                                          note=f"sentinel report {report.id}")
    report.control_id = control.id
    session.flush()
    audit.record(session, actor, "create", "sentinel_report", report.id, after=audit.snapshot(report))
    return Reported(report)


# ---- reading: the watch list ------------------------------------------------------------------


def _tests(session: Session, rows: list[tuple[SentinelReport, Person]], until: datetime) -> dict[int, Test]:
    """Each report's test: the person's first single tube swabbed from the report on (by `until`)."""
    people = {report.person_id for report, _ in rows}
    if not people:
        return {}
    earliest = min(report.reported_at for report, _ in rows)
    swabs = session.execute(
        select(Sample.id, Sample.person_id, Sample.sampled_at, Tube.barcode, Tube.result, Tube.tested_at,
               SuspectedCase.id)
        .join(Tube, Tube.id == Sample.tube_id).outerjoin(SuspectedCase, SuspectedCase.tube_id == Tube.id)
        .where(Sample.person_id.in_(people), Tube.pool_size == 1, Sample.sampled_at >= earliest,
               Sample.sampled_at <= until)
        .order_by(Sample.sampled_at, Sample.id)).all()
    found: dict[int, Test] = {}
    for report, _ in rows:
        for sample_id, person_id, sampled_at, barcode, result, tested_at, suspected_id in swabs:
            if person_id == report.person_id and sampled_at >= report.reported_at:
                seen = tested_at is not None and tested_at <= until
                found[report.id] = Test(sample_id, barcode, sampled_at, result if seen else None,
                                        tested_at if seen else None, suspected_id if seen else None)
                break
    return found


def _watched(session: Session, rows: list[tuple[SentinelReport, Person]], at: datetime,
             reader: Principal = SYSTEM) -> list[Watched]:
    tests = _tests(session, rows, at)
    return [Watched(report, person, tests.get(report.id), at, _name(reader, report, person)) for report, person in rows]


def _closed(at: datetime) -> Any:
    """A report's watch is over (state "negative"): its test, the person's first single tube
    swabbed from the report on (by `at`, as _tests reads it), was found negative by `at`."""
    first = (select(Sample.id).join(Tube, Tube.id == Sample.tube_id)
             .where(Sample.person_id == SentinelReport.person_id, Tube.pool_size == 1,
                    Sample.sampled_at >= SentinelReport.reported_at, Sample.sampled_at <= at)
             .order_by(Sample.sampled_at, Sample.id).limit(1).correlate(SentinelReport).scalar_subquery())
    return (select(Tube.id).join(Sample, Sample.tube_id == Tube.id)
            .where(Sample.id == first, Tube.result == "negative", Tube.tested_at <= at).exists())


def _name(reader: Principal, report: SentinelReport, person: Person) -> str:
    """The registry's name to a reader whose jurisdiction holds the person's home; to another (a
    desk where someone from elsewhere was reported), the name typed with the report, else "—"."""
    return person.name if sees(reader, person.area_code) else (report.given_name or "—")


def watch_list(session: Session, actor: Principal, *, open_only: bool = True, day: date | None = None,
               limit: int = 500) -> list[Watched]:
    """The reports in the actor's jurisdiction (reported on `day`, when given): by default only those
    to watch (no result yet, or positive), overdue first, then by due time."""
    require(actor, "read_sentinels")
    query = (select(SentinelReport, Person).join(Person, Person.id == SentinelReport.person_id)
             .where(in_jurisdiction(actor, SentinelReport.area_code)))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(SentinelReport.reported_at >= start, SentinelReport.reported_at < end)
    moment = now()
    if open_only:
        # Closed reports are left out by the database, before the limit: filtered after it, a
        # district's 500 latest reports could push its oldest open (overdue) ones off the list.
        # Of the open ones, those due first (the overdue) come first.
        query = query.where(~_closed(moment)).order_by(SentinelReport.due_at, SentinelReport.id)
    else:
        query = query.order_by(SentinelReport.reported_at.desc(), SentinelReport.id.desc())
    rows = [(r, p) for r, p in session.execute(query.limit(limit))]
    found = _watched(session, rows, moment, actor)
    if open_only:  # the same rule as _closed, read from the tests themselves
        found = [w for w in found if w.state in ("waiting", "overdue", "sampled", "positive", "invalid")]
    order = {"overdue": 0, "positive": 1, "waiting": 2, "invalid": 3, "sampled": 4, "negative": 5}
    return sorted(found, key=lambda w: (order[w.state], w.report.due_at))


def get_report(session: Session, actor: Principal, report_id: int) -> Watched:
    require(actor, "read_sentinels")
    report = session.get(SentinelReport, report_id)
    if report is None:
        raise NotFound(NOT_FOUND)
    check_area(actor, report.area_code)
    person = session.get(Person, report.person_id)
    if person is None:  # pragma: no cover - persons are never deleted
        raise NotFound(NOT_FOUND)
    return _watched(session, [(report, person)], now(), actor)[0]


def choices(actor: Principal) -> dict[str, Any]:
    """What the report form offers: the reporter kinds the actor may name and the symptoms."""
    require(actor, "report_sentinels")
    kinds = ("village_doctor",) if actor.role == Role.village_doctor else REPORTER_KINDS
    return {"kinds": kinds, "symptoms": SYMPTOMS}


def may_report(actor: Principal) -> bool:
    """Whether the page shows the report form (the list is shown to every reader)."""
    return can(actor, "report_sentinels")


# ---- figures ----------------------------------------------------------------------------------


def figures(session: Session, actor: Principal, day: date, as_of: datetime | None = None) -> dict[str, Any]:
    """Reported on the day and in total by its end, by reporter kind (the total), tested within the
    hours, overdue at the end of the day (or at `as_of`), and turned positive (a suspected case),
    inside the actor's jurisdiction. Given `as_of`: the reports made by then, the swabs taken by
    then and the results tested by then (a swab loaded later from an offline batch counts from
    its swab time: see command/asof.py)."""
    _, end = day_bounds(day)
    moment = min(end, as_of) if as_of is not None else end
    mine = in_jurisdiction(actor, SentinelReport.area_code)
    query = (select(SentinelReport, Person).join(Person, Person.id == SentinelReport.person_id)
             .where(mine, SentinelReport.reported_at < end))
    if as_of is not None:
        query = query.where(SentinelReport.created_at <= as_of)
    rows = [(r, p) for r, p in session.execute(query)]
    watched = _watched(session, rows, moment)
    start, _ = day_bounds(day)
    kinds = Counter(w.report.reporter_kind for w in watched)
    states = Counter(w.state for w in watched)
    return {"today": sum(1 for w in watched if w.report.reported_at >= start), "total": len(watched),
            **{f"by_{kind}": kinds.get(kind, 0) for kind in REPORTER_KINDS},
            "tested": sum(1 for w in watched if w.test is not None),
            "tested_in_time": sum(1 for w in watched if w.in_time),
            "overdue": states["overdue"], "waiting": states["waiting"],
            "positive": sum(1 for w in watched if w.test is not None and w.test.suspected_case_id is not None)}


def sentinel_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    return figures(session, who, day, as_of)

