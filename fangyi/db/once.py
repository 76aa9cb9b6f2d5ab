"""Creating a record once: the same record sent again (a resend, two clicks, twenty handhelds at
once) is the stored one; different values under its key are a Conflict, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fangyi.errors import Conflict

T = TypeVar("T")


def create_once(session: Session, same: Callable[[], T | None], make: Callable[[], T]) -> tuple[T, bool]:
    """`same()`: the stored record these very values describe, or None; `make()`: create it,
    raising Conflict when its key is taken. Returns the record and whether it is new.

    A twin request that commits between the look and the write trips the key's check or unique
    index inside a savepoint; then the twin's record is the answer, if it is the same."""
    if (stored := same()) is not None:
        return stored, False
    try:
        with session.begin_nested():
            return make(), True
    except (IntegrityError, Conflict):
        if (stored := same()) is not None:
            return stored, False
        raise
