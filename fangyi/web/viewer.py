"""The signed-in user of a page, and where a page may send the browser next."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fangyi.auth.models import User
from fangyi.deps import page_user


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
