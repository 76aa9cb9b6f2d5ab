"""What the workforce part does, and what other parts may ask of it.

Every function takes the session and the acting principal first, checks the permission and the
jurisdiction of every record it reads, writes or is named (a post lies at its area, a person at
their institution's), audits every write, and raises DomainError.

Limits: a change by hand that puts a person at two posts at once is refused; one that breaks a rest
or hours rule of the edition is refused with the rules it breaks (`Conflict`, `warnings`) unless
it carries a reason, and then saved with it. The suggested roster (`suggest`) breaks none.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require, sees
from fangyi.areacodes import prefix
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.protocols.reader import Protocol, current
from fangyi.quarantine.models import QuarantineSite
from fangyi.registry.models import Area, Person
from fangyi.screening.models import Sample, SamplingPoint, ScreeningRound, Tube
from fangyi.timeutil import day_bounds, now, to_local
from fangyi.workforce import roster
from fangyi.workforce.kinds import INSTITUTION_KINDS, POST_KINDS, QUALIFICATIONS, TEAM_KINDS
from fangyi.workforce.limits import Breach, Interval, breaches, new_breaches
from fangyi.workforce.models import (
    Absence,
    Assignment,
    Institution,
    Need,
    Post,
    Staff,
    Team,
    TeamMember,
)
from fangyi.workforce.rules import Rules, Slot, rules, slot, slots, week_of

MAX_REASON = 500
# How early before its start a shift may be checked in for.
CHECK_IN_EARLY = timedelta(hours=1)
# A person's shifts this far around a change are read to check rest and weekly hours.
AROUND = timedelta(days=8)


def _text(value: str | None, column: str, width: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"{column} is required", column=column)
    if len(text) > width:
        raise Invalid(f"{column} is longer than {width} characters", column=column)
    return text


def _choice(value: str, allowed: Sequence[str], column: str) -> str:
    if value not in allowed:
        raise Invalid(f"{column} {value!r} is not one of {', '.join(allowed)}", column=column)
    return value


def qualifications_of(raw: str | Iterable[str]) -> list[str]:
    """Qualifications as given (space-separated, or a list), checked, in the canonical order."""
    given = raw.split() if isinstance(raw, str) else list(raw)
    if not given:
        raise Invalid("qualification is required", column="qualification")
    unknown = [q for q in given if q not in QUALIFICATIONS]
    if unknown:
        raise Invalid(f"qualification {unknown[0]!r} is not one of {' '.join(QUALIFICATIONS)}",
                      column="qualification")
    return [q for q in QUALIFICATIONS if q in given]


def _area(session: Session, actor: Principal, code: str) -> Area:
    found = session.get(Area, code)
    if found is None:
        raise NotFound(f"area {code} is not in the registry", column="area_code")
    check_area(actor, code)
    return found


# --- institutions and staff ------------------------------------------------------------------------


def create_institution(session: Session, actor: Principal, *, code: str, name: str, kind: str,
                       area_code: str) -> Institution:
    require(actor, "manage_workforce")
    _area(session, actor, area_code)
    code, name = _text(code, "code", 40), _text(name, "name", 200)
    _choice(kind, INSTITUTION_KINDS, "kind")
    if session.scalar(select(Institution.id).where(or_(Institution.code == code, Institution.name == name))):
        raise Conflict(f"an institution with code {code} or name {name} exists already")
    found = Institution(code=code, name=name, kind=kind, area_code=area_code)
    session.add(found)
    session.flush()
    audit.record(session, actor, "create", "workforce_institution", found.id, after=audit.snapshot(found))
    return found


def list_institutions(session: Session, actor: Principal) -> list[Institution]:
    require(actor, "read_workforce")
    return list(session.scalars(select(Institution).where(in_jurisdiction(actor, Institution.area_code))
                                .order_by(Institution.code)))


def institution_by_name(session: Session, actor: Principal, name: str) -> Institution | None:
    """An institution by its code or name, within the actor's jurisdiction."""
    found = session.scalar(select(Institution).where(or_(Institution.name == name, Institution.code == name)))
    return found if found is not None and sees(actor, found.area_code) else None


def create_staff(session: Session, actor: Principal, *, name: str, phone: str, institution: str,
                 qualifications: str | Iterable[str], user_id: int | None = None,
                 import_id: int | None = None) -> Staff:
    require(actor, "manage_workforce")
    name, phone = _text(name, "name", 100), _phone(phone)
    quals = qualifications_of(qualifications)
    home = institution_by_name(session, actor, institution.strip())
    if home is None:
        raise NotFound(f"institution {institution} not found in your jurisdiction", column="institution")
    if session.scalar(select(Staff.id).where(Staff.phone == phone)):
        raise Conflict(f"a person with phone {phone} is on the staff list already", column="phone")
    if user_id is not None and session.scalar(select(Staff.id).where(Staff.user_id == user_id)):
        raise Conflict("that account belongs to another person of the staff list already", column="user")
    person = Staff(name=name, phone=phone, institution_id=home.id, area_code=home.area_code, qualifications=quals,
                   user_id=user_id, import_id=import_id)
    session.add(person)
    session.flush()
    audit.record(session, actor, "create", "workforce_staff", person.id, after=audit.snapshot(person))
    return person


