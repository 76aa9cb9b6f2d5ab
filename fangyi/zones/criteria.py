"""The daily evaluation: for each zone and risk area in force, each of the edition's criteria met or
not, since when, and on what evidence. Read in a few set-based queries for all zones at once (a
county with hundreds of zones is checked in well under a second), never one query per zone.

Counting (the rule book's): days without a case count from the local date on which the last case
or positive result inside was confirmed (day 0); "14 days" holds from day 14 on. A close contact is
clear once more than `lift_contact_days` days have passed since their last exposure and a test
after it was negative. "Everyone inside" is everyone living there except its cases and people held
elsewhere (a centralized quarantine placement at the time); each needs a negative result on a
sample taken within the window (the check's day and the days before it), from a round or the
samples import alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import Session

from fangyi.areacodes import prefix
from fangyi.protocols.reader import Protocol, RiskStep
from fangyi.quarantine.models import Placement, QuarantineTest
from fangyi.registry.models import Person
from fangyi.screening.models import Sample, ScreeningRound, SuspectedCase, Tube
from fangyi.timeutil import day_bounds, to_local
from fangyi.tracing.models import Case, Contact
from fangyi.zones.areas import ancestors
from fangyi.zones.models import Zone, ZoneRound


@dataclass
class Criterion:
    name: str
    met: bool
    since: date | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "met": self.met, "since": self.since.isoformat() if self.since else None,
                "evidence": self.evidence}


@dataclass
class Evaluation:
    criteria: list[Criterion]
    action: str | None  # lift | downgrade, when every criterion holds
    to_kind: str | None = None  # the level a downgrade leads to
    lift_on: date | None = None  # the first day every criterion holds, when known

    @property
    def all_met(self) -> bool:
        return bool(self.criteria) and all(c.met for c in self.criteria)


@dataclass
class Positive:
    label: str  # a case number, or a positive tube's barcode
    day: date
    at: datetime


@dataclass
class _Coverage:
    residents: int = 0
    uncovered: int = 0
    oldest_latest: datetime | None = None  # the oldest of everyone's latest negative sample


# Up to this many areas are filtered in the database; beyond, the counts of every area are read.
FEW_PREFIXES = 20


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


class Ground:
    """What the evaluation reads, loaded once for every zone of one check."""

    def __init__(self, session: Session, zones: list[Zone], day: date) -> None:
        self.session = session
        self.day = day
        self.end = day_bounds(day)[1]
        self.positives: dict[str, list[Positive]] = defaultdict(list)  # by every area above the home
        self.case_ids: dict[str, list[int]] = defaultdict(list)
        self.case_of: dict[int, Positive] = {}
        self._load_positives()
        self.contacts: dict[int, dict[str, Any]] = {}
        self.coverage: dict[str, _Coverage] = {}
        self.rounds: dict[str, set[str]] = defaultdict(set)
        self.homes: dict[str, list[str]] = defaultdict(list)
        self.started: dict[int, list[str]] = defaultdict(list)  # the rounds started for each zone
        self.zones = zones

    def _load_positives(self) -> None:
        rows = self.session.execute(
            select(Case.id, Case.case_no, Case.confirmed_at, Person.area_code)
            .join(Person, Person.id == Case.person_id)
            .where(Case.confirmed_at < self.end, Case.ruled_out_at.is_(None))
        )
        for case_id, case_no, confirmed_at, area_code in rows:
            positive = Positive(case_no, local_day(confirmed_at), confirmed_at)
            self.case_of[int(case_id)] = positive
            for area in ancestors(area_code):
                self.positives[area].append(positive)
                self.case_ids[area].append(int(case_id))
        # A positive single tube not yet confirmed into a case counts as a positive result inside.
        suspected = self.session.execute(
            select(Tube.barcode, SuspectedCase.tested_at, Person.area_code)
            .join(Tube, Tube.id == SuspectedCase.tube_id).join(Person, Person.id == SuspectedCase.person_id)
            .where(SuspectedCase.status == "pending", SuspectedCase.tested_at < self.end)
        )
        for barcode, tested_at, area_code in suspected:
            for area in ancestors(area_code):
                self.positives[area].append(Positive(str(barcode), local_day(tested_at), tested_at))

    def inside(self, zone: Zone) -> list[Positive]:
        found = {id(p): p for area in zone.area_codes for p in self.positives.get(area, ())}
        if zone.case_id is not None and zone.case_id in self.case_of:
            found[id(self.case_of[zone.case_id])] = self.case_of[zone.case_id]
        return sorted(found.values(), key=lambda p: (p.at, p.label))

    def cases_inside(self, zone: Zone) -> set[int]:
        ids = {case_id for area in zone.area_codes for case_id in self.case_ids.get(area, ())}
        if zone.case_id is not None and zone.case_id in self.case_of:
            ids.add(zone.case_id)
        return ids

    def load_contacts(self, case_ids: set[int]) -> None:
        """Per case: its close contacts, their latest exposure, how many lack a negative test after
        it, and how many tested positive after it."""
        if not case_ids:
            return
        exposure = Contact.last_exposure
        negative = or_(
            exists().where(QuarantineTest.person_id == Contact.person_id, QuarantineTest.result == "negative",
                           QuarantineTest.sampled_at > exposure, QuarantineTest.sampled_at < self.end),
            exists().where(Sample.person_id == Contact.person_id, Sample.tube_id == Tube.id,
                           Tube.result == "negative", Sample.sampled_at > exposure, Tube.tested_at < self.end),
        )
        positive = or_(
            exists().where(QuarantineTest.person_id == Contact.person_id, QuarantineTest.result == "positive",
                           QuarantineTest.sampled_at > exposure, QuarantineTest.sampled_at < self.end),
            exists().where(Sample.person_id == Contact.person_id, Sample.tube_id == Tube.id,
                           Tube.result == "positive", Sample.sampled_at > exposure, Tube.tested_at < self.end),
        )
        one = func.count()
        rows = self.session.execute(
            select(Contact.case_id, one, func.max(exposure),
                   func.sum(case((negative, 0), else_=1)), func.sum(case((positive, 1), else_=0)))
            .where(Contact.case_id.in_(sorted(case_ids)), Contact.degree == "close", Contact.status != "rejected")
            .group_by(Contact.case_id)
        )
        for case_id, count, last, lacking, positives in rows:
            self.contacts[int(case_id)] = {"count": int(count), "last": last, "lacking": int(lacking or 0),
                                           "positive": int(positives or 0)}

    def load_coverage(self, zones: list[Zone], since: datetime) -> None:
        """Per area a person lives in (within the zones given): residents who must be sampled, those with
        no negative sample since `since`, and the oldest of everyone's latest negative sample; and the
        rounds (codes) those samples came from. Three grouped reads, whatever the number of zones."""
        prefixes = _outermost({prefix(area) for zone in zones for area in zone.area_codes})
        if not prefixes:
            return
        # A few areas are filtered in the database; many (hundreds of zones) read the county's
        # counts by area, cheaper than hundreds of LIKE tests on every person.
        home = (or_(*(Person.area_code.startswith(p, autoescape=True) for p in prefixes))
                if len(prefixes) <= FEW_PREFIXES else None)

        def inside(query: Any) -> Any:
            return query if home is None else query.where(home)

        residents = self.session.execute(inside(
            select(Person.area_code, func.count()).where(Person.merged_into_id.is_(None)).group_by(Person.area_code)))
        for area, count in residents:
            self.coverage[str(area)] = _Coverage(int(count), int(count), None)
        # Not to be sampled: the cases, and people held elsewhere (centralized quarantine) at the time.
        cases = select(Case.person_id).where(Case.confirmed_at < self.end, Case.ruled_out_at.is_(None))
        held = select(Placement.person_id).where(
            Placement.setting == "centralized", Placement.placed_at < self.end,
            or_(Placement.ended_at.is_(None), Placement.ended_at >= self.end))
        excused = {int(pid): str(area) for pid, area in self.session.execute(inside(
            select(Person.id, Person.area_code).where(Person.merged_into_id.is_(None),
                                                      Person.id.in_(cases.union(held)))))}
        for area in excused.values():
            if area in self.coverage:
                self.coverage[area].residents -= 1
                self.coverage[area].uncovered -= 1
        window = (Tube.result == "negative", Tube.tested_at < self.end, Sample.sampled_at >= since,
                  Sample.sampled_at < self.end, Person.merged_into_id.is_(None))
        # Everyone's latest negative sample in the window, then by area: how many, and the oldest.
        each = inside(
            select(Sample.person_id, Person.area_code.label("area"), func.max(Sample.sampled_at).label("latest"))
            .join(Tube, Tube.id == Sample.tube_id).join(Person, Person.id == Sample.person_id)
            .where(*window, ~exists(cases.where(Case.person_id == Sample.person_id)),
                   ~exists(held.where(Placement.person_id == Sample.person_id)))
            .group_by(Sample.person_id, Person.area_code)).subquery()
        covered = self.session.execute(select(each.c.area, func.count(), func.min(each.c.latest))
                                       .group_by(each.c.area))
        for area, count, oldest in covered:
            seen = self.coverage.get(str(area))
            if seen is not None:
                seen.uncovered -= int(count)
                seen.oldest_latest = oldest
        rounds = self.session.execute(inside(
            select(Person.area_code, func.coalesce(ScreeningRound.code, Sample.round_code)).distinct()
            .select_from(Sample).join(Person, Person.id == Sample.person_id).join(Tube, Tube.id == Sample.tube_id)
            .outerjoin(ScreeningRound, ScreeningRound.id == Sample.round_id).where(*window)))
        for area, code in rounds:
            self.rounds[str(area)].add(str(code) if code else "samples import")
        started = self.session.execute(
            select(ZoneRound.zone_id, ScreeningRound.code).join(ScreeningRound, ScreeningRound.id == ZoneRound.round_id)
            .where(ZoneRound.zone_id.in_(sorted(z.id for z in zones)), ZoneRound.started_at < self.end)
            .order_by(ZoneRound.id))
        for zone_id, code in started:
            self.started[int(zone_id)].append(str(code))
        # Each area above a home: the homes below it, so that a zone sums its own.
        for area in self.coverage:
            for above in ancestors(area):
                self.homes[above].append(area)

    def zone_coverage(self, zone: Zone) -> tuple[_Coverage, list[str]]:
        total = _Coverage()
        rounds: set[str] = set()
        homes = {home for code in zone.area_codes for home in self.homes.get(code, ())}
        for area in homes:
            seen = self.coverage[area]
            total.residents += seen.residents
            total.uncovered += seen.uncovered
            if seen.oldest_latest is not None and (total.oldest_latest is None
                                                   or seen.oldest_latest < total.oldest_latest):
                total.oldest_latest = seen.oldest_latest
            rounds |= self.rounds.get(area, set())
        return total, sorted(rounds)


def _outermost(prefixes: set[str]) -> list[str]:
    """The prefixes no other one holds."""
    ordered = sorted(prefixes, key=len)
    kept: list[str] = []
    for candidate in ordered:
        if not any(candidate.startswith(p) for p in kept):
            kept.append(candidate)
    return sorted(kept)


def _quiet(ground: Ground, zone: Zone, days: int, name: str = "no_new_case") -> tuple[Criterion, date]:
    """No case or positive result inside for `days` days; the day counting starts from (day 0)."""
    positives = ground.inside(zone)
    start = zone.approved_at or zone.proposed_at
    last = positives[-1].day if positives else local_day(start)
    since = last + timedelta(days=days)
    met = ground.day >= since
    evidence: dict[str, Any] = {"last_positive": last.isoformat() if positives else None,
                                "positives": [p.label for p in positives[-10:]], "days": days,
                                "holds_from": since.isoformat()}
    return Criterion(name, met, since if met else None, evidence), last


def _screening(ground: Ground, zone: Zone, window_start: date) -> Criterion:
    coverage, rounds = ground.zone_coverage(zone)
    start = day_bounds(window_start)[0]
    everyone = coverage.uncovered == 0 and (coverage.oldest_latest is None or coverage.oldest_latest >= start)
    met = ground.day >= window_start and everyone
    since = local_day(coverage.oldest_latest) if met and coverage.oldest_latest is not None else None
    return Criterion("everyone_negative", met, since if met else None, {
        "window_from": window_start.isoformat(), "residents": coverage.residents,
        "without_negative": coverage.uncovered, "rounds": rounds,
        "zone_rounds": ground.started.get(zone.id, []),
    })


def _contacts(ground: Ground, zone: Zone, days: int) -> Criterion:
    lines = [ground.contacts[c] for c in ground.cases_inside(zone) if c in ground.contacts]
    count = sum(line["count"] for line in lines)
    lacking = sum(line["lacking"] for line in lines)
    positive = sum(line["positive"] for line in lines)
    last = max((line["last"] for line in lines), default=None)
    cases = sorted(ground.case_of[c].label for c in ground.cases_inside(zone))
    if last is None:
        start = local_day(zone.approved_at or zone.proposed_at)
        return Criterion("contacts_clear", True, start, {"contacts": 0, "cases": cases})
    since = local_day(last) + timedelta(days=days + 1)  # "more than 14 days" after the last exposure
    met = ground.day >= since and lacking == 0 and positive == 0
    return Criterion("contacts_clear", met, since if met else None, {
        "contacts": count, "last_exposure": local_day(last).isoformat(), "without_negative": lacking,
        "positive": positive, "cases": cases, "holds_from": since.isoformat(),
    })


def _stricter_remain(ground: Ground, zone: Zone, waits_for: tuple[str, ...]) -> Criterion:
    holding = [z for z in ground.zones if z.kind in waits_for and z.state == "active"
               and any(code.startswith(prefix(area)) for area in zone.area_codes for code in z.area_codes)]
    if holding:
        return Criterion("no_sealed_or_controlled", False, None, {"zones": sorted(z.id for z in holding)})
    lifted = [z.lifted_at for z in ground.zones if z.kind in waits_for and z.lifted_at is not None]
    since = local_day(max(lifted)) if lifted else local_day(zone.approved_at or zone.proposed_at)
    return Criterion("no_sealed_or_controlled", True, since, {"zones": []})


def _step(protocol: Protocol, kind: str) -> RiskStep | None:
    for level, step in protocol.risk_areas.downgrade.items():
        if level == kind:
            return step
    return None


def evaluate(session: Session, zones: list[Zone], day: date, protocol: Protocol,
             context: list[Zone] | None = None) -> dict[int, Evaluation]:
    """Each active zone's criteria on `day` (as of its end). `context`: every zone in force in the
    county, for the precaution zone's rule (default: those given)."""
    active = [z for z in zones if z.state == "active"]
    ground = Ground(session, context if context is not None else zones, day)
    ground.load_contacts({c for z in active if z.kind in ("sealed", "controlled") for c in ground.cases_inside(z)})
    rule = protocol.zones
    # The earliest sample any criterion may read: the lift window, or a risk step's screening day.
    window = {}
    for zone in active:
        if zone.kind in ("sealed", "controlled"):
            window[zone.id] = day - timedelta(days=rule.lift_screening_within_days - 1)
        elif (step := _step(protocol, zone.kind)) is not None and step.screening_day is not None:
            positives = ground.inside(zone)
            last = positives[-1].day if positives else local_day(zone.approved_at or zone.proposed_at)
            window[zone.id] = last + timedelta(days=step.screening_day)
    if window:
        ground.load_coverage([z for z in active if z.id in window], day_bounds(min(window.values()))[0])
    done: dict[int, Evaluation] = {}
    for zone in active:
        if zone.kind in ("sealed", "controlled"):
            quiet, _ = _quiet(ground, zone, rule.lift_quiet_days)
            criteria = [quiet, _contacts(ground, zone, rule.lift_contact_days),
                        _screening(ground, zone, window[zone.id])]
            done[zone.id] = Evaluation(criteria, "lift")
        elif zone.kind == "precaution":
            done[zone.id] = Evaluation([_stricter_remain(ground, zone, rule.precaution_waits_for)], "lift")
        elif zone.kind in ("high", "medium"):
            step = _step(protocol, zone.kind)
            assert step is not None
            if zone.downgraded and step.after_downgrade_days is not None and zone.kind_since is not None:
                at_level = local_day(zone.kind_since)
                quiet, last = _quiet(ground, zone, 0)
                since = at_level + timedelta(days=step.after_downgrade_days)
                days = Criterion("days_at_level", day >= since, since,
                                 {"level_since": at_level.isoformat(), "days": step.after_downgrade_days})
                calm = Criterion("no_new_case", last <= at_level, at_level if last <= at_level else None,
                                 quiet.evidence)
                criteria = [calm, days]
            else:
                quiet, _ = _quiet(ground, zone, step.quiet_days)
                criteria = [quiet]
                if step.screening_day is not None:
                    criteria.append(_screening(ground, zone, window[zone.id]))
            done[zone.id] = Evaluation(criteria, "downgrade", step.to)
        else:
            done[zone.id] = Evaluation([], None)
        evaluation = done[zone.id]
        if evaluation.all_met:
            evaluation.lift_on = max(c.since for c in evaluation.criteria if c.since is not None)
    return done

