"""Users and tokens over the JSON API: who am I, the user list, new users, new tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Security
from pydantic import BaseModel, ConfigDict, Field

from fangyi.access import Role, can
from fangyi.accounts import service
from fangyi.auth.models import User
from fangyi.deps import ApiUser, SessionDep
from fangyi.parts import installed
from fangyi.web.http import API_TOKEN, SIGNED_IN, Page, Str, needs, problems

router = APIRouter(
    prefix="/api/v1", tags=["users"], dependencies=[Security(API_TOKEN)], responses=problems(401, 403, 422)
)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    area_code: str = Field(description="jurisdiction: the user sees this area and everything below it")
    active: bool
    created_at: datetime


class Me(UserPublic):
    permissions: list[str]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Str = Field(min_length=1, max_length=64)
    password: Str = Field(min_length=8, max_length=200)
    role: Role
    area_code: Str = Field(min_length=6, max_length=15, pattern=r"^[0-9]+$")
    display_name: Str | None = Field(default=None, max_length=100)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Str = Field(min_length=1, max_length=100, description="what the token is for, e.g. the scanner's id")


class TokenIssued(BaseModel):
    token: str = Field(description="shown once; only its hash is kept")
    name: str
    username: str


@router.get("/me", response_model=Me, summary="The signed-in user, with what the role may do",
            openapi_extra=needs(SIGNED_IN))
def me(user: ApiUser) -> Me:
    allowed = sorted(permission for permission in installed().permissions if can(user, permission))
    return Me(**UserPublic.model_validate(user).model_dump(), permissions=allowed)


@router.get("/users", response_model=Page[UserPublic], summary="The users of your jurisdiction (administrators)",
            openapi_extra=needs("manage_users"))
def list_users(
    session: SessionDep,
    user: ApiUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[UserPublic]:
    rows, total = service.list_users(session, user, offset=offset, limit=limit)
    return Page(items=[UserPublic.model_validate(row) for row in rows], total=total, offset=offset, limit=limit)


@router.post("/users", response_model=UserPublic, status_code=201, responses=problems(400, 404, 409),
             summary="Add a user (administrators)", openapi_extra=needs("manage_users"))
def create_user(body: UserCreate, session: SessionDep, user: ApiUser) -> User:
    created = service.create_user(
        session, user, username=body.username, password=body.password, role=body.role.value,
        area_code=body.area_code, display_name=body.display_name,
    )
    session.commit()
    return created


@router.post("/tokens", response_model=TokenIssued, status_code=201, responses=problems(400),
             summary="Issue an API token for yourself; the plain token is returned once",
             openapi_extra=needs(SIGNED_IN))
def create_token(body: TokenCreate, session: SessionDep, user: ApiUser) -> TokenIssued:
    token = service.issue_token(session, user, user, body.name)
    session.commit()
    return TokenIssued(token=token, name=body.name, username=user.username)


class TokenPublic(BaseModel):
    """A token as it may be shown again: its name and use, never the token."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(description="false deactivates: every session ends and every token is revoked at once")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current: Str = Field(min_length=1, max_length=200)
    new: Str = Field(min_length=8, max_length=200)


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="the user's signed-in browsers that the change signed out")


UserId = Annotated[int, Path(ge=1, le=2**62)]


@router.put("/users/{user_id}/active", response_model=UserPublic, responses=problems(404, 409),
            summary="Deactivate a user (sessions end, tokens are revoked) or let them back in",
            openapi_extra=needs("manage_users"))
def put_active(user_id: UserId, body: ActiveIn, session: SessionDep, user: ApiUser) -> UserPublic:
    changed = service.set_active(session, user, service.get_user(session, user, user_id), body.active)
    session.commit()
    return UserPublic.model_validate(changed)


@router.get("/users/{user_id}/tokens", response_model=list[TokenPublic], responses=problems(404),
            summary="A user's API tokens (names and use only)", openapi_extra=needs("manage_users"))
def get_tokens(user_id: UserId, session: SessionDep, user: ApiUser) -> list[TokenPublic]:
    owner = service.get_user(session, user, user_id)
    return [TokenPublic.model_validate(token) for token in service.tokens_of(session, user, owner)]


@router.post("/tokens/{token_id}/revoke", response_model=TokenPublic, responses=problems(404),
             summary="Revoke a token: your own, or one of a user of your jurisdiction (administrators)",
             openapi_extra=needs(SIGNED_IN))
def revoke_token(token_id: UserId, session: SessionDep, user: ApiUser) -> TokenPublic:
    token = service.revoke_token(session, user, token_id)
    session.commit()
    return TokenPublic.model_validate(token)


@router.post("/me/password", response_model=PasswordChanged, responses=problems(403),
             summary="Change your password; every other session of yours ends", openapi_extra=needs(SIGNED_IN))
def change_password(body: PasswordIn, session: SessionDep, user: ApiUser) -> PasswordChanged:
    ended = service.change_password(session, user, user=user, current=body.current, new=body.new)
    session.commit()
    return PasswordChanged(sessions_ended=ended)
