"""What the zones part does, and what other parts may ask of it.

Every function takes the session and the acting principal first, checks the permission and the
jurisdiction of every zone and area it reads, writes or is named, audits every write, and raises
DomainError. A zone lies in a reader's jurisdiction when its scope (the narrowest area holding all of
its areas and venues) does.

The cycle: a case proposes zones around its home (`on_case_confirmed`); a commander approves them
(`approve`, which may edit the areas) or rejects them; the daily check (`check`) evaluates each zone
in force against the edition and, on the first day every criterion holds, proposes its lift (a risk
area: its downgrade); a commander approves that, or lifts earlier with a written override (`lift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Principal, check_area, in_jurisdiction, require, sees
from fangyi.areacodes import AreaCodeError, level_of, prefix
from fangyi.audit import service as audit
from fangyi.daily import DailyRun
from fangyi.daily import runs as daily_runs
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.protocols.reader import Protocol, RiskAreas, current
from fangyi.registry.models import Area, Person, Venue
from fangyi.screening.models import ScreeningRound
from fangyi.screening.setup import RoundFields, create_round
from fangyi.timeutil import day_bounds, now, to_local, today
from fangyi.tracing.events import CaseConfirmed
from fangyi.tracing.models import Case, Contact, InvestigationPlace
from fangyi.zones import notices
from fangyi.zones.areas import ancestors, at_level, scope
from fangyi.zones.criteria import Evaluation, evaluate, local_day
from fangyi.zones.models import (
    KINDS,
    RISK_LEVELS,
    STRICTNESS,
    ZONE_KINDS,
    Zone,
    ZoneArea,
    ZoneDecision,
    ZoneNotice,
    ZoneRound,
    regime_of,
)

MAX_REASON = 500


@dataclass
class ZoneView:
    """A zone as the check and the list give it: its record, its evaluation on the day, and its
    proposal waiting for a commander, if any."""

    zone: Zone
    evaluation: Evaluation | None

    def proposal(self) -> dict[str, Any] | None:
        if self.zone.pending is None or self.zone.pending_on is None:
            return None
        return {"action": self.zone.pending, "on": self.zone.pending_on.isoformat()}

    def as_json(self) -> dict[str, Any]:
        zone = self.zone
        since = zone.kind_since if zone.state == "active" else zone.lifted_at if zone.state == "lifted" else None
        return {
            "id": zone.id, "kind": zone.kind, "areas": list(zone.area_codes), "venues": list(zone.venue_ids),
            "state": zone.state, "since": local_day(since or zone.proposed_at).isoformat(),
            "criteria": [c.as_json() for c in self.evaluation.criteria] if self.evaluation else [],
            "proposal": self.proposal(),
        }

    @property
    def lift_on(self) -> date | None:
        """The first day every criterion holds: known when all hold, else the latest day any
        criterion said it would hold from (a floor, not a promise)."""
        if self.evaluation is None:
            return None
        if self.evaluation.lift_on is not None:
            return self.evaluation.lift_on
        days = [c.since or _holds_from(c.evidence) for c in self.evaluation.criteria]
        known = [d for d in days if d is not None]
        return max(known) if len(known) == len(days) and known else None


def _holds_from(evidence: dict[str, Any]) -> date | None:
    value = evidence.get("holds_from")
    return date.fromisoformat(value) if isinstance(value, str) else None


# --- reading ---------------------------------------------------------------------------------------


def _visible(actor: Principal, zone: Zone) -> None:
    check_area(actor, zone.scope_code)


def get_zone(session: Session, actor: Principal, zone_id: int, *, need: str = "read_zones",
             lock: bool = False) -> Zone:
    """A zone within the actor's jurisdiction, for what they mean to do (`need`, asked first so that a
    refusal tells nothing of the zone)."""
    require(actor, need)
    query = select(Zone).where(Zone.id == zone_id)
    if lock:
        query = query.with_for_update()
    zone = session.scalar(query)
    if zone is None:
        raise NotFound("not found in your jurisdiction")
    _visible(actor, zone)
    return zone


def _in_force_on(day: date) -> Any:
    end = day_bounds(day)[1]
    return (
        ((Zone.state == "proposed") & (Zone.proposed_at < end))
        | ((Zone.approved_at.is_not(None)) & (Zone.approved_at < end)
           & ((Zone.lifted_at.is_(None)) | (Zone.lifted_at >= end)) & (Zone.state.in_(("active", "lifted"))))
    )


def _order(view: ZoneView) -> tuple[int, int, int, int]:
    zone = view.zone
    # A seal waiting for approval first (a positive inside a controlled zone), then other proposals.
    urgent = 0 if zone.pending == "seal" else 1 if zone.state == "proposed" or zone.pending else 2
    return urgent, 0 if regime_of(zone.kind) == "zones" else 1, STRICTNESS[zone.kind], zone.id


def list_zones(session: Session, actor: Principal, day: date, *, protocol: Protocol | None = None) -> list[ZoneView]:
    """Zones and risk areas proposed or in force on `day` within the actor's jurisdiction, each with its
    criteria evaluated on that day; nothing is written."""
    require(actor, "read_zones")
    zones = list(session.scalars(select(Zone).where(_in_force_on(day), in_jurisdiction(actor, Zone.scope_code))))
    if day < today():
        zones = _as_it_was(session, zones, day)
    return _views(session, zones, day, protocol or current())


def _as_it_was(session: Session, zones: list[Zone], day: date) -> list[Zone]:
    """A past day's zones as they stood at its end: a zone whose kind or state has changed since is
    shown (and evaluated) as a copy with its kind and state of then, never written."""
    history = as_of(session, day, Zone.id.in_([z.id for z in zones])) if zones else {}
    shown = []
    for zone in zones:
        then = history.get(zone.id)
        if zone.state == "proposed" and local_day(zone.proposed_at) <= day:
            shown.append(zone)
        elif then is None or not then.in_force:
            continue  # proposed on a later day, or not in force at the end of this one
        elif (then.kind, then.kind_since, then.downgraded) == (zone.kind, zone.kind_since, zone.downgraded) \
                and zone.state == "active":
            shown.append(zone)
        else:
            copy = Zone(**{column.key: getattr(zone, column.key) for column in Zone.__table__.columns})
            copy.kind, copy.kind_since, copy.downgraded, copy.state = then.kind, then.kind_since, then.downgraded, \
                "active"
            copy.lifted_at = copy.lifted_by = None
            copy.pending = copy.pending_on = copy.pending_at = copy.pending_reason = None
            shown.append(copy)
    return shown


def _views(session: Session, zones: list[Zone], day: date, protocol: Protocol) -> list[ZoneView]:
    # The precaution zone's rule reads every sealed and controlled zone of the county, seen or not.
    context = list(session.scalars(select(Zone).where(Zone.state == "active")))
    active = [z for z in zones if z.state == "active" and (z.approved_at is None or local_day(z.approved_at) <= day)]
    evaluations = evaluate(session, active, day, protocol, context=context)
    return sorted((ZoneView(z, evaluations.get(z.id)) for z in zones), key=_order)


def zone_view(session: Session, actor: Principal, zone_id: int, day: date) -> ZoneView:
    """One zone with its criteria evaluated on `day`."""
    zone = get_zone(session, actor, zone_id)
    return _views(session, [zone], day, current())[0]


def timeline(session: Session, actor: Principal, zone_id: int) -> tuple[Zone, list[ZoneDecision]]:
    zone = get_zone(session, actor, zone_id)
    decisions = list(session.scalars(select(ZoneDecision).where(ZoneDecision.zone_id == zone.id)
                                     .order_by(ZoneDecision.at, ZoneDecision.id)))
    return zone, decisions


def zone_notices(session: Session, actor: Principal, zone_id: int) -> tuple[Zone, list[ZoneNotice]]:
    """A zone's notices, every version, newest first."""
    zone = get_zone(session, actor, zone_id)
    found = list(session.scalars(select(ZoneNotice).where(ZoneNotice.zone_id == zone.id)
                                 .order_by(ZoneNotice.decision_id.desc(), ZoneNotice.version.desc())))
    return zone, found


