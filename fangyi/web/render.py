"""Jinja2 rendering shared by every part's pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fangyi.access import Principal, can
from fangyi.parts import Installed, Nav, installed
from fangyi.timeutil import format_date, format_datetime
from fangyi.web.assets import PLOTLY_URL
from fangyi.web.i18n import DEFAULT_LANG, LANGS, translate, translate_or

# The layout, error page and macros; each part's own pages are in its `templates/` folder.
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_envs: dict[int, tuple[Installed, Environment]] = {}

# Roles whose own part is still to come, and the page each lands on meanwhile: that page says so
# (the word landing.pending.<role>). A part that gives the role a landing of its own ends the note.
PLACEHOLDERS = {"checkpoint": "/persons", "village_doctor": "/persons"}


def environment() -> Environment:
    """The template environment of the installed parts: the core's folder, then each part's."""
    parts = installed()
    cached = _envs.get(id(parts))
    if cached is None or cached[0] is not parts:
        folders = [TEMPLATES, *parts.templates]
        _envs.clear()
        env = Environment(loader=FileSystemLoader(folders), autoescape=select_autoescape(["html"]))
        env.globals["plotly_src"] = PLOTLY_URL
        cached = _envs[id(parts)] = (parts, env)
    return cached[1]


def nav_for(user: Principal | None) -> list[Nav]:
    """The menu entries this user's role may follow, in the parts' order."""
    if user is None:
        return []
    return [entry for entry in installed().nav if entry.permission is None or can(user, entry.permission)]


def lang_of(request: Request) -> str:
    lang = request.cookies.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def query_with(request: Request, **changes: object) -> str:
    """This page's URL with some query parameters replaced (None drops one): paging and sorting links."""
    params = {key: value for key, value in request.query_params.items()}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def _datetime(value: datetime | int | None, lang: str) -> str:
    # Check-ins keep epoch seconds; everything else is a tz-aware datetime.
    if isinstance(value, int):
        value = datetime.fromtimestamp(value, UTC)
    return format_datetime(value, lang)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    context.setdefault("user", getattr(request.state, "user", None))
    who = context["user"]
    # A role whose own part is still to come is told so on the page it lands on meanwhile (base.html).
    pending = who is not None and request.url.path == installed().landing.get(who.role) == PLACEHOLDERS.get(who.role)
    page = environment().get_template(template).render(
        request=request,
        lang=lang,
        t=lambda key, **values: translate(key, lang).format(**values) if values else translate(key, lang),
        tr=lambda key, default: translate_or(key, lang, default),
        dt=lambda value: _datetime(value, lang),
        d=lambda value: format_date(value, lang),
        can=can,
        nav=nav_for(context["user"]),
        csrf=getattr(request.state, "csrf", None),
        query_with=lambda **changes: query_with(request, **changes),
        pending=pending,
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
