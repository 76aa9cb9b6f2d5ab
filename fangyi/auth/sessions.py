"""Signed-in browsers, kept on the server: a session ends when its user signs out, changes their
password or is deactivated, at once, whatever the cookie says. The cookie carries a random key
(only its hash is stored) and the session's CSRF token, signed so that nobody forges either."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from fangyi.auth.models import User, UserSession
from fangyi.auth.security import SESSION_MAX_AGE, new_csrf, sign_session, token_digest
from fangyi.db.base import Instant
from fangyi.timeutil import now

SEEN_EVERY = timedelta(minutes=1)  # seen_at is written at most this often: a page view is a read


def open_session(session: Session, user: User, *, address: str | None = None) -> tuple[str, str]:
    """A new session for this user: (the signed cookie value, its CSRF token)."""
    key = secrets.token_urlsafe(32)
    csrf = new_csrf()
    moment = now()
    session.add(UserSession(key_hash=token_digest(key), user_id=user.id, created_at=moment, seen_at=moment,
                            expires_at=moment + timedelta(seconds=SESSION_MAX_AGE), address=(address or "")[:64]))
    session.flush()
    return sign_session({"sk": key, "csrf": csrf}), csrf


_STALE = update(UserSession).where(UserSession.id.in_(bindparam("ids", expanding=True))).values(
    seen_at=bindparam("at", type_=Instant()))


def users_for_keys(session: Session, keys: Iterable[str]) -> dict[str, User]:
    """The active users of these live sessions (not ended, not expired), in one query."""
    digests = {token_digest(key): key for key in set(keys)}
    if not digests:
        return {}
    moment = now()
    rows = session.execute(
        select(UserSession.key_hash, UserSession.id, UserSession.seen_at, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash.in_(digests), UserSession.ended_at.is_(None),
               UserSession.expires_at > moment, User.active.is_(True))
    ).all()
    stale = [row[1] for row in rows if moment - row[2] >= SEEN_EVERY]
    if stale:
        session.execute(_STALE, {"ids": stale, "at": moment})
        session.commit()
    return {digests[row[0]]: row[3] for row in rows}


def end_session(session: Session, key: str, why: str) -> int | None:
    """End the session of this cookie key; the user it was, if it was live."""
    found = session.scalar(select(UserSession).where(UserSession.key_hash == token_digest(key),
                                                     UserSession.ended_at.is_(None)))
    if found is None:
        return None
    found.ended_at, found.ended_why = now(), why
    session.flush()
    return found.user_id


def end_sessions_of(session: Session, user_id: int, why: str, *, keep: str | None = None) -> int:
    """End every live session of a user (but the one of `keep`, the cookie that asked); how many."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.key_hash != token_digest(keep))
    ended = session.execute(statement.values(ended_at=now(), ended_why=why).returning(UserSession.id)).all()
    session.flush()
    return len(ended)