@dataclass
class Residents:
    area_code: str
    name: str
    count: int


def residents(session: Session, actor: Principal, zone_id: int) -> tuple[Zone, list[Residents]]:
    """Who lives in the zone (the registry's persons, merged records left out), counted by the area
    they live in (their group, where they have one)."""
    zone = get_zone(session, actor, zone_id)
    if not zone.area_codes:
        return zone, []
    home = Person.area_code
    rows = session.execute(
        select(home, Area.name, func.count()).join(Area, Area.code == home)
        .where(Person.merged_into_id.is_(None), _under(home, zone.area_codes))
        .group_by(home, Area.name).order_by(home)
    )
    return zone, [Residents(str(code), str(name), int(count)) for code, name, count in rows]


def area_names(session: Session, views: list[ZoneView] | list[Zone]) -> dict[str, str]:
    """The names of these zones' areas (zones the reader was given, so within their jurisdiction)."""
    zones = [v.zone if isinstance(v, ZoneView) else v for v in views]
    codes = sorted({code for zone in zones for code in zone.area_codes})
    if not codes:
        return {}
    return {str(code): str(name) for code, name in session.execute(select(Area.code, Area.name)
                                                                   .where(Area.code.in_(codes)))}


def _under(column: Any, codes: list[str]) -> Any:
    return or_(*(column.startswith(prefix(code), autoescape=True) for code in codes))


# --- proposing ---------------------------------------------------------------------------------------


def _decide(session: Session, actor: Principal, zone: Zone | None, action: str, at: datetime, *,
            kind_before: str | None = None, kind_after: str | None = None, reason: str | None = None,
            evidence: dict[str, Any] | None = None, county: str | None = None) -> ZoneDecision:
    decision = _decision(actor, zone, action, at, kind_before=kind_before, kind_after=kind_after, reason=reason,
                         evidence=evidence, county=county)
    session.add(decision)
    session.flush()
    _audit(session, actor, decision)
    return decision


def _decision(actor: Principal, zone: Zone | None, action: str, at: datetime, *, kind_before: str | None = None,
              kind_after: str | None = None, reason: str | None = None, evidence: dict[str, Any] | None = None,
              county: str | None = None) -> ZoneDecision:
    return ZoneDecision(
        zone_id=zone.id if zone else None, action=action, at=at, actor_id=actor.id or None, actor=actor.username,
        kind_before=kind_before, kind_after=kind_after, area_codes=list(zone.area_codes) if zone else [],
        reason=reason, evidence=evidence or {}, county_code=county, entered_at=now(),
    )


def _audit(session: Session, actor: Principal, decision: ZoneDecision) -> None:
    audit.record(session, actor, f"zone_{decision.action}", "zone",
                 decision.zone_id if decision.zone_id is not None else decision.county_code,
                 after={"decision": decision.id, "kind_before": decision.kind_before,
                        "kind_after": decision.kind_after, "at": decision.at.isoformat(),
                        "areas": decision.area_codes, "evidence": decision.evidence},
                 note=decision.reason)


def _held(session: Session, codes: list[str], regime: str) -> dict[str, Zone]:
    """The zones (proposed or active, of this regime) holding each of these very areas."""
    if not codes:
        return {}
    rows = session.execute(
        select(ZoneArea.area_code, Zone).join(Zone, Zone.id == ZoneArea.zone_id)
        .where(ZoneArea.area_code.in_(codes), ZoneArea.regime == regime, Zone.state.in_(("proposed", "active")))
    )
    found: dict[str, Zone] = {}
    for code, zone in rows:
        if code not in found or STRICTNESS[zone.kind] < STRICTNESS[found[code].kind]:
            found[str(code)] = zone
    return found


def _in_force(session: Session, codes: list[str], regime: str) -> dict[str, Zone]:
    """The zone in force over each of these very areas, where there is one."""
    if not codes:
        return {}
    rows = session.execute(
        select(ZoneArea.area_code, Zone).join(Zone, Zone.id == ZoneArea.zone_id)
        .where(ZoneArea.area_code.in_(codes), ZoneArea.regime == regime, ZoneArea.in_force.is_(True))
    )
    return {str(code): zone for code, zone in rows}


