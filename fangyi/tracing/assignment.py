"""Giving derived contacts to tracers: by the area the person lives in, the most local tracer
first, and among equals the one given the fewest contacts today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.auth.roles import Role
from fangyi.registry.areas import AreaCodeError, prefix
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


def plan(session: Session, person_ids: Sequence[int], at: datetime | None = None) -> dict[int, int]:
    """Which tracer each of these persons' new contacts goes to: a tracer of the area the
    person lives in, the one given the fewest contacts that day. Persons in an area no
    tracer covers are left out: a coordinator assigns them by hand."""
    at = at or now()
    if not person_ids:
        return {}
    tracers = list(session.scalars(
        select(User).where(User.role == Role.tracer.value, User.active.is_(True)).order_by(User.id)
    ))
    if not tracers:
        return {}
    start, end = day_bounds(to_local(at).date())
    load: dict[int, int] = {t.id: 0 for t in tracers}
    for tracer_id, count in session.execute(
        select(Contact.assigned_to_id, func.count()).where(Contact.assigned_at >= start, Contact.assigned_at < end)
        .group_by(Contact.assigned_to_id)
    ):
        if tracer_id in load:
            load[tracer_id] = int(count)
    owners: dict[int, int] = {}
    choices_in: dict[str, list[User]] = {}  # many contacts live in few areas
    ordered = sorted(set(person_ids))
    for index in range(0, len(ordered), CHUNK):
        chunk = ordered[index : index + CHUNK]
        # Ids inlined and plain rows: tens of thousands of secondary contacts pass here.
        ids = ", ".join(str(int(i)) for i in chunk)
        for person_id, area_code in session.execute(
            text(f"SELECT id, area_code FROM persons WHERE id IN ({ids}) ORDER BY id")
        ):
            if area_code not in choices_in:
                choices_in[area_code] = _eligible(tracers, area_code)
            choices = choices_in[area_code]
            if choices:
                tracer = min(choices, key=lambda t: (load[t.id], t.id))
                load[tracer.id] += 1
                owners[person_id] = tracer.id
    return owners