def _phone(raw: str | None) -> str:
    phone = (raw or "").strip().replace(" ", "").replace("-", "")
    if not phone:
        raise Invalid("phone is required", column="phone")
    if not phone.isdigit() or not 5 <= len(phone) <= 20:
        raise Invalid(f"phone {raw!r} is not a phone number (digits only)", column="phone")
    return phone


R = TypeVar("R", Staff, Post)


def _one(session: Session, actor: Principal, model: type[R], record_id: int, need: str, lock: bool) -> R:
    """A staff member or post by id, within the actor's jurisdiction (else not found), row-locked
    when it is about to change."""
    require(actor, need)
    query = select(model).where(model.id == record_id)  # type: ignore[attr-defined]
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound("not found in your jurisdiction")
    check_area(actor, found.area_code)  # type: ignore[attr-defined]
    return found


def get_staff(session: Session, actor: Principal, staff_id: int, *, need: str = "read_workforce",
              lock: bool = False) -> Staff:
    return _one(session, actor, Staff, staff_id, need, lock)


def list_staff(session: Session, actor: Principal, *, qualification: str | None = None, offset: int = 0,
               limit: int = 100) -> tuple[list[Staff], int]:
    require(actor, "read_workforce")
    query = select(Staff).where(in_jurisdiction(actor, Staff.area_code), Staff.active.is_(True))
    found = [s for s in session.scalars(query.order_by(Staff.id))
             if qualification is None or qualification in s.qualifications]
    return found[offset:offset + limit], len(found)


def staff_of_user(session: Session, actor: Principal) -> Staff | None:
    """The staff record of the signed-in person, when they have one."""
    require(actor, "own_shifts")
    return session.scalar(select(Staff).where(Staff.user_id == actor.id)) if actor.id else None


def institutions_of(session: Session, people: Iterable[Staff]) -> dict[int, Institution]:
    ids = {p.institution_id for p in people}
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(Institution).where(Institution.id.in_(ids)))}


# --- posts and needs -------------------------------------------------------------------------------


def create_post(session: Session, actor: Principal, *, code: str, name: str, kind: str, area_code: str,
                point_code: str | None = None, site_code: str | None = None,
                needs: dict[str, dict[str, int]] | None = None) -> Post:
    """A post, and what it needs per shift: {shift: {qualification: count}}."""
    require(actor, "manage_workforce")
    code, name = _text(code, "code", 40), _text(name, "name", 200)
    _choice(kind, POST_KINDS, "kind")
    _area(session, actor, area_code)
    point_id = site_id = None
    if point_code:
        point = session.scalar(select(SamplingPoint).where(SamplingPoint.code == point_code))
        if point is None or not sees(actor, point.area_code):
            raise NotFound(f"sampling point {point_code} not found in your jurisdiction", column="point")
        point_id = point.id
    if site_code:
        site = session.scalar(select(QuarantineSite).where(QuarantineSite.code == site_code))
        if site is None or not sees(actor, site.area_code):
            raise NotFound(f"quarantine site {site_code} not found in your jurisdiction", column="site")
        site_id = site.id
    if session.scalar(select(Post.id).where(Post.code == code)):
        raise Conflict(f"a post with code {code} exists already", column="code")
    post = Post(code=code, name=name, kind=kind, area_code=area_code, point_id=point_id, site_id=site_id)
    session.add(post)
    session.flush()
    audit.record(session, actor, "create", "workforce_post", post.id, after=audit.snapshot(post))
    if needs:
        set_needs(session, actor, post.id, needs)
    return post


def get_post(session: Session, actor: Principal, post_id: int, *, need: str = "read_workforce",
             lock: bool = False) -> Post:
    return _one(session, actor, Post, post_id, need, lock)


def list_posts(session: Session, actor: Principal) -> list[Post]:
    require(actor, "read_workforce")
    return list(session.scalars(select(Post).where(in_jurisdiction(actor, Post.area_code), Post.removed_at.is_(None))
                                .order_by(Post.code)))


def set_needs(session: Session, actor: Principal, post_id: int, needs: dict[str, dict[str, int]]) -> list[Need]:
    """Replace a post's standing needs: {shift: {qualification: count}} (a shift left out needs nobody)."""
    post = get_post(session, actor, post_id, need="manage_workforce")
    found = rules()
    for shift, per in needs.items():
        _choice(shift, found.codes, "shift")
        for qualification, count in per.items():
            _choice(qualification, QUALIFICATIONS, "qualification")
            if not 0 <= count <= 500:
                raise Invalid(f"a need of {count} people is outside 0 to 500", column="count")
    standing = list(session.scalars(select(Need).where(Need.post_id == post.id, Need.day.is_(None))))
    before = {f"{n.shift}/{n.qualification}": n.count for n in standing}
    for need in standing:
        session.delete(need)
    session.flush()
    made = [Need(post_id=post.id, qualification=q, shift=shift, day=None, count=count)
            for shift, per in needs.items() for q, count in per.items() if count > 0]
    session.add_all(made)
    session.flush()
    audit.record(session, actor, "set_needs", "workforce_post", post.id, before=before,
                 after={f"{n.shift}/{n.qualification}": n.count for n in made})
    return made


