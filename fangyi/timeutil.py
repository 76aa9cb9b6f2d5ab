"""Local time: parsing what users type, and showing times the Chinese way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

from fangyi.config import local_zone


def local_tz() -> ZoneInfo:
    return local_zone()


# The moment the demo builder is placing its past days at (fangyi.demo.scenario); unset, the real clock.
_placed_at: ContextVar[datetime | None] = ContextVar("placed_at", default=None)


def now() -> datetime:
    placed = _placed_at.get()
    return placed if placed is not None else datetime.now(UTC)


@contextmanager
def placed_at(moment: datetime) -> Iterator[None]:
    """Let the records written inside be made at ``moment``: the demo writes its outbreak's past
    days through the parts' services as they would have been written on those days."""
    token = _placed_at.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _placed_at.reset(token)


@overload
def aware(moment: datetime) -> datetime: ...


@overload
def aware(moment: None) -> None: ...


def aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is the deployment's local time (formats.md)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=local_tz())


def parse_instant(text: str, tz: ZoneInfo | None = None) -> datetime:
    """ISO 8601; a time without an offset is local time of the deployment."""
    value = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if " " in text.strip() else text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or local_tz())
    return value.astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """The UTC instants at which a local day starts and ends (end exclusive)."""
    zone = tz or local_tz()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def today() -> date:
    return now().astimezone(local_tz()).date()


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz())


def format_datetime(value: datetime | None, lang: str = "zh") -> str:
    if value is None:
        return ""
    local = to_local(value)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return local.strftime("%Y-%m-%d %H:%M")


def format_date(value: date | None, lang: str = "zh") -> str:
    if value is None:
        return ""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()