def _effective(zone: Zone) -> str:
    return "sealed" if zone.pending == "seal" else zone.kind


def _new_zone(session: Session, actor: Principal, *, kind: str, areas: list[str], venues: list[Venue],
              reason: str, at: datetime, protocol: Protocol, case_id: int | None = None) -> Zone:
    return _new_zones(session, actor, [_Proposal(kind, areas, venues, reason)], at=at, protocol=protocol,
                      case_id=case_id)[0]


def _new_zones(session: Session, actor: Principal, wanted: list[_Proposal], *, at: datetime, protocol: Protocol,
               case_id: int | None = None) -> list[Zone]:
    """Zones proposed together: each table written in one statement for all of them."""
    if not wanted:
        return []
    zones = []
    for proposal in wanted:
        codes = sorted(set(proposal.areas))
        measures = protocol.zones.measures if proposal.kind in ZONE_KINDS else protocol.risk_areas.measures
        zones.append(Zone(kind=proposal.kind, state="proposed", area_codes=codes,
                          venue_ids=sorted(v.id for v in proposal.venues),
                          scope_code=scope(codes + [v.area_code for v in proposal.venues]),
                          reason=proposal.reason[:MAX_REASON], edition=protocol.edition,
                          measures=list(measures.get(proposal.kind, ())),  # type: ignore[call-overload]
                          case_id=case_id, proposed_at=at, proposed_by=actor.username, downgraded=False))
    session.add_all(zones)
    session.flush()
    decisions = []
    for zone, proposal in zip(zones, wanted, strict=True):
        session.add_all(ZoneArea(zone_id=zone.id, area_code=code, regime=regime_of(zone.kind), in_force=False)
                        for code in zone.area_codes)
        decisions.append(_decision(actor, zone, "propose", at, kind_after=zone.kind, reason=proposal.reason,
                                   evidence={"case_id": case_id} if case_id else None))
    session.add_all(decisions)
    session.flush()
    for decision in decisions:
        _audit(session, actor, decision)
    return zones


def _areas_exist(session: Session, actor: Principal, codes: list[str]) -> None:
    for code in codes:
        try:
            level_of(code)
        except AreaCodeError as exc:
            raise Invalid(str(exc), column="areas") from None
        if not sees(actor, code):
            raise NotFound(f"area {code} not found in your jurisdiction", column="areas")
    known = set(session.scalars(select(Area.code).where(Area.code.in_(codes))))
    missing = [code for code in codes if code not in known]
    if missing:
        raise NotFound(f"area {', '.join(missing)} not found in your jurisdiction", column="areas")


def propose(session: Session, actor: Principal, *, kind: str, area_codes: list[str], reason: str,
            venue_codes: list[str] | None = None, at: datetime | None = None) -> Zone:
    """A zone or risk area proposed by hand. Refused: an unknown area or one outside the jurisdiction,
    an area already in another proposal, or one already in force under the same or a stricter kind."""
    require(actor, "propose_zones")
    if kind not in KINDS:
        raise Invalid(f"{kind!r} is not one of {', '.join(KINDS)}", column="kind")
    reason = _reason(reason, "reason")
    codes = sorted(set(area_codes))
    if not codes and not venue_codes:
        raise Invalid("a zone needs at least one area or venue", column="areas")
    _areas_exist(session, actor, codes)
    venues = _venues(session, actor, venue_codes or [])
    moment = _moment(at)
    regime = regime_of(kind)
    for code, other in _held(session, codes, regime).items():
        if other.state == "proposed":
            raise Conflict(f"area {code} is already in proposed zone #{other.id} ({other.kind}): approve or reject "
                           "that one first", column="areas")
        if STRICTNESS[other.kind] <= STRICTNESS[kind]:
            raise Conflict(f"area {code} is already in zone #{other.id} ({other.kind}), as strict or stricter",
                           column="areas")
    return _new_zone(session, actor, kind=kind, areas=codes, venues=venues, reason=reason, at=moment,
                     protocol=current())


def _venues(session: Session, actor: Principal, codes: list[str]) -> list[Venue]:
    if not codes:
        return []
    found = {v.code: v for v in session.scalars(select(Venue).where(Venue.code.in_(codes)))}
    for code in codes:
        venue = found.get(code)
        if venue is None or not sees(actor, venue.area_code):
            raise NotFound(f"venue {code} not found in your jurisdiction", column="venues")
    return list(found.values())


def _reason(text: str | None, column: str) -> str:
    value = (text or "").strip()
    if not value:
        raise Invalid("a written reason is required", column=column)
    if len(value) > MAX_REASON:
        raise Invalid(f"the reason is longer than {MAX_REASON} characters", column=column)
    return value


def _moment(at: datetime | None) -> datetime:
    moment = now() if at is None else at
    if moment.tzinfo is None:
        raise Invalid("a decision time needs its offset (or is read as local time)", column="at")
    if moment > now() + timedelta(minutes=1):
        raise Invalid("a decision cannot take effect in the future", column="at")
    return moment


