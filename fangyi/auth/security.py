"""Password hashing, API tokens and the signed session cookie."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from fangyi.config import get_settings

_hasher = PasswordHasher()

SESSION_COOKIE = "fangyi_session"
SESSION_MAX_AGE = 12 * 3600  # one shift


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return "fy_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="fangyi-session")


def sign_session(data: dict[str, Any]) -> str:
    return _serializer().dumps(data)


def read_session(cookie: str | None, max_age: int | None = SESSION_MAX_AGE) -> dict[str, Any] | None:
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def new_csrf() -> str:
    return secrets.token_urlsafe(24)
