"""The audit trail over the JSON API, for those who may read it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Security
from pydantic import BaseModel, ConfigDict

from fangyi.accounts import service
from fangyi.deps import ApiUser, SessionDep
from fangyi.web.http import API_TOKEN, Page, needs, problems

router = APIRouter(
    prefix="/api/v1", tags=["audit"], dependencies=[Security(API_TOKEN)], responses=problems(401, 403, 422)
)

NO_NUL = r"^[^\x00]*$"


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


@router.get("/audit", response_model=Page[AuditPublic], summary="The audit trail, newest first",
            openapi_extra=needs("read_audit"))
def list_audit(
    session: SessionDep,
    user: ApiUser,
    entity: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
    entity_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[AuditPublic]:
    rows, total = service.read_audit(session, user, entity=entity, entity_id=entity_id, offset=offset, limit=limit)
    return Page(items=[AuditPublic.model_validate(row) for row in rows], total=total, offset=offset, limit=limit)
