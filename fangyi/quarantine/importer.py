"""`fangyi import rooms`: the rooms file of formats.md, one row per room of a centralized site.

The site is created from its first row (name, area, address, coordinates); later rows only add
rooms to it. Importing the same file twice changes nothing the second time. A site lies at its
area: rows for a site, or an area, outside the importer's jurisdiction are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fangyi.audit import service as audit
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.quarantine.models import QuarantineSite, Room
from fangyi.registry.models import Area


@dataclass
class RoomRow:
    site_code: str
    site_name: str
    area_code: str
    room: str
    beds: int
    address: str | None
    lat: float | None
    lon: float | None


class RowError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _text(row: dict[str, str | None], column: str, width: int, required: bool = True) -> str | None:
    value = (row.get(column) or "").strip()
    if not value:
        if required:
            raise RowError(column, f"{column} is required")
        return None
    if len(value) > width:
        raise RowError(column, f"{column} is longer than {width} characters")
    return value


def _coordinate(row: dict[str, str | None], column: str, limit: float) -> float | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(column, f"{column} {raw!r} is not a number") from None
    if not -limit <= value <= limit:
        raise RowError(column, f"{column} {raw} is outside ±{limit:g}")
    return value


def clean_room(row: dict[str, str | None]) -> RoomRow:
    raw_beds = (row.get("beds") or "").strip()
    try:
        beds = int(raw_beds)
    except ValueError:
        raise RowError("beds", f"beds {raw_beds!r} is not a whole number") from None
    if beds < 1:
        raise RowError("beds", "a room has at least one bed")
    return RoomRow(
        site_code=str(_text(row, "site_code", 40)), site_name=str(_text(row, "site_name", 200)),
        area_code=str(_text(row, "area_code", 15)), room=str(_text(row, "room", 40)), beds=beds,
        address=_text(row, "address", 200, required=False), lat=_coordinate(row, "lat", 90),
        lon=_coordinate(row, "lon", 180),
    )


class Rooms(Handler):
    required = ("site_code", "site_name", "area_code", "room", "beds")
    optional = ("address", "lat", "lon")
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[tuple[str, str], int] = {}
        self.areas = set(ctx.session.scalars(select(Area.code)))
        self.sites: dict[str, QuarantineSite | None] = {}

    def _site(self, fields: RoomRow) -> QuarantineSite | None:
        if fields.site_code not in self.sites:
            self.sites[fields.site_code] = self.ctx.session.scalar(
                select(QuarantineSite).where(QuarantineSite.code == fields.site_code))
        return self.sites[fields.site_code]

    def take(self, line: int, values: Values) -> Problem | None:
        try:
            fields = clean_room(self.row(values))
        except RowError as exc:
            return Problem(line, exc.column, exc.reason)
        key = (fields.site_code, fields.room)
        if (first := self.seen.get(key)) is not None:
            return Problem(line, "room",
                           f"room {fields.room} of site {fields.site_code} appears already on line {first}")
        self.seen[key] = line
        if fields.area_code not in self.areas:
            return Problem(line, "area_code", f"area {fields.area_code} is not in the registry")
        site = self._site(fields)
        if site is not None and self.ctx.outside(site.area_code) is not None:
            # Another township's site: its code is taken, and nothing more of it is said.
            return Problem(line, "site_code", f"site {fields.site_code} not found in your jurisdiction: "
                                              "its code is taken")
        if site is None and (reason := self.ctx.outside(fields.area_code)) is not None:
            return Problem(line, "area_code", reason)
        if self.dry:
            return None
        session, actor = self.ctx.session, self.ctx.actor
        if site is None:
            site = QuarantineSite(code=fields.site_code, name=fields.site_name, area_code=fields.area_code,
                                  address=fields.address, lat=fields.lat, lon=fields.lon,
                                  import_id=self.ctx.import_id)
            session.add(site)
            session.flush()
            self.sites[site.code] = site
            audit.record(session, actor, "create", "quarantine_site", site.id, after=audit.snapshot(site))
        room = session.scalar(select(Room).where(Room.site_id == site.id, Room.room == fields.room))
        if room is None:
            room = Room(site_id=site.id, room=fields.room, beds=fields.beds, import_id=self.ctx.import_id)
            session.add(room)
            session.flush()
            audit.record(session, actor, "create", "quarantine_room", room.id, after=audit.snapshot(room))
        elif room.beds == fields.beds:
            self.unchanged += 1
            return None
        else:
            before = room.beds
            room.beds = fields.beds
            session.flush()
            audit.record(session, actor, "update", "quarantine_room", room.id, before={"beds": before},
                         after={"beds": room.beds})
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []


