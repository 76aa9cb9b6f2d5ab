"""A page's posted form, refused without the session's CSRF token (a cross-site post)."""

from __future__ import annotations

from fastapi import Request

from fangyi.deps import csrf_ok
from fangyi.errors import Forbidden
from fangyi.web.i18n import translate
from fangyi.web.render import lang_of


async def checked_form(request: Request) -> dict[str, str]:
    """The posted fields as text, once the CSRF token checks out."""
    form = await request.form()
    if not csrf_ok(request, str(form.get("csrf") or "")):
        raise Forbidden(translate("error.csrf", lang_of(request)))
    return {key: str(value) for key, value in form.items()}
