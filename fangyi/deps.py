"""FastAPI dependencies shared by every part: the session, the user, and where a page may send the browser next."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fangyi.auth import service as auth_service
from fangyi.auth import sessions
from fangyi.auth.models import User
from fangyi.auth.security import SESSION_COOKIE, read_session
from fangyi.db.session import begin_writing, busy, make_session
from fangyi.errors import Forbidden, Unauthorized

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session() -> Iterator[Session]:
    session = make_session()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]

# The app's state attribute naming where the app's own workers (the scan intake, which writes past
# the routes and their dependencies) get sessions, when not from the database configured.
SESSIONS = "sessions"


def use_sessions(app: FastAPI, sessions: Callable[[], Iterator[Session]]) -> None:
    """Give every way into this app its sessions from here (a test's, on its own connection): the
    routes' dependency and the workers that write past the routes."""
    app.dependency_overrides[get_session] = sessions
    setattr(app.state, SESSIONS, sessions)


class LoginRequired(Unauthorized):
    """Raised for a page: the app answers with a redirect to the login page."""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class Credential:
    """What a request signs in with, read without the database: an API token, or the key of a
    signed session cookie (whose CSRF token, for a write, was checked already)."""

    token: str | None = None
    session_key: str | None = None


def credential(request: Request) -> Credential | None:
    token = _bearer(request)
    if token is not None:
        return Credential(token=token)
    data = read_session(request.cookies.get(SESSION_COOKIE))
    if not data or not isinstance(data.get("sk"), str):
        return None
    # A cookie-authenticated write must carry the session's CSRF token: a form
    # field for pages (checked by the page), a header for scripts in the page.
    if (
        request.method in UNSAFE
        and request.url.path.startswith("/api/")
        and not _same(request.headers.get("x-csrf-token"), data.get("csrf"))
    ):
        raise Forbidden("missing or wrong CSRF token")
    request.state.csrf = data.get("csrf")
    return Credential(session_key=data["sk"])


def users_for(session: Session, credentials: list[Credential], *, snapshots: bool = False) -> dict[Credential, User]:
    """The users many requests sign in as, in two queries at most; a token unknown or revoked, or a
    user no longer active, is left out. `snapshots`: see auth.service.users_for_tokens."""
    by_token = auth_service.users_for_tokens(session, [c.token for c in credentials if c.token],
                                             snapshots=snapshots)
    by_key = sessions.users_for_keys(session, [c.session_key for c in credentials if c.session_key])
    found: dict[Credential, User] = {}
    for c in credentials:
        user = by_token.get(c.token) if c.token else by_key.get(c.session_key) if c.session_key else None
        if user is not None and user.active:
            found[c] = user
    return found


def optional_user(request: Request, session: SessionDep) -> User | None:
    signed = credential(request)
    if signed is None:
        return None
    if request.method in UNSAFE:
        begin_writing(session)  # before signing in, which may write the token's last use
    user = users_for(session, [signed]).get(signed)
    if signed.token is not None:
        if user is None:
            raise Unauthorized("API token is unknown or revoked")
        if session.info.pop(auth_service.TOKEN_TOUCHED, False):
            # last_used_at was written (at most once a minute): keep it. Otherwise no commit, so a
            # request pays no extra round trip just for signing in. The mark is advisory: when
            # other writers hold the database, a read goes on without it.
            try:
                session.commit()
            except OperationalError as exc:
                if not busy(exc):
                    raise
                session.rollback()
    if request.method in UNSAFE:
        begin_writing(session)
    return user


# async: no I/O here, and a sync dependency would cost a hop through the thread pool per request.
async def api_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized("sign in or send an API token (Authorization: Bearer …)")
    return user


async def page_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise LoginRequired("please sign in")
    return user


ApiUser = Annotated[User, Depends(api_user)]
PageUser = Annotated[User, Depends(page_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def session_key(request: Request) -> str | None:
    """The key of this browser's session, when it carries a signed one."""
    data = read_session(request.cookies.get(SESSION_COOKIE)) or {}
    key = data.get("sk")
    return key if isinstance(key, str) else None


def csrf_ok(request: Request, submitted: str | None) -> bool:
    data = read_session(request.cookies.get(SESSION_COOKIE)) or {}
    return _same(submitted, data.get("csrf"))


def _same(given: str | None, expected: object) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    if not given or not isinstance(expected, str):
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def viewer(request: Request, user: Annotated[User, Depends(page_user)]) -> User:
    # Kept on the request so that an error page raised later still shows the menu.
    request.state.user = user
    return user


Viewer = Annotated[User, Depends(viewer)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: an open redirect would make the login page a phishing aid."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
