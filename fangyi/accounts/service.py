"""Users and API tokens: who may make them, and for which jurisdiction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, Role, check_area, county_wide, in_jurisdiction, jurisdiction, require
from fangyi.audit import service as audit
from fangyi.audit.models import AuditEntry
from fangyi.auth.models import ApiToken, User
from fangyi.auth.security import hash_password, new_token, token_digest
from fangyi.errors import Conflict, Forbidden, Invalid
from fangyi.registry.models import Area

MIN_PASSWORD = 8


def create_user(
    session: Session,
    actor: Principal,
    *,
    username: str,
    password: str,
    role: str,
    area_code: str,
    display_name: str | None = None,
) -> User:
    require(actor, "manage_users")
    # An administrator hands out jurisdiction only inside their own.
    check_area(actor, area_code)
    username = username.strip()
    if not username:
        raise Invalid("username is empty")
    if role not in Role.__members__:
        raise Invalid(f"role {role!r} is not one of: {', '.join(Role)}")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters")
    if session.get(Area, area_code) is None:
        raise Invalid(f"jurisdiction {area_code!r} is not a known area")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        area_code=area_code,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, after=_public(user))
    return user


def _public(user: User) -> dict[str, object]:
    return {"username": user.username, "role": user.role, "area_code": user.area_code, "active": user.active}


def issue_token(session: Session, actor: Principal, user: User, name: str) -> str:
    """A new API token; the plain token is returned once and never stored. A user makes their own;
    an administrator may make one for a user of their jurisdiction."""
    if actor.id != user.id or actor.username != user.username:
        require(actor, "manage_users")
        check_area(actor, user.area_code)
    if not user.active:
        raise Forbidden(f"user {user.username} is not active")
    token = new_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(token))
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "api_token", row.id, after={"user": user.username, "name": name})
    return token




def list_users(session: Session, actor: Principal, *, offset: int = 0, limit: int = 50) -> tuple[list[User], int]:
    """The users of the administrator's jurisdiction."""
    require(actor, "manage_users")
    scope = User.area_code.startswith(jurisdiction(actor), autoescape=True)
    total = session.scalar(select(func.count()).select_from(User).where(scope)) or 0
    rows = session.scalars(select(User).where(scope).order_by(User.username).offset(offset).limit(limit)).all()
    return list(rows), total


def read_audit(session: Session, who: Principal, *, entity: str | None = None, entity_id: str | None = None,
               offset: int = 0, limit: int = 50) -> tuple[list[AuditEntry], int]:
    """The trail, newest first. Entries hold full numbers of whatever they touched, so a reader
    below the county sees only the entries of users of their own jurisdiction (whose writes the
    checks kept inside it), never Fangyi's own (which span the county)."""
    require(who, "read_audit")
    query = select(AuditEntry)
    if not county_wide(who):
        query = query.join(User, User.id == AuditEntry.actor_id).where(in_jurisdiction(who, User.area_code))
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)).all()
    return list(rows), total
