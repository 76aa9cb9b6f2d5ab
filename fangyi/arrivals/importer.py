"""`fangyi import arrivals FILE` and `fangyi import origin-risks FILE`, in formats.md's columns.

arrivals: `id_number, name, phone?, origin_code, arrived_at, means?, plate?, staying_area_code,
registered_at_code?`, keyed by (id_number, arrived_at); the same arrival met again (the same file
twice, or the same person within the edition's window) is merged, not doubled. An origin code
the national list lacks is kept and flagged, not refused.

origin_risks: `area_code, level, from, to?`, keyed by (area_code, from).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fangyi.arrivals import service
from fangyi.errors import DomainError
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.timeutil import parse_instant


def _column(exc: DomainError, default: str) -> str:
    return str(exc.extra.get("column", default))


class ArrivalRows(Handler):
    required = ("id_number", "name", "origin_code", "arrived_at", "staying_area_code")
    optional = ("phone", "means", "plate", "registered_at_code")
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[tuple[str, str], int] = {}

    def take(self, line: int, values: Values) -> Problem | None:
        row = {key: (value or "").strip() for key, value in self.row(values).items()}
        try:
            arrived_at = parse_instant(row["arrived_at"], self.ctx.tz)
        except ValueError:
            return Problem(line, "arrived_at", f"arrived_at {row['arrived_at']!r} is not a date and time")
        key = (row["id_number"].upper(), arrived_at.isoformat())
        if (first := self.seen.get(key)) is not None:
            return Problem(line, "id_number", f"the same arrival appears already on line {first}")
        self.seen[key] = line
        staying = row["staying_area_code"]
        if not self.ctx.county_wide and (why := self.ctx.outside(staying)) is not None:
            return Problem(line, "staying_area_code", why)
        return _through_service(self, line, "id_number", lambda: service.register_arrival(
            self.ctx.session, self.ctx.actor, id_number=row["id_number"], name=row["name"],
            origin=row["origin_code"], arrived_at=arrived_at, staying_area_code=staying,
            phone=row["phone"] or None, means=row["means"] or None, plate=row["plate"] or None,
            registered_at=row["registered_at_code"] or None, import_id=self.ctx.import_id).new)

    def flush(self) -> list[Problem]:
        return []


class _DryRun(Exception):
    """Undoes a row checked in full during a strict import's checking pass."""


def _through_service(handler: Handler, line: int, column: str, write: Callable[[], bool]) -> Problem | None:
    """One row written by the part's service in a savepoint (undone when the handler only checks);
    `write` says whether it added or changed a record, the service's refusal is the row's problem."""
    try:
        with handler.ctx.session.begin_nested():
            changed = write()
            if handler.dry:
                raise _DryRun
    except _DryRun:
        return None
    except DomainError as exc:
        return Problem(line, _column(exc, column), exc.detail)
    if changed:
        handler.loaded += 1
    else:
        handler.unchanged += 1
    return None


class OriginRiskRows(Handler):
    required = ("area_code", "level", "from")
    optional = ("to",)
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[tuple[str, str], int] = {}

    def take(self, line: int, values: Values) -> Problem | None:
        row = {key: (value or "").strip() for key, value in self.row(values).items()}
        dates: dict[str, date | None] = {}
        for column in ("from", "to"):
            try:
                dates[column] = date.fromisoformat(row[column]) if row[column] else None
            except ValueError:
                return Problem(line, column, f"{column} {row[column]!r} is not a date (YYYY-MM-DD)")
        valid_from = dates["from"]
        if valid_from is None:
            return Problem(line, "from", "from is required")
        key = (row["area_code"], row["from"])
        if (first := self.seen.get(key)) is not None:
            return Problem(line, "area_code", f"area {row['area_code']} from {row['from']} appears already on line "
                                              f"{first}")
        self.seen[key] = line
        return _through_service(self, line, "area_code", lambda: service.save_origin_risk(
            self.ctx.session, self.ctx.actor, area_code=row["area_code"], level=row["level"],
            valid_from=valid_from, valid_to=dates["to"], import_id=self.ctx.import_id)[1])

    def flush(self) -> list[Problem]:
        return []