def remove_post(session: Session, actor: Principal, post_id: int) -> int:
    """Remove a post: the shifts of people rostered to it from now on move to unassigned (kept, with
    the post they were at), never lost. Answers how many moved."""
    post = get_post(session, actor, post_id, need="manage_workforce", lock=True)
    if post.removed_at is not None:
        raise Conflict(f"post {post.code} was removed already")
    moment = now()
    post.removed_at = moment
    moved = list(session.scalars(select(Assignment).where(Assignment.post_id == post.id, Assignment.ends_at > moment)))
    for entry in moved:
        entry.former_post_id, entry.post_id = post.id, None
    session.flush()
    audit.record(session, actor, "remove", "workforce_post", post.id, after={"unassigned": [e.id for e in moved]})
    return len(moved)


def _needs_in(session: Session, posts: Sequence[Post], week_slots: Sequence[Slot]) -> dict[roster.NeedKey, int]:
    """Each post's need per slot and qualification: a day's own need (a round's) over the standing one."""
    if not posts or not week_slots:
        return {}
    ids = [p.id for p in posts]
    days = sorted({s.day for s in week_slots})
    rows = list(session.scalars(select(Need).where(Need.post_id.in_(ids),
                                                   or_(Need.day.is_(None), Need.day.in_(days)))))
    standing: dict[tuple[int, str, str], int] = {}
    dated: dict[tuple[int, str, str, date], int] = {}
    for need in rows:
        if need.day is None:
            standing[need.post_id, need.shift, need.qualification] = need.count
        else:
            dated[need.post_id, need.shift, need.qualification, need.day] = need.count
    out: dict[roster.NeedKey, int] = {}
    for t, s in enumerate(week_slots):
        for (post, shift, q), count in standing.items():
            if shift == s.code:
                out[roster.NeedKey(post, t, q)] = count
        for (post, shift, q, day), count in dated.items():
            if shift == s.code and day == s.day:
                out[roster.NeedKey(post, t, q)] = count
    return {key: count for key, count in out.items() if count > 0}


# --- a screening round's needs ---------------------------------------------------------------------


@dataclass
class RoundNeeds:
    round: ScreeningRound
    residents: int
    samplers: int  # sampler-shifts over the round
    points_needed: tuple[int, int]  # fewest and most points the edition asks for
    posts: list[Post]
    needs: dict[tuple[int, date, str], int] = field(default_factory=dict)  # (post, day, shift) -> samplers

    @property
    def points_short(self) -> int:
        return max(self.points_needed[0] - len(self.posts), 0)


def round_needs(session: Session, actor: Principal, round_code: str, *, protocol: Protocol | None = None) -> RoundNeeds:
    """Set the sampler needs of a round's sampling posts from its size: one sampler-shift per the
    edition's residents per sampler, spread evenly over the round's sampling posts and the shifts
    its window covers; the edition's residents per point say how many points it should have."""
    require(actor, "manage_workforce")
    edition = protocol or current()
    found = session.scalar(select(ScreeningRound).where(ScreeningRound.code == round_code))
    if found is None or not all(sees(actor, code) for code in found.area_codes):
        raise NotFound(f"round {round_code} not found in your jurisdiction")
    under = or_(*(Person.area_code.startswith(prefix(code), autoescape=True) for code in found.area_codes))
    residents = int(session.scalar(select(func.count()).select_from(Person)
                                   .where(Person.merged_into_id.is_(None), under)) or 0)
    per_point = edition.screening.residents_per_point
    samplers = math.ceil(residents / edition.screening.residents_per_sampler)
    points = (math.ceil(residents / per_point[1]), math.ceil(residents / per_point[0]))
    post_under = or_(*(Post.area_code.startswith(prefix(code), autoescape=True) for code in found.area_codes))
    posts = list(session.scalars(select(Post).where(Post.kind == "sampling_point", Post.removed_at.is_(None),
                                                    post_under).order_by(Post.code)))
    result = RoundNeeds(found, residents, samplers, points, posts)
    found_rules = rules(edition)
    first = to_local(found.starts_at).date() - timedelta(days=1)
    span = (to_local(found.deadline_at).date() - first).days + 1
    window = [s for s in slots(found_rules, first, span)
              if s.starts_at < found.deadline_at and found.starts_at < s.ends_at]
    cells = [(p.id, s.day, s.code) for s in window for p in posts]
    if cells:
        base, extra = divmod(samplers, len(cells))
        for n, cell in enumerate(cells):
            result.needs[cell] = base + (1 if n < extra else 0)
    old = list(session.scalars(select(Need).where(Need.round_id == found.id)))
    for need in old:
        session.delete(need)
    session.flush()
    for (post_id, day, shift), count in result.needs.items():
        clash = session.scalar(select(Need).where(Need.post_id == post_id, Need.day == day, Need.shift == shift,
                                                  Need.qualification == "sampler"))
        if clash is not None:
            session.delete(clash)
            session.flush()
        session.add(Need(post_id=post_id, qualification="sampler", shift=shift, day=day, count=count,
                         round_id=found.id))
    session.flush()
    audit.record(session, actor, "round_needs", "screening_round", found.id,
                 after={"residents": residents, "samplers": samplers, "points_needed": list(points),
                        "posts": [p.code for p in posts]})
    return result


