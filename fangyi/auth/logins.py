"""Signing in with a password, throttled: too many failures for one account, or from one address,
lock it out for a while (the right password included), and each failure and lock is on the trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.audit import service as audit
from fangyi.auth.models import LoginFailure, User
from fangyi.auth.service import authenticate
from fangyi.errors import DomainError
from fangyi.timeutil import now

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # failures in the window that lock an account
PER_ADDRESS = 20  # failures in the window that lock an address (many accounts tried from one place)


class Throttled(DomainError):
    status = 429
    title = "Too many attempts"


@dataclass(frozen=True)
class Visitor:
    """Who the trail names for a sign-in that has no user yet."""

    username: str
    id: int = 0


def _failures(session: Session, *, username: str | None = None, address: str | None = None) -> int:
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > now() - WINDOW)
    query = query.where(LoginFailure.username == username) if username is not None else \
        query.where(LoginFailure.address == address)
    return session.scalar(query) or 0


def sign_in(session: Session, username: str, password: str, address: str | None) -> User | None:
    """The user these credentials sign in, or None; Throttled while the account or the address is
    locked. The caller commits (a failure's record is written whether or not it signs in)."""
    username = username.strip()[:64]
    who = Visitor(f"login:{username}"[:64])
    if _failures(session, username=username) >= PER_ACCOUNT:
        raise Throttled(f"too many failed sign-ins for this account: try again in {WINDOW.seconds // 60} minutes")
    if address and _failures(session, address=address) >= PER_ADDRESS:
        raise Throttled(f"too many failed sign-ins from this address: try again in {WINDOW.seconds // 60} minutes")
    user = authenticate(session, username, password)
    if user is None:
        session.add(LoginFailure(username=username, address=address))
        session.flush()
        audit.record(session, who, "login_failed", "user", None, note=f"{username} from {address or '?'}"[:500])
        if _failures(session, username=username) == PER_ACCOUNT:
            audit.record(session, who, "login_locked", "user", None,
                         note=f"{username} locked for {WINDOW.seconds // 60} minutes after {PER_ACCOUNT} failures")
        return None
    audit.record(session, user, "login", "user", user.id, note=f"from {address or '?'}"[:500])
    return user
