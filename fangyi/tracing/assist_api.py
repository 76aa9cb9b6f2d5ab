"""协查 over the API: each list's progress against its deadline, and its people."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from fangyi.access import can
from fangyi.audit import service as audit
from fangyi.deps import ApiUser, SessionDep
from fangyi.identity import mask_id_number, mask_phone
from fangyi.tracing import assist
from fangyi.tracing.assist_models import AssistList
from fangyi.web.http import needs, problems

router = APIRouter(prefix="/api/v1", tags=["tracing"], responses=problems(401, 403, 404, 422))

ListId = Annotated[int, Path(ge=1, le=2**62)]


class AssistProgress(BaseModel):
    total: int
    matched: int
    unmatched: int
    reached: int
    controlled: int
    open: int
    overdue: int
    deadline: datetime | None
    time_left_hours: float | None


class AssistListPublic(BaseModel):
    id: int
    import_id: int
    name: str
    created_at: datetime
    progress: AssistProgress


class AssistPersonPublic(BaseModel):
    line: int
    name: str
    id_number: str | None
    phone: str | None
    reason: str
    source: str
    deadline: datetime
    person_id: int | None
    matched_by: str | None
    assigned_to_id: int | None
    attempts: int
    reached_at: datetime | None
    controlled_at: datetime | None


class AssistListDetail(AssistListPublic):
    people: list[AssistPersonPublic]


def _public(item: AssistList, progress: dict[str, object]) -> AssistListPublic:
    return AssistListPublic(id=item.id, import_id=item.import_id, name=item.name, created_at=item.created_at,
                            progress=AssistProgress.model_validate(progress))


@router.get("/assist-lists", openapi_extra=needs("read_cases"), response_model=list[AssistListPublic],
            summary="Lists of people to find and control (协查), newest first, with progress against the deadline")
def list_lists(session: SessionDep, user: ApiUser) -> list[AssistListPublic]:
    return [_public(item, progress) for item, progress in assist.lists(session, user)]


@router.get("/assist-lists/{list_id}", openapi_extra=needs("read_cases"), response_model=AssistListDetail,
            summary="One list: progress against the deadline and each person's state")
def get_list(list_id: ListId, session: SessionDep, user: ApiUser) -> AssistListDetail:
    item = assist.get_list(session, user, list_id)
    unmasked = can(user.role, "see_identity")
    if unmasked:
        audit.record(session, user, "view_identity", "assist_list", item.id, note="api")
        session.commit()
    people = [
        AssistPersonPublic(
            line=p.line, name=p.name,
            id_number=p.id_number if unmasked or p.id_number is None else mask_id_number(p.id_number),
            phone=p.phone if unmasked or p.phone is None else mask_phone(p.phone), reason=p.reason,
            source=p.source, deadline=p.deadline, person_id=p.person_id, matched_by=p.matched_by,
            assigned_to_id=p.assigned_to_id, attempts=p.attempts, reached_at=p.reached_at,
            controlled_at=p.controlled_at,
        )
        for p in assist.people(session, user, item.id)
    ]
    base = _public(item, assist.progress(session, user, item.id))
    return AssistListDetail(**base.model_dump(), people=people)