# --- roster entries by hand ------------------------------------------------------------------------


def _slot(found: Rules, day: date, shift: str) -> Slot:
    made = slot(found, day, shift)
    if made is None:
        raise Invalid(f"shift {shift!r} is not one of {', '.join(found.codes)}", column="shift")
    return made


def _around(session: Session, staff_id: int, start: datetime, end: datetime) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.staff_id == staff_id,
                                                         Assignment.starts_at < end + AROUND,
                                                         Assignment.ends_at > start - AROUND)))


def _post_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {int(i): str(n) for i, n in session.execute(select(Post.id, Post.name).where(Post.id.in_(wanted)))}


def assign(session: Session, actor: Principal, *, staff_id: int, post_id: int, day: date, shift: str,
           qualification: str | None = None, reason: str | None = None) -> tuple[Assignment, list[Breach]]:
    """Roster one person at one post for one shift. Two posts at once: refused. A rest or hours rule
    broken: refused with the rules it breaks, unless a reason is given (then saved with it)."""
    post = get_post(session, actor, post_id, need="manage_workforce")
    if post.removed_at is not None:
        raise Conflict(f"post {post.code} was removed")
    person = get_staff(session, actor, staff_id, need="manage_workforce", lock=True)
    if not person.active:
        raise Conflict(f"{person.name} is no longer on the staff list")
    found = rules()
    target = _slot(found, day, shift)
    if qualification is None:
        qualification = _fitting(session, post, target, person)
    elif qualification not in person.qualifications:
        raise Invalid(f"{person.name} does not hold {qualification}", column="qualification")
    note = (reason or "").strip() or None
    if note is not None and len(note) > MAX_REASON:
        raise Invalid(f"reason is longer than {MAX_REASON} characters", column="reason")
    others = _around(session, person.id, target.starts_at, target.ends_at)
    waiting = next((a for a in others if a.post_id is None and a.starts_at == target.starts_at
                    and a.ends_at == target.ends_at), None)
    others = [a for a in others if a is not waiting]
    names = _post_names(session, (a.post_id for a in others))
    for other in others:
        if other.starts_at < target.ends_at and target.starts_at < other.ends_at:
            where = names.get(other.post_id or 0, "unassigned")
            raise Conflict(f"{person.name} is rostered at {where} from {to_local(other.starts_at):%Y-%m-%d %H:%M} "
                           f"to {to_local(other.ends_at):%H:%M}, which overlaps this shift", column="staff")
    broken = [b for b in new_breaches([(a.starts_at, a.ends_at) for a in others],
                                      (target.starts_at, target.ends_at), found) if not b.refused]
    if broken and note is None:
        raise Conflict("this shift breaks the edition's limits: " + "; ".join(b.detail for b in broken)
                       + ". Give a reason to save it anyway", column="reason",
                       warnings=[{"rule": b.rule, "detail": b.detail} for b in broken])
    if waiting is not None:
        before = audit.snapshot(waiting)
        waiting.post_id, waiting.qualification, waiting.override = post.id, qualification, note if broken else None
        waiting.source = "hand"
        session.flush()
        audit.record(session, actor, "assign", "workforce_assignment", waiting.id, before=before,
                     after=audit.snapshot(waiting), note=note)
        return waiting, broken
    entry = Assignment(staff_id=person.id, post_id=post.id, qualification=qualification, day=target.day,
                       shift=target.code, starts_at=target.starts_at, ends_at=target.ends_at, source="hand",
                       override=note if broken else None, created_by=actor.username)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "assign", "workforce_assignment", entry.id, after=audit.snapshot(entry), note=note)
    return entry, broken


def _fitting(session: Session, post: Post, target: Slot, person: Staff) -> str:
    """The qualification a person fills at a post in a shift: one the post needs then, else their first."""
    needed = _needs_in(session, [post], [target])
    for key in needed:
        if key.qualification in person.qualifications:
            return key.qualification
    return str(person.qualifications[0])


def get_assignment(session: Session, actor: Principal, assignment_id: int, *, need: str = "read_workforce",
                   lock: bool = False) -> Assignment:
    require(actor, need)
    query = select(Assignment).where(Assignment.id == assignment_id)
    if lock:
        query = query.with_for_update()
    entry = session.scalar(query)
    if entry is None:
        raise NotFound("not found in your jurisdiction")
    person = session.get(Staff, entry.staff_id)
    post = session.get(Post, entry.post_id) if entry.post_id else None
    area = post.area_code if post is not None else person.area_code if person is not None else None
    check_area(actor, area)
    return entry


def unassign(session: Session, actor: Principal, assignment_id: int) -> None:
    entry = get_assignment(session, actor, assignment_id, need="manage_workforce", lock=True)
    if entry.checked_in_at is not None:
        raise Conflict("this shift was checked in for: it stays on the record")
    before = audit.snapshot(entry)
    session.delete(entry)
    session.flush()
    audit.record(session, actor, "unassign", "workforce_assignment", assignment_id, before=before)


