"""Users and tokens: creation, sign-in, and what a user may see."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from fangyi.access import Principal, Role, can
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.audit import service as audit
from fangyi.auth.models import ApiToken, User
from fangyi.auth.security import hash_password, new_token, token_digest, verify_password
from fangyi.db.base import Instant
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.registry.models import Area
from fangyi.timeutil import now

MIN_PASSWORD = 8
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
TOKEN_TOUCHED = "fangyi.token_touched"  # in session.info: signing in wrote last_used_at


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


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        # Spend the same time as for a known name, so timing does not tell which names exist.
        verify_password(_decoy_hash(), password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    return user


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def issue_token(session: Session, actor: Principal, user: User, name: str) -> str:
    """A new API token; the plain token is returned once and never stored."""
    token = new_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(token))
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "api_token", row.id, after={"user": user.username, "name": name})
    return token


_SIGNED = (
    select(ApiToken.token_hash, ApiToken.id, ApiToken.last_used_at, User.id, User.username, User.display_name,
           User.role, User.area_code)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash.in_(bindparam("digests", expanding=True)), ApiToken.revoked_at.is_(None),
           User.active.is_(True))
)
_TOUCH = update(ApiToken).where(ApiToken.id.in_(bindparam("ids", expanding=True))).values(
    last_used_at=bindparam("at", type_=Instant()))


def users_for_tokens(session: Session, tokens: Iterable[str], *, snapshots: bool = False) -> dict[str, User]:
    """The active users these API tokens sign in, in one query; unknown or revoked tokens are left out.

    With `snapshots`, the users are read-only copies made from the query's rows, belonging to no
    session: for a busy path that only reads who is signed in (the ORM's loading costs more there
    than the query). Otherwise they are the session's own User objects."""
    digests = {token_digest(token): token for token in set(tokens)}
    if not digests:
        return {}
    rows = session.execute(_SIGNED, {"digests": sorted(digests)}).all()
    moment = now()
    # Written at most once a minute: a handheld scanning all morning would otherwise pay a
    # durable commit per request just to say it is still in use.
    stale = [row[1] for row in rows if row[2] is None or moment - row[2] >= TOKEN_TOUCH_EVERY]
    if stale:
        session.execute(_TOUCH, {"ids": stale, "at": moment})
        session.info[TOKEN_TOUCHED] = True
    found: dict[str, User] = {}
    for digest, _, _, user_id, username, display_name, role, area_code in rows:
        user = (User(id=user_id, username=username, display_name=display_name, role=role, area_code=area_code,
                     active=True) if snapshots else session.get(User, user_id))
        if user is not None:
            found[digests[digest]] = user
    return found


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def require(user: User, permission: str) -> None:
    if not can(user.role, permission):
        raise Forbidden(f"role {user.role} may not {permission.replace('_', ' ')}")


def in_jurisdiction(user: User, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """A filter keeping rows whose area code lies at or below the user's area."""
    try:
        return column.startswith(prefix(user.area_code), autoescape=True)
    except AreaCodeError:
        return column == user.area_code


def check_area(user: User, area_code: str) -> None:
    """Refuse a record outside the user's jurisdiction as if it did not exist."""
    if not area_code.startswith(prefix(user.area_code)):
        raise NotFound("not found in your jurisdiction")
