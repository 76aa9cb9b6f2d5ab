"""What every part's HTTP edge shares: the text rule, pages of results, problems (RFC 9457) and the
API token scheme. Shapes only; the rules live in the services."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi.security import HTTPBearer
from pydantic import AfterValidator, BaseModel, Field, TypeAdapter


def _printable(value: str) -> str:
    # NUL and lone surrogates cannot be stored by PostgreSQL: refuse them up front.
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("contains characters that cannot be stored (NUL or a lone surrogate)")
    return value


Str = Annotated[str, AfterValidator(_printable)]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class Problem(BaseModel):
    """An error, as RFC 9457 application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    column: str | None = Field(default=None, description="the field that was refused, when there is one")
    errors: list[dict[str, Any]] | None = None


PROBLEM_MEDIA = "application/problem+json"

# Only declares the scheme in the OpenAPI (fangyi.deps.ApiUser does the checking, and
# also accepts the page's session cookie), so that clients and /api/v1/docs know to send it.
API_TOKEN = HTTPBearer(
    auto_error=False, scheme_name="token", bearerFormat="fy_…",
    description="an API token from POST /api/v1/tokens or `fangyi user token`",
)


# Schemas of bodies that a route reads itself (see documented_body), added to the document's components.
BODY_SCHEMAS: dict[str, Any] = {}


def documented_body(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """`openapi_extra` documenting a JSON body that the route validates itself with this adapter
    (a busy route skips FastAPI's own body handling), its models joining the components."""
    schema = adapter.json_schema(ref_template="#/components/schemas/{model}")
    BODY_SCHEMAS.update(schema.pop("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def sent_again(model: type[Any], what: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI 200 of a create that is idempotent (fangyi.db.once): the same record sent again
    answers with the stored one instead of a duplicate or an error."""
    return {200: {"description": f"the same {what} was stored already: the stored record", "model": model}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these error statuses, all problem+json."""
    reasons = {
        400: "the body could not be parsed as JSON",
        401: "not signed in, or the token is unknown",
        403: "the role may not do this (or a cookie write lacks its CSRF token)",
        404: "no such record in your jurisdiction",
        409: "conflicts with an existing record",
        413: "the body is larger than this operation takes",
        422: "a field was refused; `column` names it",
        503: "held up by other work: send the same request again",
    }
    return {
        status: {
            "description": reasons.get(status, "error"),
            # Inline, so that every part can use it without registering a component.
            "content": {PROBLEM_MEDIA: {"schema": Problem.model_json_schema()}},
        }
        for status in statuses
    }


# What a route asks of its caller, beside a permission of the table: any signed-in user, or anyone.
SIGNED_IN = "signed-in"
ANYONE = "anyone"


def needs(permission: str) -> dict[str, Any]:
    """`openapi_extra` naming the permission a route's service checks (or SIGNED_IN, ANYONE). The
    route only declares it, so that the OpenAPI tells clients; the service does the checking, and
    the access matrix test (tests/matrix) holds the two to each other for every role."""
    return {"x-permission": permission}
