"""The headers every answer carries, whatever answered it (a route, the error handlers, the door's
refusal, the scan lane):

- what holds a person's data (pages, API answers, exports) is never stored by the browser: a
  township laptop is shared, and the next user's Back button must not show the last one's cases
  (no-store also keeps such a page out of the back-forward cache). The village line's service
  worker keeps its pages in its own cache, on purpose, and drops them at sign-out;
- the app's own files under /static/ are asked again each time (their addresses carry no version:
  an upgrade must reach the phones), and so are the village line's scripts (they say so); the
  vendored bundles (Plotly's, Swagger UI's), whose addresses name their versions, are kept a year,
  and the favicon a day;
- no page may be framed by another site (a click tricked through a frame could release a person
  from quarantine), nor a file sniffed into a script, nor an address sent on to another site;
- served over TLS (the scheme seen, or FANGYI_TLS=1 behind a proxy), the browser is told to come
  back only over TLS (HSTS, half a year; not the subdomains, which may be other services).
"""

from __future__ import annotations

from starlette.types import Message, Scope, Send

from fangyi.config import tls_configured

CACHE_CONTROL = b"cache-control"
NO_STORE = b"no-store"
REVALIDATE = b"no-cache"
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'self'; object-src 'none'"),
    (b"referrer-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=15552000")


def secured(scope: Scope, send: Send) -> Send:
    """`send`, adding the headers above to the answer's start where the answer did not set them."""
    cache = REVALIDATE if scope["path"].startswith("/static/") else NO_STORE
    always = (*ALWAYS, HSTS) if scope.get("scheme") == "https" or tls_configured() else ALWAYS

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            headers.extend(pair for pair in always if pair[0] not in present)
            if CACHE_CONTROL not in present:
                headers.append((CACHE_CONTROL, cache))
            message = {**message, "headers": headers}
        await send(message)

    return sending
