"""Signing in: passwords and API tokens to users (the accounts part manages the users themselves)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from fangyi.auth.models import ApiToken, User
from fangyi.auth.security import hash_password, token_digest, verify_password
from fangyi.db.base import Instant
from fangyi.errors import NotFound
from fangyi.timeutil import now

TOKEN_TOUCH_EVERY = timedelta(minutes=1)
TOKEN_TOUCHED = "fangyi.token_touched"  # in session.info: signing in wrote last_used_at


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