def add_absence(session: Session, actor: Principal, staff_id: int, *, starts_at: datetime, ends_at: datetime,
                reason: str) -> Absence:
    """A time a person cannot be rostered (leave, sick): the suggestion gives them no shift in it.
    Shifts they hold in it already stay, and are named in the answer's audit entry."""
    person = get_staff(session, actor, staff_id, need="manage_workforce")
    if ends_at <= starts_at:
        raise Invalid("an absence ends after it starts", column="ends_at")
    if ends_at - starts_at > timedelta(days=366):
        raise Invalid("an absence is at most a year long", column="ends_at")
    found = Absence(staff_id=person.id, starts_at=starts_at, ends_at=ends_at, reason=_text(reason, "reason", 200))
    session.add(found)
    session.flush()
    held = list(session.scalars(select(Assignment.id).where(Assignment.staff_id == person.id,
                                                            Assignment.starts_at < ends_at,
                                                            Assignment.ends_at > starts_at)))
    audit.record(session, actor, "create", "workforce_absence", found.id,
                 after={**audit.snapshot(found), "shifts_held_in_it": held})
    return found


# --- check-in and one's own shifts -----------------------------------------------------------------


def my_shifts(session: Session, actor: Principal, *, start: date,
              days: int = 14) -> tuple[Staff | None, list[Assignment]]:
    me = staff_of_user(session, actor)
    if me is None:
        return None, []
    begin, end = day_bounds(start)[0], day_bounds(start + timedelta(days=days - 1))[1]
    return me, list(session.scalars(select(Assignment).where(Assignment.staff_id == me.id,
                                                             Assignment.ends_at > begin, Assignment.starts_at < end)
                                    .order_by(Assignment.starts_at)))


def check_in(session: Session, actor: Principal, assignment_id: int, *, at: datetime | None = None) -> Assignment:
    """One tap on the phone: the signed-in person checks in for their own shift, from an hour before
    it starts until it ends. A second tap changes nothing."""
    me = staff_of_user(session, actor)
    entry = session.scalar(select(Assignment).where(Assignment.id == assignment_id).with_for_update())
    if me is None or entry is None or entry.staff_id != me.id:
        raise NotFound("not found among your shifts")
    if entry.checked_in_at is not None:
        return entry
    moment = at or now()
    if not entry.starts_at - CHECK_IN_EARLY <= moment < entry.ends_at:
        raise Conflict(f"this shift runs from {to_local(entry.starts_at):%Y-%m-%d %H:%M} to "
                       f"{to_local(entry.ends_at):%H:%M}: check in from an hour before it starts until it ends")
    entry.checked_in_at = moment
    session.flush()
    audit.record(session, actor, "check_in", "workforce_assignment", entry.id,
                 after={"checked_in_at": moment.isoformat()})
    return entry


# --- teams -----------------------------------------------------------------------------------------


def create_team(session: Session, actor: Principal, *, name: str, kind: str, leader_id: int,
                post_id: int | None, member_ids: Sequence[int]) -> Team:
    require(actor, "manage_workforce")
    name = _text(name, "name", 200)
    _choice(kind, TEAM_KINDS, "kind")
    leader = get_staff(session, actor, leader_id, need="manage_workforce")
    post = get_post(session, actor, post_id, need="manage_workforce") if post_id is not None else None
    members = [get_staff(session, actor, i, need="manage_workforce") for i in dict.fromkeys([leader_id, *member_ids])]
    team = Team(name=name, kind=kind, post_id=post.id if post else None, leader_id=leader.id,
                area_code=post.area_code if post else leader.area_code)
    session.add(team)
    session.flush()
    session.add_all(TeamMember(team_id=team.id, staff_id=m.id) for m in members)
    session.flush()
    audit.record(session, actor, "create", "workforce_team", team.id,
                 after={**audit.snapshot(team), "members": [m.id for m in members]})
    return team


def list_teams(session: Session, actor: Principal) -> list[tuple[Team, list[int]]]:
    require(actor, "read_workforce")
    teams = list(session.scalars(select(Team).where(in_jurisdiction(actor, Team.area_code)).order_by(Team.id)))
    members: dict[int, list[int]] = defaultdict(list)
    if teams:
        for team_id, staff_id in session.execute(select(TeamMember.team_id, TeamMember.staff_id)
                                                 .where(TeamMember.team_id.in_([t.id for t in teams]))):
            members[team_id].append(staff_id)
    return [(t, sorted(members[t.id])) for t in teams]


def _teams_of(session: Session, staff_ids: Iterable[int]) -> dict[int, Team]:
    ids = list(set(staff_ids))
    if not ids:
        return {}
    rows = session.execute(select(TeamMember.staff_id, Team).join(Team, Team.id == TeamMember.team_id)
                           .where(TeamMember.staff_id.in_(ids)).order_by(Team.id))
    return {int(staff_id): team for staff_id, team in rows}


# --- the suggested roster --------------------------------------------------------------------------


@dataclass
class Suggestion:
    week: date
    plan: roster.Plan
    posts: dict[int, Post]
    people: dict[int, Staff]
    saved: list[Assignment] = field(default_factory=list)


