"""Who may do what, and where: the roles, the permission table the installed parts declare, and
jurisdictions (an area code prefix: a principal sees what lies at or below their area).

Every service asks here before it reads or writes; routes and pages never do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from fangyi.areacodes import AreaCodeError, prefix
from fangyi.errors import Forbidden, NotFound
from fangyi.parts import installed

if TYPE_CHECKING:  # SQLAlchemy is imported when a filter is built: the parts' declarations need only Role
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import InstrumentedAttribute


class Role(StrEnum):
    commander = "commander"
    command_office = "command_office"
    tracer = "tracer"
    sampler = "sampler"
    lab = "lab"
    site_manager = "site_manager"
    dispatcher = "dispatcher"
    driver = "driver"
    village_doctor = "village_doctor"
    checkpoint = "checkpoint"
    admin = "admin"
    # A clinic's or pharmacy's fever desk (预检分诊): reports people with fever or respiratory symptoms.
    sentinel = "sentinel"


ALL = frozenset(Role)
SYSTEM_ROLE = "system"


class Principal(Protocol):
    """Whoever acts: a signed-in user, or Fangyi itself (SYSTEM)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def area_code(self) -> str: ...


class SystemPrincipal:
    """Work done by Fangyi itself or from the console without a login: it holds every permission
    and the whole registry, through the same checks as everyone else."""

    id = 0
    username = "system"
    role = SYSTEM_ROLE
    area_code = ""


SYSTEM = SystemPrincipal()


class UnknownPermission(LookupError):
    """A permission no installed part declares: a programming error, never a user's."""


def can(who: Principal | str, permission: str) -> bool:
    role = who if isinstance(who, str) else who.role
    roles = installed().permissions.get(permission)
    if roles is None:
        raise UnknownPermission(f"no installed part declares the permission {permission!r}")
    return role == SYSTEM_ROLE or role in roles


def require(who: Principal, permission: str) -> None:
    if not can(who, permission):
        raise Forbidden(f"role {who.role} may not {permission.replace('_', ' ')}")


def jurisdiction(who: Principal) -> str:
    """The prefix every area code in the principal's jurisdiction starts with ('' for everything)."""
    if who.role == SYSTEM_ROLE:
        return ""
    try:
        return prefix(who.area_code)
    except AreaCodeError:
        return who.area_code


def sees(who: Principal, area_code: str | None) -> bool:
    """Whether an area lies in the principal's jurisdiction (a record with no area: only the county-wide)."""
    if area_code is None:
        return county_wide(who)
    return area_code.startswith(jurisdiction(who))


def county_wide(who: Principal) -> bool:
    return who.role == SYSTEM_ROLE or len(who.area_code) == 6


def in_jurisdiction(who: Principal, column: InstrumentedAttribute[str] | ColumnElement[str]) -> ColumnElement[bool]:
    """A filter keeping rows whose area code lies at or below the principal's area."""
    scope = jurisdiction(who)
    from sqlalchemy import true

    return true() if not scope else column.startswith(scope, autoescape=True)


def check_area(who: Principal, area_code: str | None) -> None:
    """Refuse a record outside the principal's jurisdiction as if it did not exist."""
    if not sees(who, area_code):
        raise NotFound("not found in your jurisdiction")
