"""Domain events: how one part reacts to another's writes without writing its tables.

A part raises an event inside the transaction that made the change (`publish`); every part
that declares a handler for that kind of event runs it there and then, on the same session and
as the same principal, so that the change and the reactions commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fangyi.parts import installed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fangyi.access import Principal


@dataclass(frozen=True)
class Event:
    """Base of every domain event; each part keeps the events it raises in its `events.py`."""


E = TypeVar("E", bound=Event)
Handler = Callable[["Session", "Principal", Any], None]


def publish(session: Session, actor: Principal, event: Event) -> None:
    """Run every installed handler of this event's kind, in the parts' order."""
    for handler in installed().handlers.get(type(event), ()):
        handler(session, actor, event)