def suggest(session: Session, actor: Principal, week: date, *, apply: bool = False, seconds: float = 8.0,
            method: str = "solver") -> Suggestion:
    """A week's roster (Monday to Sunday) for the posts of the actor's jurisdiction from its staff:
    what is rostered already stays and counts; every remaining need is filled where it can be
    within every person's limits, night shifts spread; saved when `apply`."""
    require(actor, "manage_workforce")
    found = rules()
    monday = week_of(week)
    week_slots = slots(found, monday, 7)
    start, end = week_slots[0].starts_at, max(s.ends_at for s in week_slots)
    posts = list_posts(session, actor)
    needs = _needs_in(session, posts, week_slots)
    index = {(s.starts_at, s.ends_at): t for t, s in enumerate(week_slots)}
    for post_id, q, begins, ends in session.execute(
            select(Assignment.post_id, Assignment.qualification, Assignment.starts_at, Assignment.ends_at)
            .where(Assignment.post_id.in_([p.id for p in posts]), Assignment.starts_at >= start,
                   Assignment.starts_at < end)):
        t = index.get((begins, ends))
        key = roster.NeedKey(int(post_id or 0), t, str(q)) if t is not None else None
        if key is not None and key in needs:
            needs[key] -= 1
    needs = {key: count for key, count in needs.items() if count > 0}
    people = [p for p in session.scalars(select(Staff).where(in_jurisdiction(actor, Staff.area_code),
                                                             Staff.active.is_(True)).order_by(Staff.id))]
    held: dict[int, list[Interval]] = defaultdict(list)
    for staff_id, begins, ends in session.execute(
            select(Assignment.staff_id, Assignment.starts_at, Assignment.ends_at)
            .where(Assignment.starts_at < end + AROUND, Assignment.ends_at > start - AROUND)):
        held[int(staff_id)].append((begins, ends))
    away: dict[int, list[Interval]] = defaultdict(list)
    for staff_id, begins, ends in session.execute(select(Absence.staff_id, Absence.starts_at, Absence.ends_at)
                                                  .where(Absence.starts_at < end, Absence.ends_at > start)):
        away[int(staff_id)].append((begins, ends))
    teams = _teams_of(session, [p.id for p in people])
    candidates = [roster.Person(
        p.id, frozenset(p.qualifications), tuple(held.get(p.id, ())),
        frozenset(t for t, s in enumerate(week_slots)
                  if any(a < s.ends_at and s.starts_at < b for a, b in away.get(p.id, ()))),
        teams[p.id].post_id if p.id in teams else None) for p in people]
    order = [p.id for p in posts]
    if method == "greedy":
        plan = roster.greedy(candidates, week_slots, needs, found, post_order=order)
    else:
        plan = roster.suggest(candidates, week_slots, needs, found, seconds=seconds, post_order=order)
    result = Suggestion(monday, plan, {p.id: p for p in posts}, {p.id: p for p in people})
    if apply:
        for (staff_id, t), (post_id, q) in sorted(plan.placed.items(), key=lambda item: (item[0][1], item[0][0])):
            s = week_slots[t]
            entry = Assignment(staff_id=staff_id, post_id=post_id, qualification=q, day=s.day, shift=s.code,
                               starts_at=s.starts_at, ends_at=s.ends_at, source="suggested",
                               created_by=actor.username)
            result.saved.append(entry)
        session.add_all(result.saved)
        session.flush()
        audit.record(session, actor, "suggest_roster", "workforce_roster", monday.isoformat(),
                     after={"week": monday.isoformat(), "status": plan.status, "assignments": len(result.saved),
                            "uncovered": plan.uncovered, "ids": [a.id for a in result.saved]})
    return result


# --- reading the roster ----------------------------------------------------------------------------


@dataclass
class Cell:
    """One post's one shift: what it needs and who is rostered."""

    slot: Slot
    needs: dict[str, int]
    people: list[tuple[Assignment, Staff]]

    @property
    def need_total(self) -> int:
        return sum(self.needs.values())

    @property
    def short(self) -> dict[str, int]:
        have: dict[str, int] = defaultdict(int)
        for entry, _ in self.people:
            have[entry.qualification] += 1
        return {q: n - have.get(q, 0) for q, n in self.needs.items() if n > have.get(q, 0)}

    @property
    def covered(self) -> bool:
        return not self.short


def _cells(session: Session, posts: Sequence[Post], span_slots: Sequence[Slot]) -> dict[tuple[int, int], Cell]:
    needs = _needs_in(session, posts, span_slots)
    cells = {(p.id, t): Cell(s, {}, []) for p in posts for t, s in enumerate(span_slots)}
    for key, count in needs.items():
        cells[key.post, key.slot].needs[key.qualification] = count
    if not posts or not span_slots:
        return cells
    index = {(s.starts_at, s.ends_at): t for t, s in enumerate(span_slots)}
    rows = session.execute(select(Assignment, Staff).join(Staff, Staff.id == Assignment.staff_id)
                           .where(Assignment.post_id.in_([p.id for p in posts]),
                                  Assignment.starts_at >= span_slots[0].starts_at,
                                  Assignment.starts_at <= span_slots[-1].starts_at)
                           .order_by(Assignment.starts_at, Staff.name))
    for entry, person in rows:
        t = index.get((entry.starts_at, entry.ends_at))
        if t is not None and entry.post_id is not None:
            cells[entry.post_id, t].people.append((entry, person))
    return cells