def on_case_confirmed(session: Session, actor: Principal, event: CaseConfirmed) -> None:
    """A case was opened: a positive inside a controlled zone asks for it to be sealed (at the top of
    the command's list), a lift proposed or done since the case was confirmed is withdrawn or undone,
    and zones and risk areas are proposed around its home by the edition's mapping. Nothing becomes
    active without a commander.

    It runs inside the case's transaction, so it reads the zones around the home once and writes its
    proposals together: a case's zones cost a few statements, not one for each check and row."""
    protocol = current()
    home = event.area_code
    at = event.confirmed_at
    label = f"case {event.case_no} confirmed"
    nearby = _nearby(session, home, at)
    for zone in _containing(session, nearby, at):
        _positive_inside(session, actor, zone, event, protocol)
    wanted: list[_Proposal] = []

    def want(kind: str, area: str, reason: str, venues: list[Venue] | None = None) -> None:
        if area and any(STRICTNESS[strictest] <= STRICTNESS[kind]
                        for strictest in _covering(nearby, wanted, area, regime_of(kind))):
            return  # already held as strictly (strictest wins)
        wanted.append(_Proposal(kind, [area] if area else [], venues or [], reason))

    if protocol.regime == "zones":
        for kind, level in protocol.zones.proposal.items():
            want(kind, at_level(home, level), f"{label}: {kind} {level}")
        if protocol.zones.window_venues is not None:
            venues = [v for v, _ in _window_places(session, event.case_id, protocol.zones.window_venues_skip)]
            if venues:
                want(protocol.zones.window_venues, "", f"{label}: places with likely spread", venues)
    rule = protocol.risk_areas
    risk = _risk_level(session, event, protocol)
    want(risk, at_level(home, rule.unit), f"{label}: {risk} risk")
    if rule.venue_level is not None or rule.frequent_level is not None:
        for grade, area, places in _venue_areas(_window_places(session, event.case_id, rule.venues_skip), rule):
            names = "、".join(v.name for v in places)
            want(grade, area, f"{label}: {grade} risk, places of its window: {names}", places)
    _new_zones(session, actor, wanted, at=at, protocol=protocol, case_id=event.case_id)


def _venue_areas(places: list[tuple[Venue, set[date]]], rule: RiskAreas) -> list[tuple[str, str, list[Venue]]]:
    """(level, area, venues) of the areas holding a case's window venues (cn-9): a workplace or a
    place it stayed at `venue_level`, a place of frequent activity (`frequent_days` separate days)
    at `frequent_level`; each area once, at its strictest venue's level, the strictest first."""
    by_area: dict[str, tuple[str, list[Venue]]] = {}
    for venue, days in places:
        frequent = venue.kind != "workplace" and len(days) >= rule.frequent_days
        level = rule.frequent_level if frequent and rule.frequent_level else rule.venue_level
        if level is None:
            continue
        area = at_level(venue.area_code, rule.unit)
        kind, venues = by_area.get(area, (level, []))
        by_area[area] = (kind if STRICTNESS[kind] <= STRICTNESS[level] else level, [*venues, venue])
    return sorted(((kind, area, venues) for area, (kind, venues) in by_area.items()),
                  key=lambda found: (STRICTNESS[found[0]], found[1]))


@dataclass(frozen=True)
class _Proposal:
    kind: str
    areas: list[str]
    venues: list[Venue]
    reason: str


def _nearby(session: Session, home: str, at: datetime) -> list[tuple[str, str, Zone]]:
    """(area, regime, zone) of every zone over the home or an area above it that is proposed, active,
    or lifted at or after `at`: what a case's checks read, in one statement."""
    return [(str(code), str(regime), zone) for code, regime, zone in session.execute(
        select(ZoneArea.area_code, ZoneArea.regime, Zone).join(Zone, Zone.id == ZoneArea.zone_id)
        .where(ZoneArea.area_code.in_(ancestors(home)),
               Zone.state.in_(("proposed", "active")) | ((Zone.state == "lifted") & (Zone.lifted_at >= at))))]


def _containing(session: Session, nearby: list[tuple[str, str, Zone]], at: datetime) -> list[Zone]:
    """The zones over the home in force, or lifted at or after `at`, locked for the change."""
    ids = sorted({zone.id for _, _, zone in nearby
                  if zone.state == "active" or (zone.state == "lifted" and zone.lifted_at is not None
                                                and zone.lifted_at >= at)})
    if not ids:
        return []
    return list(session.scalars(select(Zone).where(Zone.id.in_(ids)).order_by(Zone.id).with_for_update()
                                .execution_options(populate_existing=True)))


def _covering(nearby: list[tuple[str, str, Zone]], wanted: list[_Proposal], area: str, regime: str) -> list[str]:
    """The kinds (as strict as they hold) of the zones proposed or active over the area or above it,
    those this case proposes included."""
    above = set(ancestors(area))
    held = [_effective(zone) for code, zone_regime, zone in nearby
            if code in above and zone_regime == regime and zone.state in ("proposed", "active")]
    return held + [p.kind for p in wanted if regime_of(p.kind) == regime and above.intersection(p.areas)]


def _positive_inside(session: Session, actor: Principal, zone: Zone, event: CaseConfirmed,
                     protocol: Protocol) -> None:
    reason = f"case {event.case_no} confirmed inside at {to_local(event.confirmed_at).isoformat(timespec='minutes')}"
    evidence = {"case_no": event.case_no}
    if zone.state == "lifted":
        # The lift raced the positive result (or was entered before it): the result wins.
        _reinstate(session, actor, zone, reason, evidence)
    elif zone.pending in ("lift", "downgrade"):
        _decide(session, actor, zone, "withdraw", event.confirmed_at, kind_before=zone.kind, kind_after=zone.kind,
                reason=f"{zone.pending} withdrawn: {reason}", evidence=evidence)
        _clear_pending(zone)
    if zone.kind == "controlled" and protocol.zones.positive_in_controlled_seals and zone.pending != "seal":
        zone.pending, zone.pending_on, zone.pending_at = "seal", local_day(event.confirmed_at), now()
        zone.pending_reason = reason
        _decide(session, actor, zone, "propose_seal", event.confirmed_at, kind_before="controlled",
                kind_after="sealed", reason=reason, evidence=evidence)


def _reinstate(session: Session, actor: Principal, zone: Zone, reason: str, evidence: dict[str, Any]) -> None:
    taken = _in_force(session, zone.area_codes, regime_of(zone.kind))
    blocked = sorted(code for code, other in taken.items() if other.id != zone.id)
    if blocked:
        evidence = {**evidence, "areas_held_elsewhere": blocked}
    zone.state, zone.lifted_at, zone.lifted_by = "active", None, None
    _clear_pending(zone)
    session.execute(update(ZoneArea).where(ZoneArea.zone_id == zone.id, ZoneArea.area_code.not_in(blocked))
                    .values(in_force=True))
    _decide(session, actor, zone, "lift_undone", now(), kind_before=zone.kind, kind_after=zone.kind,
            reason=f"lift undone: {reason}", evidence=evidence)


