"""Field rules for area, venue and check-in rows, shared by the importers and the API.

Each ``clean_*`` takes the row as text (what a CSV cell or a form field holds)
and returns typed values, or raises FieldError naming the column and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fangyi.areacodes import AreaCodeError, level_of, parent_of
from fangyi.identity import IdentityError, parse_id_number
from fangyi.registry.models import AREA_LEVELS, VENUE_KINDS
from fangyi.registry.persons import FieldError

Row = dict[str, str | None]


def text(row: Row, column: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = row.get(column)
    value = value.strip() if value else None
    if not value:
        if required:
            raise FieldError(column, "is required")
        return None
    if len(value) > max_length:
        raise FieldError(column, f"is longer than {max_length} characters")
    return value


def number(row: Row, column: str, low: float, high: float) -> float | None:
    value = text(row, column)
    if value is None:
        return None
    try:
        parsed = float(value)
    except ValueError:
        raise FieldError(column, f"{value!r} is not a number") from None
    if not low <= parsed <= high:
        raise FieldError(column, f"{parsed} is outside {low}…{high}")
    return parsed


@dataclass
class AreaFields:
    code: str
    name: str
    level: str
    parent_code: str | None
    lat: float | None
    lon: float | None


def clean_area(row: Row) -> AreaFields:
    code = text(row, "code", required=True, max_length=15)
    assert code is not None
    try:
        shape = level_of(code)
    except AreaCodeError as exc:
        raise FieldError("code", str(exc)) from None
    level = text(row, "level", required=True)
    if level not in AREA_LEVELS:
        raise FieldError("level", f"{level!r} is not one of {', '.join(AREA_LEVELS)}")
    if level != shape:
        raise FieldError("level", f"{level} does not fit code {code}, which is shaped as a {shape}")
    parent = parent_of(code)
    given_parent = text(row, "parent_code", max_length=15)
    if given_parent is not None and given_parent != parent:
        raise FieldError("parent_code", f"{given_parent} is not the parent of {code}; its shape says {parent}")
    name = text(row, "name", required=True, max_length=100)
    assert name is not None
    return AreaFields(code, name, level, parent, number(row, "lat", -90, 90), number(row, "lon", -180, 180))


@dataclass
class VenueFields:
    code: str
    name: str
    kind: str
    area_code: str
    address: str | None
    default_stay_minutes: int | None
    lat: float | None
    lon: float | None


def clean_venue(row: Row) -> VenueFields:
    code = text(row, "code", required=True, max_length=64)
    name = text(row, "name", required=True)
    kind = text(row, "kind", required=True)
    if kind not in VENUE_KINDS:
        raise FieldError("kind", f"{kind!r} is not one of {', '.join(VENUE_KINDS)}")
    area_code = text(row, "area_code", required=True, max_length=15)
    assert code and name and area_code
    stay = text(row, "default_stay_minutes")
    minutes = None
    if stay is not None:
        if not stay.isdigit() or not 1 <= int(stay) <= 24 * 60:
            raise FieldError("default_stay_minutes", f"{stay!r} is not a whole number of minutes from 1 to 1440")
        minutes = int(stay)
    return VenueFields(
        code, name, kind, area_code, text(row, "address"), minutes,
        number(row, "lat", -90, 90), number(row, "lon", -180, 180),
    )


@dataclass
class CheckinFields:
    id_number: str
    venue_code: str
    in_at: int  # epoch seconds, UTC
    out_at: int | None


# Venue codes were first scanned in 2020; a time outside these years is a typing slip.
EARLIEST = 946684800  # 2000-01-01 UTC
LATEST = 4102444800  # 2100-01-01 UTC


def parse_time(row: Row, column: str, tz: ZoneInfo, *, required: bool = False) -> int | None:
    """ISO 8601 to epoch seconds; a time without an offset is local time."""
    value = text(row, column, required=required, max_length=40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(column, f"{value!r} is not an ISO 8601 time (YYYY-MM-DDTHH:MM[:SS][+08:00])") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    seconds = int(moment.timestamp())
    if not EARLIEST <= seconds < LATEST:
        raise FieldError(column, f"{value} does not lie between 2000 and 2100")
    return seconds


def clean_checkin(row: Row, tz: ZoneInfo) -> CheckinFields:
    raw_id = text(row, "id_number", required=True, max_length=40)
    assert raw_id is not None
    try:
        id_number = parse_id_number(raw_id).id_number
    except IdentityError as exc:
        raise FieldError("id_number", str(exc)) from None
    venue_code = text(row, "venue_code", required=True, max_length=64)
    assert venue_code is not None
    in_at = parse_time(row, "checked_in_at", tz, required=True)
    assert in_at is not None
    out_at = parse_time(row, "checked_out_at", tz)
    if out_at is not None and out_at < in_at:
        raise FieldError("checked_out_at", "is before checked_in_at")
    return CheckinFields(id_number, venue_code, in_at, out_at)
