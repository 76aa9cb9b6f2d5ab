"""Sign-in, sign-out, the account page and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fangyi.access import Role
from fangyi.accounts import service
from fangyi.auth.logins import Throttled
from fangyi.auth.models import User
from fangyi.auth.security import SESSION_COOKIE, SESSION_MAX_AGE, new_csrf, read_session, sign_session
from fangyi.config import get_settings
from fangyi.deps import OptionalUser, SessionDep, Viewer, csrf_ok, safe_next, session_key
from fangyi.errors import DomainError, Forbidden
from fangyi.parts import installed
from fangyi.registry.models import Area
from fangyi.web.http import ANYONE, SIGNED_IN, needs
from fangyi.web.i18n import LANGS, translate
from fangyi.web.render import lang_of, render

router = APIRouter(include_in_schema=False)

LANG_MAX_AGE = 365 * 24 * 3600

# What a phone shared by several users must forget between them: the pages the village line's
# service worker kept (Cache Storage), the outbox of entries not yet sent (IndexedDB) and the
# refused list (localStorage) are all "storage"; "cache" is the browser's HTTP cache.
CLEAR_ALL = '"cache", "storage"'
CLEAR_CACHE = '"cache"'
# Who last signed in on this browser (a signed user id, not a secret): another user signing in
# clears what the last one left; the same one signing in again keeps its outbox waiting.
LAST_USER_COOKIE = "fangyi_last_user"


def landing(user: User) -> str:
    return installed().landing.get(Role(user.role), "/account")


def over_tls(request: Request) -> bool:
    """Served over TLS: by a scheme the server saw (a trusted proxy's X-Forwarded-Proto included,
    FANGYI_PROXIES), or as the deployment says (FANGYI_TLS=1)."""
    return request.url.scheme == "https" or get_settings().tls


def _set_session(request: Request, response: Response, value: str) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", path="/",
                        secure=over_tls(request))


def address_of(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/", openapi_extra=needs(ANYONE))
def home(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse(landing(user) if user else "/login", status_code=303)


def _login_form(
    request: Request, *, username: str = "", next_url: str = "", error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    # Before sign-in the form still needs a CSRF token; it lives in a signed cookie without a
    # session, replaced by the session's own on success.
    data = read_session(request.cookies.get(SESSION_COOKIE)) or {}
    token = data.get("csrf") or new_csrf()
    request.state.csrf = token
    response = render(
        request, "login.html", status_code=status_code, username=username, next=next_url, error=error, user=None
    )
    if data.get("csrf") != token:
        _set_session(request, response, sign_session({"csrf": token}))
    response.headers["Clear-Site-Data"] = CLEAR_CACHE
    return response


def _last_user(request: Request) -> int | None:
    data = read_session(request.cookies.get(LAST_USER_COOKIE), max_age=None) or {}
    last = data.get("user")
    return last if isinstance(last, int) else None


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
    try:
        signed = service.sign_in(session, username, password, address_of(request))
    except Throttled as exc:
        session.commit()
        return _login_form(request, username=username, next_url=next, error=translate("login.locked", lang),
                           status_code=exc.status)
    session.commit()
    if signed is None:
        return _login_form(request, username=username, next_url=next, error=translate("login.failed", lang),
                           status_code=401)
    user, cookie, _ = signed
    response = RedirectResponse(safe_next(next, landing(user)), status_code=303)
    _set_session(request, response, cookie)
    # Another user (or an unknown one) on this browser: nothing the last one left is shown or sent
    # under this user; the same user again keeps its waiting entries.
    response.headers["Clear-Site-Data"] = CLEAR_CACHE if _last_user(request) == user.id else CLEAR_ALL
    response.set_cookie(LAST_USER_COOKIE, sign_session({"user": user.id}), max_age=LANG_MAX_AGE, httponly=True,
                        samesite="lax", path="/", secure=over_tls(request))
    return response


@router.post("/logout", openapi_extra=needs(ANYONE))
def logout(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "") -> Response:
    if not csrf_ok(request, csrf):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    service.sign_out(session, session_key(request))
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    # The pages kept for offline use, and anything waiting, are this user's: the next one sees none.
    response.headers["Clear-Site-Data"] = CLEAR_ALL
    return response


def _account(request: Request, session: SessionDep, user: User, *, status_code: int = 200,
             error: str | None = None, message: str | None = None) -> HTMLResponse:
    return render(request, "account.html", status_code=status_code, user=user, area=session.get(Area, user.area_code),
                  tokens=service.tokens_of(session, user, user), error=error, message=message)


@router.get("/account", openapi_extra=needs(SIGNED_IN))
def account(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    return _account(request, session, user)


@router.post("/account/password", openapi_extra=needs(SIGNED_IN))
async def account_password(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    form = await request.form()
    lang = lang_of(request)
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang))
    new = str(form.get("new") or "")
    if new != str(form.get("again") or ""):
        return _account(request, session, user, status_code=422, error=translate("account.mismatch", lang))
    try:
        ended = service.change_password(session, user, user=user, current=str(form.get("current") or ""), new=new,
                                        keep_session=session_key(request))
    except DomainError as exc:
        session.rollback()
        return _account(request, session, user, status_code=exc.status, error=exc.detail)
    session.commit()
    return _account(request, session, user, message=translate("account.changed", lang).format(n=ended))


@router.post("/account/tokens/{token_id}/revoke", openapi_extra=needs(SIGNED_IN))
async def account_revoke(request: Request, session: SessionDep, user: Viewer, token_id: int) -> Response:
    await _checked_form(request)
    service.revoke_token(session, user, token_id)
    session.commit()
    return RedirectResponse("/account", status_code=303)


async def _checked_form(request: Request) -> dict[str, str]:
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    return {key: str(value) for key, value in form.items()}


# --- the administrator's users page --------------------------------------------------------


@router.get("/users", openapi_extra=needs("manage_users"))
def users_page(request: Request, session: SessionDep, user: Viewer, offset: int = 0) -> HTMLResponse:
    rows, total = service.list_users(session, user, offset=max(offset, 0), limit=50)
    tokens = {row.id: [t for t in service.tokens_of(session, user, row) if t.revoked_at is None] for row in rows}
    return render(request, "users.html", user=user, rows=rows, total=total, offset=offset, tokens=tokens)


@router.post("/users/{user_id}/active", openapi_extra=needs("manage_users"))
async def users_active(request: Request, session: SessionDep, user: Viewer, user_id: int) -> Response:
    form = await _checked_form(request)
    service.set_active(session, user, service.get_user(session, user, user_id), form.get("active") == "1")
    session.commit()
    return RedirectResponse("/users", status_code=303)


@router.post("/users/tokens/{token_id}/revoke", openapi_extra=needs("manage_users"))
async def users_revoke(request: Request, session: SessionDep, user: Viewer, token_id: int) -> Response:
    await _checked_form(request)
    service.revoke_token(session, user, token_id)
    session.commit()
    return RedirectResponse("/users", status_code=303)


@router.get("/lang/{lang}", openapi_extra=needs(ANYONE))
def switch_language(lang: str, next: str = "/") -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie("lang", lang, max_age=LANG_MAX_AGE, samesite="lax", path="/")
    return response