def _clear_pending(zone: Zone) -> None:
    zone.pending = zone.pending_on = zone.pending_at = zone.pending_reason = None


def _window_places(session: Session, case_id: int, skip: tuple[str, ...]) -> list[tuple[Venue, set[date]]]:
    """The venues of a case's exposure window where someone became its close contact, and the places
    it named in its interview, each with the local days the case was there; venues of the kinds in
    `skip` left out. Three statements."""
    days: dict[str, set[date]] = {}
    for reasons in session.scalars(select(Contact.reasons).where(Contact.case_id == case_id,
                                                                 Contact.degree == "close")):
        for r in reasons or ():
            if r.get("kind") == "venue" and r.get("venue_code"):
                seen = days.setdefault(str(r["venue_code"]), set())
                if r.get("from"):
                    seen.add(local_day(datetime.fromtimestamp(int(r["from"]), tz=UTC)))
    named: dict[int, set[date]] = {}
    for venue_id, start in session.execute(select(InvestigationPlace.venue_id, InvestigationPlace.start_at)
                                           .where(InvestigationPlace.case_id == case_id)):
        named.setdefault(int(venue_id), set()).add(local_day(start))
    if not days and not named:
        return []
    query = select(Venue).where(Venue.code.in_(sorted(days)) | Venue.id.in_(sorted(named))).order_by(Venue.id)
    return [(v, days.get(v.code, set()) | named.get(v.id, set())) for v in session.scalars(query)
            if v.kind not in skip]


def _risk_level(session: Session, event: CaseConfirmed, protocol: Protocol) -> str:
    """The risk level of the case's unit: the edition's for every home, or by the cases counted there
    (cumulative, and within the cluster window), in one statement."""
    rule = protocol.risk_areas
    if rule.home_level is not None:
        return rule.home_level
    area = at_level(event.area_code, rule.unit)
    since = event.confirmed_at - timedelta(days=rule.cluster_days)
    cumulative, recent = session.execute(
        select(func.count(), func.count().filter(Case.confirmed_at > since))
        .select_from(Case).join(Person, Person.id == Case.person_id)
        .where(Person.area_code.startswith(prefix(area), autoescape=True), Case.ruled_out_at.is_(None),
               Case.confirmed_at <= event.confirmed_at)).one()
    return "high" if (cumulative or 0) > rule.high_cumulative_cases and (recent or 0) >= rule.cluster_cases \
        else "medium"


# --- deciding ----------------------------------------------------------------------------------------


def approve(session: Session, actor: Principal, zone_id: int, *, at: datetime | None = None,
            area_codes: list[str] | None = None, note: str | None = None) -> ZoneDecision:
    """Approve what waits on a zone: a proposed zone comes into force (its areas as edited, if given);
    a proposed lift, downgrade or seal takes effect. The decision's time is `at` (taken on paper and
    entered later), never in the future."""
    zone = get_zone(session, actor, zone_id, need="approve_zones", lock=True)
    moment = _moment(at)
    if zone.state in ("lifted", "rejected"):
        raise Conflict(f"zone #{zone.id} is already {zone.state}: nothing to approve")
    if zone.state == "proposed":
        return _activate(session, actor, zone, moment, area_codes, note)
    if area_codes is not None:
        raise Invalid("the areas of a zone in force are not changed by approving its proposal", column="areas")
    if zone.pending is None:
        raise Conflict(f"zone #{zone.id} is in force with nothing proposed: nothing to approve")
    if zone.pending == "seal":
        return _seal(session, actor, zone, moment)
    if zone.pending == "lift":
        return lift(session, actor, zone.id, at=moment)
    return _downgrade(session, actor, zone, moment, note)


def _activate(session: Session, actor: Principal, zone: Zone, moment: datetime, area_codes: list[str] | None,
              note: str | None) -> ZoneDecision:
    if moment < zone.proposed_at:
        raise Invalid("a zone cannot be approved before it was proposed", column="at")
    regime = regime_of(zone.kind)
    if area_codes is not None:
        codes = sorted(set(area_codes))
        if not codes and not zone.venue_ids:
            raise Invalid("a zone needs at least one area or venue", column="areas")
        _areas_exist(session, actor, codes)
        if codes != zone.area_codes:
            before = list(zone.area_codes)
            session.execute(delete(ZoneArea).where(ZoneArea.zone_id == zone.id))
            for code in codes:
                session.add(ZoneArea(zone_id=zone.id, area_code=code, regime=regime, in_force=False))
            zone.area_codes = codes
            venues = list(session.scalars(select(Venue.area_code).where(Venue.id.in_(zone.venue_ids))))
            zone.scope_code = scope(codes + venues)
            _visible(actor, zone)
            _decide(session, actor, zone, "edit", moment, kind_before=zone.kind, kind_after=zone.kind,
                    reason=note, evidence={"areas_before": before})
            session.flush()
    superseded: list[Zone] = []
    for code, other in _in_force(session, zone.area_codes, regime).items():
        if other.id == zone.id:
            continue
        if STRICTNESS[other.kind] <= STRICTNESS[zone.kind]:
            raise Conflict(f"area {code} is already in zone #{other.id} ({other.kind}), as strict or stricter: "
                           "edit the areas or reject this proposal", column="areas")
        superseded.append(other)
    for other in {z.id: z for z in superseded}.values():
        _give_up(session, actor, other, zone, moment)
    zone.state, zone.approved_at, zone.approved_by, zone.kind_since = "active", moment, actor.username, moment
    session.execute(update(ZoneArea).where(ZoneArea.zone_id == zone.id).values(in_force=True))
    decision = _decide(session, actor, zone, "approve", moment, kind_after=zone.kind, reason=note)
    notices.draft(session, actor, zone, decision, "approve")
    return decision


