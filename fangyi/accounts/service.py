"""Users and API tokens: who may make them, and for which jurisdiction."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, Role, check_area, county_wide, in_jurisdiction, jurisdiction, require
from fangyi.audit import service as audit
from fangyi.audit.models import AuditEntry
from fangyi.auth import logins, sessions
from fangyi.auth.models import ApiToken, User
from fangyi.auth.security import hash_password, new_token, token_digest, verify_password
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.registry.models import Area
from fangyi.timeutil import now

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


# --- signing in and out, passwords, deactivation, tokens --------------------------------------


def sign_in(session: Session, username: str, password: str, address: str | None) -> tuple[User, str, str] | None:
    """(user, cookie, csrf) of a new session for good credentials; None for bad ones. Throttled
    (429) while the account or the address is locked out. The caller commits either way."""
    user = logins.sign_in(session, username, password, address)
    if user is None:
        return None
    cookie, csrf = sessions.open_session(session, user, address=address)
    return user, cookie, csrf


def sign_out(session: Session, key: str | None) -> None:
    """End this cookie's session on the server (a copy of the cookie is worthless from now on)."""
    if not key:
        return
    user_id = sessions.end_session(session, key, "logout")
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None:
        audit.record(session, user, "logout", "user", user.id)


def change_password(session: Session, actor: Principal, *, user: User, current: str | None, new: str,
                    keep_session: str | None = None) -> int:
    """A user's new password: their own (knowing the current one), or an administrator's reset of a
    user of their jurisdiction. Every other session of the user ends; returns how many did."""
    own = actor.id == user.id
    if own:
        if current is None or not verify_password(user.password_hash, current):
            raise Forbidden("the current password is wrong")
    else:
        require(actor, "manage_users")
        check_area(actor, user.area_code)
    if len(new) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", column="password")
    user.password_hash = hash_password(new)
    ended = sessions.end_sessions_of(session, user.id, "password", keep=keep_session if own else None)
    audit.record(session, actor, "password", "user", user.id, after={"sessions_ended": ended})
    return ended


def set_active(session: Session, actor: Principal, user: User, active: bool) -> User:
    """Deactivate a user (every session ends and every token is revoked, at once) or let them back."""
    require(actor, "manage_users")
    check_area(actor, user.area_code)
    if actor.id == user.id and not active:
        raise Conflict("you cannot deactivate your own account")
    if user.active == active:
        return user
    user.active = active
    ended = revoked = 0
    if not active:
        ended = sessions.end_sessions_of(session, user.id, "deactivated")
        revoked = len(session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                             ApiToken.revoked_at.is_(None))
                                      .values(revoked_at=now()).returning(ApiToken.id)).all())
    session.flush()
    audit.record(session, actor, "activate" if active else "deactivate", "user", user.id,
                 before={"active": not active}, after={"active": active, "sessions_ended": ended,
                                                       "tokens_revoked": revoked})
    return user


def get_user(session: Session, actor: Principal, user_id: int) -> User:
    """A user of the administrator's jurisdiction (404 for any other)."""
    require(actor, "manage_users")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    check_area(actor, user.area_code)
    return user


def find_user(session: Session, actor: Principal, username: str) -> User:
    require(actor, "manage_users")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    check_area(actor, user.area_code)
    return user


def tokens_of(session: Session, actor: Principal, user: User) -> list[ApiToken]:
    """A user's API tokens (never the tokens themselves: only their names and use)."""
    if actor.id != user.id:
        require(actor, "manage_users")
        check_area(actor, user.area_code)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    """Revoke a token: one's own, or, for an administrator, one of a user of their jurisdiction."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.user_id != actor.id:
        require(actor, "manage_users")
        check_area(actor, token.user.area_code)
    if token.revoked_at is None:
        token.revoked_at = now()
        session.flush()
        audit.record(session, actor, "revoke", "api_token", token.id, after={"user": token.user.username,
                                                                              "name": token.name})
    return token