@dataclass
class Grid:
    post: Post
    week: date
    slots: list[Slot]
    cells: dict[tuple[int, int], Cell]
    teams: dict[int, Team]

    @property
    def days(self) -> list[date]:
        return [self.week + timedelta(days=n) for n in range(7)]

    def cell(self, day: date, code: str) -> Cell | None:
        for t, s in enumerate(self.slots):
            if s.day == day and s.code == code:
                return self.cells.get((self.post.id, t))
        return None


def week_grid(session: Session, actor: Principal, post_id: int, week: date) -> Grid:
    post = get_post(session, actor, post_id)
    monday = week_of(week)
    week_slots = slots(rules(), monday, 7)
    cells = _cells(session, [post], week_slots)
    people = [person.id for cell in cells.values() for _, person in cell.people]
    return Grid(post, monday, week_slots, cells, _teams_of(session, people))


def unassigned(session: Session, actor: Principal) -> list[tuple[Assignment, Staff]]:
    """Shifts whose post was removed, from now on: to be given a post again."""
    require(actor, "read_workforce")
    rows = session.execute(select(Assignment, Staff).join(Staff, Staff.id == Assignment.staff_id)
                           .where(Assignment.post_id.is_(None), Assignment.ends_at > now(),
                                  in_jurisdiction(actor, Staff.area_code)).order_by(Assignment.starts_at))
    return [(a, s) for a, s in rows]


@dataclass
class Short:
    post: Post
    slot: Slot
    short: dict[str, int]
    rostered: int
    needed: int


def uncovered(session: Session, actor: Principal, *, start: datetime | None = None,
              hours: int = 24) -> list[Short]:
    """Every post's shift from `start` (now) for `hours` that lacks people, with what it lacks."""
    require(actor, "read_workforce")
    moment = start or now()
    found = rules()
    first = to_local(moment).date() - timedelta(days=1)
    days = hours // 24 + 3
    span_slots = [s for s in slots(found, first, days)
                  if s.ends_at > moment and s.starts_at < moment + timedelta(hours=hours)]
    posts = list_posts(session, actor)
    cells = _cells(session, posts, span_slots)
    out = []
    by_id = {p.id: p for p in posts}
    for (post_id, _), cell in sorted(cells.items(), key=lambda item: (item[1].slot.starts_at, by_id[item[0][0]].code)):
        if cell.short:
            out.append(Short(by_id[post_id], cell.slot, cell.short, len(cell.people), cell.need_total))
    return out


@dataclass
class Duty:
    post: Post
    slot: Slot
    people: list[tuple[Assignment, Staff]]
    short: dict[str, int]


@dataclass
class Overworked:
    staff: Staff
    breaches: list[Breach]


@dataclass
class Board:
    at: datetime
    duty: list[Duty]
    short_now: list[Short]
    short_next: list[Short]
    overworked: list[Overworked]
    unassigned: list[tuple[Assignment, Staff]]


def on_duty(session: Session, actor: Principal, *, at: datetime | None = None) -> Board:
    """Who is on duty at each post now and whether they checked in; posts short now and in the next
    24 hours; people past their limits this week; shifts waiting for a post."""
    require(actor, "read_workforce")
    moment = at or now()
    found = rules()
    posts = list_posts(session, actor)
    today_slots = [s for s in slots(found, to_local(moment).date() - timedelta(days=1), 3)
                   if s.starts_at <= moment < s.ends_at]
    cells = _cells(session, posts, today_slots)
    by_id = {p.id: p for p in posts}
    duty = [Duty(by_id[post_id], cell.slot, cell.people, cell.short)
            for (post_id, _), cell in sorted(cells.items(), key=lambda item: by_id[item[0][0]].code)]
    later = uncovered(session, actor, start=moment, hours=24)
    now_ends = {s.starts_at for s in today_slots}
    short_now = [s for s in later if s.slot.starts_at in now_ends]
    short_next = [s for s in later if s.slot.starts_at not in now_ends]
    return Board(moment, duty, short_now, short_next, _overworked(session, actor, moment), unassigned(session, actor))


def _overworked(session: Session, actor: Principal, moment: datetime) -> list[Overworked]:
    """People of the jurisdiction whose shifts this week break a limit (each saved with a reason)."""
    monday = week_of(to_local(moment).date())
    begin = day_bounds(monday)[0]
    rows = session.execute(select(Assignment.staff_id, Assignment.starts_at, Assignment.ends_at)
                           .join(Staff, Staff.id == Assignment.staff_id)
                           .where(in_jurisdiction(actor, Staff.area_code),
                                  Assignment.starts_at >= begin - timedelta(days=1),
                                  Assignment.starts_at < begin + timedelta(days=7)))
    shifts: dict[int, list[Interval]] = defaultdict(list)
    for staff_id, begins, ends in rows:
        shifts[int(staff_id)].append((begins, ends))
    found = rules()
    out = []
    for staff_id, intervals in shifts.items():
        broken = [b for b in breaches(intervals, found) if b.at >= begin]
        if broken:
            person = session.get(Staff, staff_id)
            if person is not None:
                out.append(Overworked(person, broken))
    return sorted(out, key=lambda o: o.staff.name)