def _give_up(session: Session, actor: Principal, weaker: Zone, stricter: Zone, moment: datetime) -> None:
    """Strictest wins: the weaker zone in force over the same areas gives them up (and ends when it
    has none left)."""
    taken = set(stricter.area_codes)
    session.execute(update(ZoneArea).where(ZoneArea.zone_id == weaker.id, ZoneArea.area_code.in_(sorted(taken)))
                    .values(in_force=False))
    left = [code for code in weaker.area_codes if code not in taken]
    before = list(weaker.area_codes)
    if left or weaker.venue_ids:
        weaker.area_codes = left
        _decide(session, actor, weaker, "edit", moment, kind_before=weaker.kind, kind_after=weaker.kind,
                reason=f"areas taken over by zone #{stricter.id} ({stricter.kind})", evidence={"areas_before": before})
        return
    weaker.state, weaker.lifted_at, weaker.lifted_by = "lifted", moment, actor.username
    _clear_pending(weaker)
    _decide(session, actor, weaker, "superseded", moment, kind_before=weaker.kind,
            reason=f"replaced by zone #{stricter.id} ({stricter.kind})", evidence={"by": stricter.id})


def reject(session: Session, actor: Principal, zone_id: int, *, reason: str,
           at: datetime | None = None) -> ZoneDecision:
    """Turn down a proposed zone, or a lift, downgrade or seal proposed on one in force."""
    zone = get_zone(session, actor, zone_id, need="approve_zones", lock=True)
    text = _reason(reason, "reason")
    moment = _moment(at)
    if zone.state == "proposed":
        zone.state = "rejected"
        return _decide(session, actor, zone, "reject", moment, kind_before=zone.kind, reason=text)
    if zone.state == "active" and zone.pending is not None:
        action = zone.pending
        _clear_pending(zone)
        return _decide(session, actor, zone, f"reject_{action}", moment, kind_before=zone.kind, kind_after=zone.kind,
                       reason=text)
    raise Conflict(f"zone #{zone.id} is {zone.state} with nothing proposed: nothing to reject")


def _seal(session: Session, actor: Principal, zone: Zone, moment: datetime) -> ZoneDecision:
    zone.kind, zone.kind_since = "sealed", moment
    zone.measures = list(current().zones.measures.get("sealed", ()))
    reason = zone.pending_reason
    _clear_pending(zone)
    decision = _decide(session, actor, zone, "seal", moment, kind_before="controlled", kind_after="sealed",
                       reason=reason)
    notices.draft(session, actor, zone, decision, "seal")
    return decision


def _downgrade(session: Session, actor: Principal, zone: Zone, moment: datetime, note: str | None) -> ZoneDecision:
    protocol = current()
    step = protocol.risk_areas.downgrade.get(zone.kind)  # type: ignore[call-overload]
    if step is None:
        raise Conflict(f"zone #{zone.id} ({zone.kind}) has no lower level")
    evaluation = evaluate(session, [zone], local_day(moment), protocol).get(zone.id)
    if evaluation is None or not evaluation.all_met:
        raise Conflict(f"the downgrade of zone #{zone.id} no longer holds: "
                       f"{', '.join(c.name for c in (evaluation.criteria if evaluation else []) if not c.met)}")
    before = zone.kind
    zone.kind, zone.kind_since, zone.downgraded = step.to, moment, True
    zone.measures = list(protocol.risk_areas.measures.get(step.to, ()))  # type: ignore[call-overload]
    _clear_pending(zone)
    if step.to == "low":
        zone.state, zone.lifted_at, zone.lifted_by = "lifted", moment, actor.username
        session.execute(update(ZoneArea).where(ZoneArea.zone_id == zone.id).values(in_force=False))
    decision = _decide(session, actor, zone, "downgrade", moment, kind_before=before, kind_after=step.to,
                       reason=note, evidence={"criteria": [c.as_json() for c in evaluation.criteria]})
    notices.draft(session, actor, zone, decision, "downgrade")
    _routine(session, actor, zone, moment)
    return decision


def lift(session: Session, actor: Principal, zone_id: int, *, at: datetime | None = None,
         override: str | None = None) -> ZoneDecision:
    """End a zone in force. Its criteria are evaluated on the day of `at`: unless every one holds, the
    lift needs a commander's override with a written reason (kept in the trail). A seal waiting on
    the zone (a positive result inside) refuses any lift: the result wins."""
    zone = get_zone(session, actor, zone_id, need="approve_zones", lock=True)
    moment = _moment(at)
    if zone.state != "active":
        raise Conflict(f"zone #{zone.id} is {zone.state}: only a zone in force can be lifted")
    if zone.pending == "seal":
        raise Conflict(f"zone #{zone.id} has a positive result inside waiting to seal it ({zone.pending_reason}): "
                       "the lift is refused")
    if zone.approved_at is not None and moment < zone.approved_at:
        raise Invalid("a zone cannot be lifted before it came into force", column="at")
    reason = None if override is None else _reason(override, "override")
    protocol = current()
    context = list(session.scalars(select(Zone).where(Zone.state == "active")))
    evaluation = evaluate(session, [zone], local_day(moment), protocol, context=context)[zone.id]
    unmet = [c for c in evaluation.criteria if not c.met]
    new_positive = [c for c in evaluation.criteria if c.name == "no_new_case" and not c.met]
    if new_positive and zone.pending == "lift":
        raise Conflict(f"a case or positive result inside zone #{zone.id} since its lift was proposed "
                       f"({', '.join(new_positive[0].evidence.get('positives', [])[-3:])}): the lift is refused")
    if unmet and reason is None:
        raise Conflict(f"zone #{zone.id} does not meet {', '.join(c.name for c in unmet)} on "
                       f"{local_day(moment).isoformat()}: a lift now needs an override with a written reason",
                       unmet=[c.as_json() for c in unmet])
    zone.state, zone.lifted_at, zone.lifted_by = "lifted", moment, actor.username
    _clear_pending(zone)
    session.execute(update(ZoneArea).where(ZoneArea.zone_id == zone.id).values(in_force=False))
    decision = _decide(session, actor, zone, "override_lift" if unmet else "lift", moment, kind_before=zone.kind,
                       reason=reason, evidence={"criteria": [c.as_json() for c in evaluation.criteria]})
    notices.draft(session, actor, zone, decision, "lift")
    _routine(session, actor, zone, moment)
    return decision


