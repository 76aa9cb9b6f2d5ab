"""Giving derived contacts to tracers: by the area the person lives in, the most local tracer
first, and among equals the one given the fewest contacts today."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.auth.roles import Role
from fangyi.registry.areas import AreaCodeError, prefix
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds, now, to_local
from fangyi.tracing.derivation import CHUNK
from fangyi.tracing.models import Contact


def reach_of(user_area: str) -> str:
    try:
        return prefix(user_area)
    except AreaCodeError:
        return user_area


def _eligible(tracers: list[User], area_code: str) -> list[User]:
    """Tracers whose jurisdiction holds the area, the most local first."""
    inside = [t for t in tracers if area_code.startswith(reach_of(t.area_code))]
    deepest = max((len(reach_of(t.area_code)) for t in inside), default=0)
    return [t for t in inside if len(reach_of(t.area_code)) == deepest]


def assign_new(session: Session, case_id: int, at: datetime | None = None) -> int:
    """Give each unassigned contact of the case to a tracer of the area the person lives in,
    the one with the fewest contacts given today; returns how many were assigned."""
    at = at or now()
    tracers = list(session.scalars(
        select(User).where(User.role == Role.tracer.value, User.active.is_(True)).order_by(User.id)
    ))
    if not tracers:
        return 0
    waiting = session.execute(
        select(Contact.id, Person.area_code).join(Person, Person.id == Contact.person_id)
        .where(Contact.case_id == case_id, Contact.assigned_to_id.is_(None)).order_by(Contact.id)
    ).all()
    start, end = day_bounds(to_local(at).date())
    load: dict[int, int] = {t.id: 0 for t in tracers}
    for tracer_id, count in session.execute(
        select(Contact.assigned_to_id, func.count()).where(Contact.assigned_at >= start, Contact.assigned_at < end)
        .group_by(Contact.assigned_to_id)
    ):
        if tracer_id in load:
            load[tracer_id] = int(count)
    given: dict[int, list[int]] = {}
    for contact_id, area_code in waiting:
        choices = _eligible(tracers, area_code)
        if not choices:
            continue  # nobody covers that area: a coordinator assigns it by hand
        tracer = min(choices, key=lambda t: (load[t.id], t.id))
        load[tracer.id] += 1
        given.setdefault(tracer.id, []).append(contact_id)
    for tracer_id, ids in given.items():
        for index in range(0, len(ids), CHUNK):
            session.execute(
                update(Contact).where(Contact.id.in_(ids[index : index + CHUNK]))
                .values(assigned_to_id=tracer_id, assigned_at=at)
            )
    return sum(len(ids) for ids in given.values())
