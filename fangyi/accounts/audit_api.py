"""The audit trail over the JSON API, for those who may read it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Security
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from fangyi.access import require
from fangyi.areacodes import level_of
from fangyi.audit.models import AuditEntry
from fangyi.deps import ApiUser, SessionDep
from fangyi.errors import Forbidden
from fangyi.web.http import API_TOKEN, Page, problems

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


@router.get("/audit", response_model=Page[AuditPublic], summary="The audit trail, newest first")
def list_audit(
    session: SessionDep,
    user: ApiUser,
    entity: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
    entity_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    require(user, "read_audit")
    if level_of(user.area_code) != "county":
        # Entries hold full numbers of every area; the trail is read county-wide or not at all.
        raise Forbidden("the audit trail is read by county-level users only")
    query = select(AuditEntry)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)).all()
    return {"items": list(rows), "total": total, "offset": offset, "limit": limit}
