"""The one input rule for text, and the size of what may be sent, applied at the door.

Text anywhere in a request (its path, its query, a JSON or form body) may not hold control
characters: C0 other than tab, line feed and carriage return, DEL, C1, or a lone surrogate. They
cannot be stored (NUL on PostgreSQL), they hide in names and break exports, and no person types
them. Import files are held to the same rule row by row (fangyi.imports.read). A body larger than
the deployment allows is refused before it is read whole.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import Message, Receive, Scope

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# How a control character looks inside JSON (escaped: raw ones are invalid JSON) and in a form body.
_JSON_ESCAPE = re.compile(r"\\u(?:00[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2})")
_PERCENT = re.compile(r"%(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])")
MEGABYTE = 1 << 20


class Refusal(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def max_body() -> int:
    """The largest body a request may send (FANGYI_MAX_UPLOAD_MB, default 200 MB: a county's
    file of persons; the ten million check-ins of a county go by `fangyi import` on the server)."""
    return int(os.environ.get("FANGYI_MAX_UPLOAD_MB", "200")) * MEGABYTE


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_target(scope: Scope) -> None:
    path = scope.get("path", "")
    query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
    if has_control(path) or has_control(query):
        raise Refusal(422, "Invalid input", "the address holds a control character")


def check_body(content_type: str, body: bytes) -> None:
    if content_type.startswith("application/json"):
        if _JSON_ESCAPE.search(body.decode("utf-8", "replace")) is None:
            return
        try:
            data = json.loads(body)
        except ValueError:
            return  # not JSON: the route's own parsing says so
        if any(has_control(text) for text in _strings(data)):
            raise Refusal(422, "Invalid input", "a text holds a control character (or a lone surrogate)")
    elif (content_type.startswith("application/x-www-form-urlencoded") and _PERCENT.search(body.decode("latin-1"))
          and has_control(unquote_plus(body.decode("utf-8", "replace")))):
        raise Refusal(422, "Invalid input", "a field holds a control character")


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1").lower())
    return ""


async def guarded(scope: Scope, receive: Receive) -> Receive:
    """A receive that refuses what the rule refuses: the body is read here (all of it when it is
    JSON or a form, to check its text; counted when it is an upload) and handed on unchanged."""
    check_target(scope)
    limit = max_body()
    length = declared_length(scope)
    if length is not None and length > limit:
        raise Refusal(413, "Too large", f"the body is larger than {limit // MEGABYTE} MB")
    kind = content_type(scope)
    if kind.startswith(("application/json", "application/x-www-form-urlencoded")):
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                raise Refusal(413, "Too large", f"the body is larger than {limit // MEGABYTE} MB")
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        check_body(kind, body)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay
    counted = 0

    async def counting() -> Message:
        nonlocal counted
        message = await receive()
        if message["type"] == "http.request":
            counted += len(message.get("body", b""))
            if counted > limit:
                raise Refusal(413, "Too large", f"the body is larger than {limit // MEGABYTE} MB")
        return message

    return counting