def _routine(session: Session, actor: Principal, zone: Zone, moment: datetime) -> None:
    """When no medium or high risk area remains in the county, it returns to routine: recorded once."""
    if zone.kind not in RISK_LEVELS:
        return
    county = zone.scope_code[:6]
    remaining = session.scalar(select(func.count()).select_from(Zone).where(
        Zone.state == "active", Zone.kind.in_(("high", "medium")), Zone.scope_code.startswith(county)))
    if remaining:
        return
    _decide(session, actor, None, "routine", moment, reason="no medium or high risk area remains",
            evidence={"last": zone.id}, county=county)


def routine_since(session: Session, actor: Principal, county: str) -> datetime | None:
    """When the county last returned to routine, if no medium or high area has come since."""
    require(actor, "read_zones")
    check_area(actor, county)
    last = session.scalar(select(func.max(ZoneDecision.at)).where(ZoneDecision.action == "routine",
                                                                  ZoneDecision.county_code == county))
    if last is None:
        return None
    later = session.scalar(select(func.count()).select_from(Zone).where(
        Zone.kind.in_(("high", "medium")), Zone.state == "active", Zone.scope_code.startswith(county)))
    return None if later else last


# --- a screening round over a zone ----------------------------------------------------------------

# Sampled at the door where nobody may leave home; at sampling points elsewhere.
DOOR_TO_DOOR = frozenset({"sealed", "high"})
MODE_NAMES = {"door_to_door": "入户采样", "points": "定点采样"}
KIND_NAMES = {"sealed": "封控区", "controlled": "管控区", "precaution": "防范区", "high": "高风险区",
              "medium": "中风险区", "low": "低风险区"}


@dataclass
class RoundOffer:
    """The round a zone's page offers: prefilled, not yet started."""

    code: str
    name: str
    area_codes: list[str]
    mode: str


def round_offer(session: Session, actor: Principal, zone_id: int) -> RoundOffer:
    """The round that would be started for the zone now: code, a Chinese name naming the zone, its
    areas, door to door or at points. Refused as `start_round` refuses."""
    zone = get_zone(session, actor, zone_id, need="manage_screening")
    return _offer(session, zone)


def _offer(session: Session, zone: Zone) -> RoundOffer:
    if zone.state != "active":
        raise Conflict(f"zone #{zone.id} is {zone.state}: a round is started for a zone in force only")
    if not zone.area_codes:
        raise Conflict(f"zone #{zone.id} is drawn over venues only: it has no residents to screen")
    running = session.scalar(
        select(ScreeningRound.code).join(ZoneRound, ZoneRound.round_id == ScreeningRound.id)
        .where(ZoneRound.zone_id == zone.id, ScreeningRound.deadline_at > now()).limit(1))
    if running is not None:
        raise Conflict(f"round {running} is still running for zone #{zone.id}: one round at a time")
    mode = "door_to_door" if zone.kind in DOOR_TO_DOOR else "points"
    names = {str(c): str(n) for c, n in session.execute(select(Area.code, Area.name)
                                                        .where(Area.code.in_(zone.area_codes)))}
    stamp = to_local(now()).strftime("%Y%m%d-%H%M")
    code = f"Z{zone.id}-{stamp}"
    taken = set(session.scalars(select(ScreeningRound.code).where(ScreeningRound.code.startswith(code))))
    n = 1
    while (code if n == 1 else f"{code}-{n}") in taken:
        n += 1
    areas = "、".join(names.get(c, c) for c in zone.area_codes[:5]) + ("等" if len(zone.area_codes) > 5 else "")
    name = f"{KIND_NAMES[zone.kind]}#{zone.id}（{areas}）全员核酸检测（{MODE_NAMES[mode]}）"
    return RoundOffer(code if n == 1 else f"{code}-{n}", name[:200], list(zone.area_codes), mode)


def start_round(session: Session, actor: Principal, zone_id: int, *, code: str | None = None,
                name: str | None = None) -> tuple[ZoneRound, ScreeningRound]:
    """Start the screening round over exactly the zone's residents (its areas), now: prefilled as
    `round_offer` gives it, the code and name as edited. Refused: a zone not in force, one over venues
    only, a round of the zone still running (before its deadline), a user without manage_screening
    or outside the jurisdiction. The zone's timeline records it; the criteria name it."""
    zone = get_zone(session, actor, zone_id, need="manage_screening", lock=True)
    offer = _offer(session, zone)
    moment = now()
    fields = RoundFields(code=(code or offer.code).strip(), name=(name or offer.name).strip(),
                         area_codes=offer.area_codes, starts_at=moment)
    found = create_round(session, actor, fields)
    record = ZoneRound(zone_id=zone.id, round_id=found.id, mode=offer.mode, started_at=moment,
                       started_by=actor.username)
    session.add(record)
    session.flush()
    _decide(session, actor, zone, "round", moment, kind_before=zone.kind, kind_after=zone.kind, reason=found.name,
            evidence={"round": found.code, "mode": offer.mode, "areas": offer.area_codes,
                      "deadline": found.deadline_at.isoformat()})
    return record, found


def zone_rounds(session: Session, actor: Principal, zone_id: int) -> list[tuple[ZoneRound, ScreeningRound]]:
    """The rounds started for a zone, newest first."""
    zone = get_zone(session, actor, zone_id)
    return [(r, s) for r, s in session.execute(
        select(ZoneRound, ScreeningRound).join(ScreeningRound, ScreeningRound.id == ZoneRound.round_id)
        .where(ZoneRound.zone_id == zone.id).order_by(ZoneRound.id.desc()))]


# --- the daily check -------------------------------------------------------------------------------


