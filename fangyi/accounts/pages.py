"""Sign-in, sign-out, the account page and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fangyi.access import Role
from fangyi.auth import service as auth_service
from fangyi.auth.models import User
from fangyi.auth.security import SESSION_COOKIE, SESSION_MAX_AGE, new_csrf, read_session, sign_session
from fangyi.deps import OptionalUser, SessionDep, Viewer, csrf_ok, safe_next
from fangyi.errors import Forbidden
from fangyi.parts import installed
from fangyi.registry.models import Area
from fangyi.web.http import ANYONE, SIGNED_IN, needs
from fangyi.web.i18n import LANGS, translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)

LANG_MAX_AGE = 365 * 24 * 3600


def landing(user: User) -> str:
    return installed().landing.get(Role(user.role), "/account")


def _set_session(response: Response, data: dict[str, object]) -> None:
    response.set_cookie(
        SESSION_COOKIE, sign_session(data), max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", path="/"
    )


@router.get("/", openapi_extra=needs(ANYONE))
def home(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse(landing(user) if user else "/login", status_code=303)


def _login_form(
    request: Request, *, username: str = "", next_url: str = "", error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    # Before sign-in the form still needs a CSRF token; it lives in a session
    # cookie without a user (uid 0 matches nobody) and is replaced on success.
    data = read_session(request.cookies.get(SESSION_COOKIE)) or {}
    token = data.get("csrf") or new_csrf()
    request.state.csrf = token
    response = render(
        request, "login.html", status_code=status_code, username=username, next=next_url, error=error, user=None
    )
    if data.get("csrf") != token:
        _set_session(response, {"uid": 0, "csrf": token})
    return response


@router.get("/login", openapi_extra=needs(ANYONE))
def login_page(request: Request, user: OptionalUser, next: str = "") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next, landing(user)), status_code=303)
    return _login_form(request, next_url=safe_next(next, ""))


@router.post("/login", openapi_extra=needs(ANYONE))
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    lang = lang_of(request)
    if not csrf_ok(request, csrf):
        return _login_form(request, username=username, next_url=next, error=translate("error.csrf", lang),
                           status_code=403)
    user = auth_service.authenticate(session, username, password)
    if user is None:
        return _login_form(request, username=username, next_url=next, error=translate("login.failed", lang),
                           status_code=401)
    response = RedirectResponse(safe_next(next, landing(user)), status_code=303)
    _set_session(response, {"uid": user.id, "csrf": new_csrf()})
    return response


@router.post("/logout", openapi_extra=needs(ANYONE))
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", openapi_extra=needs(SIGNED_IN))
def account(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return render(request, "account.html", user=user, area=session.get(Area, user.area_code))


@router.get("/lang/{lang}", openapi_extra=needs(ANYONE))
def switch_language(lang: str, next: str = "/") -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie("lang", lang, max_age=LANG_MAX_AGE, samesite="lax", path="/")
    return response
