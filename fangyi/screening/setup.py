"""Setting a round up: its areas, times and pool size; sampling points and teams; labs. A round or
a point is set up only over areas of the manager's jurisdiction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid
from fangyi.protocols.reader import current
from fangyi.registry.models import Area
from fangyi.screening.models import POINT_KINDS, Lab, SamplingPoint, ScreeningRound


@dataclass
class RoundFields:
    code: str
    name: str
    area_codes: list[str]
    starts_at: datetime
    deadline_at: datetime | None = None
    pool_size: int | None = None


AREA_LEVELS = ("county", "township", "village")  # what a round may cover
CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")  # a code goes into page addresses and handhelds' scans


def check_code_and_name(code: str, name: str) -> None:
    """Refused the same way from the API, the setup page and the command line."""
    # fullmatch: `$` would let a trailing newline through.
    if not CODE.fullmatch(code):
        raise Invalid(f"code {code!r}: 1-40 letters, digits, - or _", column="code")
    if not name.strip() or len(name) > 200 or "\x00" in name:  # PostgreSQL stores no NUL in text
        raise Invalid("a name of 1-200 characters is required", column="name")


def area_choices(session: Session, who: Principal, limit: int = 2000) -> list[Area]:
    """The areas a manager may set a round or a point up over: those of their jurisdiction."""
    require(who, "manage_screening")
    return list(session.scalars(select(Area).where(in_jurisdiction(who, Area.code), Area.level.in_(AREA_LEVELS))
                                .order_by(Area.code).limit(limit)))


def create_round(session: Session, actor: Principal, fields: RoundFields) -> ScreeningRound:
    """A round over some areas; without a deadline or pool size the protocol's are used."""
    require(actor, "manage_screening")
    check_code_and_name(fields.code, fields.name)
    rules = current().screening
    if not fields.area_codes:
        raise Invalid("a round covers at least one area", column="area_codes")
    for code in fields.area_codes:
        check_area(actor, code)
    for code in fields.area_codes:
        if session.get(Area, code) is None:
            raise Invalid(f"area {code} is not in the registry", column="area_codes")
    size = fields.pool_size or rules.pool_sizes[-2 if len(rules.pool_sizes) > 1 else -1]
    if size not in rules.pool_sizes:
        raise Invalid(f"pool size {size} is not one of {list(rules.pool_sizes)}", column="pool_size")
    deadline = fields.deadline_at or fields.starts_at + timedelta(hours=rules.round_deadline_hours)
    if deadline <= fields.starts_at:
        raise Invalid("the deadline comes before the start", column="deadline_at")
    if session.scalar(select(ScreeningRound.id).where(ScreeningRound.code == fields.code)) is not None:
        raise Conflict(f"round {fields.code} exists already")
    found = ScreeningRound(code=fields.code, name=fields.name, area_codes=list(fields.area_codes),
                           starts_at=fields.starts_at, deadline_at=deadline, pool_size=size)
    session.add(found)
    session.flush()
    audit.record(session, actor, "create", "screening_round", found.id, after=audit.snapshot(found))
    return found


def create_point(
    session: Session, actor: Principal, *, code: str, name: str, area_code: str, address: str | None = None,
    hours: str | None = None, kind: str = "fixed", staff: str | None = None,
) -> SamplingPoint:
    require(actor, "manage_screening")
    check_code_and_name(code, name)
    if kind not in POINT_KINDS:
        raise Invalid(f"kind must be one of {', '.join(POINT_KINDS)}", column="kind")
    check_area(actor, area_code)
    if session.get(Area, area_code) is None:
        raise Invalid(f"area {area_code} is not in the registry", column="area_code")
    if session.scalar(select(SamplingPoint.id).where(SamplingPoint.code == code)) is not None:
        raise Conflict(f"sampling point {code} exists already")
    point = SamplingPoint(code=code, name=name, area_code=area_code, address=address, hours=hours, kind=kind,
                          staff=staff)
    session.add(point)
    session.flush()
    audit.record(session, actor, "create", "sampling_point", point.id, after=audit.snapshot(point))
    return point


def create_lab(session: Session, actor: Principal, code: str, name: str) -> Lab:
    require(actor, "manage_screening")
    check_code_and_name(code, name)
    if session.get(Lab, code) is not None:
        raise Conflict(f"lab {code} exists already")
    lab = Lab(code=code, name=name)
    session.add(lab)
    session.flush()
    audit.record(session, actor, "create", "lab", code, after={"code": code, "name": name})
    return lab