def check(session: Session, actor: Principal, day: date) -> list[ZoneView]:
    """The daily evaluation: every zone and risk area in force in the actor's jurisdiction against the
    edition's criteria on `day`. On the first day all hold, the lift (a risk area: the downgrade) is
    proposed for a commander; a proposal whose criteria no longer hold is withdrawn."""
    require(actor, "check_zones")
    protocol = current()
    zones = list(session.scalars(select(Zone).where(_in_force_on(day), in_jurisdiction(actor, Zone.scope_code))
                                 .with_for_update()))
    views = _views(session, zones, day, protocol)
    end = min(day_bounds(day)[1] - timedelta(seconds=1), now())
    made: list[ZoneDecision] = []  # written together: a county's check proposes hundreds at once
    for view in views:
        zone, evaluation = view.zone, view.evaluation
        if evaluation is None or zone.state != "active" or evaluation.action is None:
            continue
        if evaluation.all_met and zone.pending is None:
            zone.pending, zone.pending_on, zone.pending_at = evaluation.action, day, now()
            zone.pending_reason = f"every criterion of {protocol.edition} holds on {day.isoformat()}"
            target = evaluation.to_kind if evaluation.action == "downgrade" else zone.kind
            made.append(_decision(actor, zone, f"propose_{evaluation.action}", end, kind_before=zone.kind,
                                  kind_after=target, reason=zone.pending_reason,
                                  evidence={"criteria": [c.as_json() for c in evaluation.criteria]}))
        elif not evaluation.all_met and zone.pending == evaluation.action and zone.pending_on is not None \
                and zone.pending_on <= day:
            unmet = ", ".join(c.name for c in evaluation.criteria if not c.met)
            made.append(_decision(actor, zone, "withdraw", end, kind_before=zone.kind, kind_after=zone.kind,
                                  reason=f"{zone.pending} withdrawn: {unmet} no longer holds on {day.isoformat()}"))
            _clear_pending(zone)
    session.add_all(made)
    session.flush()
    for decision in made:
        _audit(session, actor, decision)
    session.flush()
    return views


def last_daily_run(session: Session, actor: Principal) -> DailyRun | None:
    """The server's latest daily check (fangyi.daily): its day, how it ended, its error if it failed."""
    require(actor, "check_zones")
    found = daily_runs(session, DAILY_CHECK, limit=1)
    return found[0] if found else None


DAILY_CHECK = "zones-check"


def daily_check(session: Session, day: date) -> list[ZoneView]:
    """The check the server runs each day (fangyi.daily), as `fangyi zones check` does: as SYSTEM,
    over the whole county."""
    return check(session, SYSTEM, day)


# --- notices -----------------------------------------------------------------------------------------


def edit_notice(session: Session, actor: Principal, zone_id: int, *, title: str, body: str) -> ZoneNotice:
    """A new version of the zone's latest notice, as edited."""
    zone = get_zone(session, actor, zone_id, need="edit_notices")
    latest = session.scalar(select(ZoneNotice).where(ZoneNotice.zone_id == zone.id)
                            .order_by(ZoneNotice.decision_id.desc(), ZoneNotice.version.desc()).limit(1))
    if latest is None:
        raise Conflict(f"zone #{zone.id} has no notice yet: one is drafted when it is approved")
    title, body = title.strip(), body.strip()
    if not title or len(title) > 200:
        raise Invalid("a title of 1 to 200 characters is required", column="title")
    if not body or len(body) > 20000:
        raise Invalid("a text of 1 to 20,000 characters is required", column="body")
    notice = ZoneNotice(zone_id=zone.id, decision_id=latest.decision_id, version=latest.version + 1, title=title,
                        body=body, written_by=actor.username, written_at=now())
    session.add(notice)
    session.flush()
    audit.record(session, actor, "edit", "zone_notice", notice.id,
                 before={"version": latest.version, "title": latest.title, "body": latest.body},
                 after={"version": notice.version, "title": title, "body": body})
    return notice


# --- figures ------------------------------------------------------------------------------------------


def counts(session: Session, actor: Principal, day: date, kinds: tuple[str, ...]) -> dict[str, int]:
    """How many zones of each kind were in force at the end of `day`, within the actor's jurisdiction,
    each counted by the kind it had then (a zone sealed or downgraded since counts as it was)."""
    found: dict[str, int] = dict.fromkeys(kinds, 0)
    for then in as_of(session, day, in_jurisdiction(actor, Zone.scope_code)).values():
        if then.in_force and then.kind in found:
            found[then.kind] += 1
    return found


# The decisions that change a zone's kind or whether it is in force.
_HISTORY = ("approve", "seal", "downgrade", "lift", "override_lift", "superseded", "lift_undone")


@dataclass
class Then:
    """A zone as it stood at the end of a past day, rebuilt from its decisions."""

    kind: str
    in_force: bool
    kind_since: datetime | None
    downgraded: bool


def as_of(session: Session, day: date, *where: Any) -> dict[int, Then]:
    """Every zone approved by the end of `day` that may have been in force then (not lifted for good
    before it), with its kind and state at that moment, replayed from its decisions in the order
    they took effect (a zone with no approval on record, loaded in bulk: as its record says). One
    statement, whatever the number of zones."""
    end = day_bounds(day)[1]
    step = ZoneDecision
    rows = session.execute(
        select(Zone.id, Zone.kind, Zone.kind_since, Zone.downgraded, step.action, step.kind_after, step.at)
        .outerjoin(step, (step.zone_id == Zone.id) & step.action.in_(_HISTORY) & (step.at < end))
        .where(Zone.approved_at < end, Zone.lifted_at.is_(None) | (Zone.lifted_at >= end),
               Zone.state.in_(("active", "lifted")), *where)
        .order_by(Zone.id, step.at, step.id))
    found: dict[int, Then] = {}
    for zone_id, kind, kind_since, downgraded, action, kind_after, at in rows:
        then = found.get(int(zone_id))
        if then is None or action == "approve":
            then = found[int(zone_id)] = Then(str(kind), True, kind_since, bool(downgraded))
        if action == "approve":
            then.kind, then.kind_since, then.downgraded = str(kind_after or kind), at, False
        elif action in ("seal", "downgrade") and kind_after:
            then.kind, then.kind_since, then.downgraded = str(kind_after), at, action == "downgrade"
            then.in_force = then.kind != "low"
        elif action == "lift_undone":
            then.in_force = True
        elif action is not None:
            then.in_force = False
    return found