# --- a positive pool's staff -----------------------------------------------------------------------


@dataclass
class Exposed:
    staff: Staff
    post: Post
    sampled_on: date
    test_days: list[date]


def positive_pool_staff(session: Session, actor: Principal, *, since: date) -> list[Exposed]:
    """Staff rostered at a sampling point while a pool that tested positive was sampled there, with
    the days the edition wants them tested."""
    require(actor, "read_workforce")
    found = rules()
    begin = day_bounds(since)[0]
    pools = session.execute(
        select(Tube.point_id, func.min(Sample.sampled_at), func.max(Sample.sampled_at))
        .join(Sample, Sample.tube_id == Tube.id)
        .where(Tube.result == "positive", Tube.pool_size > 1, Tube.point_id.is_not(None), Sample.sampled_at >= begin)
        .group_by(Tube.id, Tube.point_id))
    out: dict[tuple[int, date], Exposed] = {}
    for point_id, first, last in pools:
        rows = session.execute(
            select(Assignment, Staff, Post).join(Staff, Staff.id == Assignment.staff_id)
            .join(Post, Post.id == Assignment.post_id)
            .where(Post.point_id == point_id, Assignment.starts_at <= last, Assignment.ends_at > first,
                   in_jurisdiction(actor, Post.area_code)))
        for entry, person, post in rows:
            sampled_on = to_local(max(first, entry.starts_at)).date()
            key = (person.id, sampled_on)
            if key not in out:
                out[key] = Exposed(person, post, sampled_on,
                                   [sampled_on + timedelta(days=d) for d in found.positive_pool_test_days])
    return sorted(out.values(), key=lambda e: (e.sampled_on, e.staff.name))


# --- figures ---------------------------------------------------------------------------------------


def figures(session: Session, actor: Principal, day: date) -> dict[str, Any]:
    """The day's workforce figures within the actor's jurisdiction, flat: staff on duty (posted that
    day), posts' shifts left uncovered, staff posted by qualification and by institution (its name),
    each shift's posts covered of needed, check-ins, people over their limits this week."""
    found = rules()
    day_slots = slots(found, day, 1)
    posts = list(session.scalars(select(Post).where(in_jurisdiction(actor, Post.area_code),
                                                    or_(Post.removed_at.is_(None),
                                                        Post.removed_at >= day_bounds(day)[1]))))
    cells = _cells(session, posts, day_slots)
    covered = {s.code: 0 for s in day_slots}
    needed = {s.code: 0 for s in day_slots}
    posted: dict[int, Staff] = {}
    by_qualification = dict.fromkeys(QUALIFICATIONS, 0)
    check_ins = 0
    for cell in cells.values():
        if cell.need_total:
            needed[cell.slot.code] += 1
            covered[cell.slot.code] += int(cell.covered)
        for entry, person in cell.people:
            posted[person.id] = person
            by_qualification[entry.qualification] = by_qualification.get(entry.qualification, 0) + 1
            check_ins += int(entry.checked_in_at is not None)
    homes = institutions_of(session, posted.values())
    by_institution: dict[str, int] = defaultdict(int)
    for person in posted.values():
        home = homes.get(person.institution_id)
        by_institution[home.name if home is not None else str(person.institution_id)] += 1
    over = _overworked(session, actor, day_bounds(day)[1] - timedelta(seconds=1))
    return {
        "on_duty": len(posted),
        "posts_uncovered": sum(1 for c in cells.values() if c.need_total and not c.covered),
        **{f"posted_{q}": n for q, n in by_qualification.items()},
        **{f"covered_{code}": covered[code] for code in covered},
        **{f"needed_{code}": needed[code] for code in needed},
        "check_ins": check_ins,
        "over_limits": len(over),
        **dict(sorted(by_institution.items())),
    }


def staff_by_phone(session: Session, actor: Principal, phone: str) -> Staff:
    """A person of the staff list by their phone (as the assign form takes it), within the jurisdiction."""
    require(actor, "manage_workforce")
    found = session.scalar(select(Staff).where(Staff.phone == _phone(phone)))
    if found is None or not sees(actor, found.area_code):
        raise NotFound(f"nobody with phone {phone} on the staff list of your jurisdiction", column="phone")
    return found


def post_names(session: Session, actor: Principal, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of posts (removed ones too) the reader may see."""
    require(actor, "read_workforce")
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p.name for p in session.scalars(select(Post).where(Post.id.in_(wanted),
                                                                       in_jurisdiction(actor, Post.area_code)))}


def my_post_names(session: Session, actor: Principal, entries: Iterable[Assignment]) -> dict[int, str]:
    """The names of the posts of one's own shifts."""
    require(actor, "own_shifts")
    return _post_names(session, (e.post_id for e in entries))
