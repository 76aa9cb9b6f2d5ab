"""Domain errors. Services raise these; the app turns them into
``application/problem+json`` (API) or a page with the reason (web)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Invalid(DomainError):
    status = 422
    title = "Invalid input"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Not signed in"


class Busy(DomainError):
    """Held up by other work for longer than a request should wait: send it again."""

    status = 503
    title = "Busy"
