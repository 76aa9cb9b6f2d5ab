"""Jinja2 rendering shared by every part's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fangyi.auth.roles import can
from fangyi.timeutil import format_date, format_datetime
from fangyi.web.i18n import DEFAULT_LANG, LANGS, translate

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def lang_of(request: Request) -> str:
    lang = request.cookies.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    context.setdefault("user", getattr(request.state, "user", None))
    page = env.get_template(template).render(
        request=request,
        lang=lang,
        t=lambda key: translate(key, lang),
        dt=lambda value: format_datetime(value, lang),
        d=lambda value: format_date(value, lang),
        can=can,
        csrf=getattr(request.state, "csrf", None),
        **context,
    )
    return HTMLResponse(page, status_code=status_code)
