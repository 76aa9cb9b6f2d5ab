"""FastAPI dependencies shared by every part: the session and the user."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fangyi.auth import service as auth_service
from fangyi.auth.models import User
from fangyi.auth.security import SESSION_COOKIE, read_session
from fangyi.db.session import make_session
from fangyi.errors import Forbidden, Unauthorized

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session() -> Iterator[Session]:
    session = make_session()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


class LoginRequired(Unauthorized):
    """Raised for a page: the app answers with a redirect to the login page."""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def optional_user(request: Request, session: SessionDep) -> User | None:
    token = _bearer(request)
    if token is not None:
        user = auth_service.user_for_token(session, token)
        if user is None:
            raise Unauthorized("API token is unknown or revoked")
        if session.dirty:
            # last_used_at was touched (at most once a minute): keep it. Otherwise no commit, so a
            # request pays no extra round trip (and no second pool checkout) just for signing in.
            session.commit()
        return user
    data = read_session(request.cookies.get(SESSION_COOKIE))
    if not data:
        return None
    user = session.get(User, data.get("uid"))
    if user is None or not user.active:
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


def csrf_ok(request: Request, submitted: str | None) -> bool:
    data = read_session(request.cookies.get(SESSION_COOKIE)) or {}
    return _same(submitted, data.get("csrf"))


def _same(given: str | None, expected: object) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    if not given or not isinstance(expected, str):
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
