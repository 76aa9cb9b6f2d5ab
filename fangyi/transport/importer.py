"""`fangyi import vehicles`: the vehicles file of formats.md, key `plate`.

A vehicle lies at its depot area: rows for a depot outside the importer's jurisdiction, or for a
plate another jurisdiction's vehicle holds, are refused. A plate already there with other values is
updated, the audit trail keeping what it was; the same file twice changes nothing the second time.
"""

from __future__ import annotations

from sqlalchemy import select

from fangyi.audit import service as audit
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.registry.models import Area
from fangyi.transport.models import VEHICLE_KINDS, Vehicle

FIELDS = ("kind", "seats", "institution", "depot_area_code")


class Vehicles(Handler):
    required = ("plate", "kind", "seats", "institution", "depot_area_code")
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[str, int] = {}
        self.areas = set(ctx.session.scalars(select(Area.code)))

    def take(self, line: int, values: Values) -> Problem | None:
        row = {k: (v or "").strip() for k, v in self.row(values).items()}
        for column in self.required:
            if not row[column]:
                return Problem(line, column, f"{column} is required")
        plate = row["plate"].upper()
        if len(plate) > 20:
            return Problem(line, "plate", "plate is longer than 20 characters")
        if row["kind"] not in VEHICLE_KINDS:
            return Problem(line, "kind", f"kind {row['kind']!r} is not one of {', '.join(VEHICLE_KINDS)}")
        try:
            seats = int(row["seats"])
        except ValueError:
            return Problem(line, "seats", f"seats {row['seats']!r} is not a whole number")
        if not 1 <= seats <= 80:
            return Problem(line, "seats", "seats must be between 1 and 80")
        if len(row["institution"]) > 200:
            return Problem(line, "institution", "institution is longer than 200 characters")
        depot = row["depot_area_code"]
        if depot not in self.areas:
            return Problem(line, "depot_area_code", f"area {depot} is not in the registry")
        if (reason := self.ctx.outside(depot)) is not None:
            return Problem(line, "depot_area_code", reason)
        if (first := self.seen.get(plate)) is not None:
            return Problem(line, "plate", f"plate {plate} appears already on line {first}")
        self.seen[plate] = line
        session, actor = self.ctx.session, self.ctx.actor
        vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == plate))
        if vehicle is not None and self.ctx.outside(vehicle.depot_area_code) is not None:
            return Problem(line, "plate", f"plate {plate} not found in your jurisdiction: it is taken")
        values_now = {"kind": row["kind"], "seats": seats, "institution": row["institution"], "depot_area_code": depot}
        if self.dry:
            return None
        if vehicle is None:
            vehicle = Vehicle(plate=plate, import_id=self.ctx.import_id, **values_now)
            session.add(vehicle)
            session.flush()
            audit.record(session, actor, "create", "transport_vehicle", vehicle.id, after=audit.snapshot(vehicle))
        else:
            before = {k: getattr(vehicle, k) for k in FIELDS}
            if before == values_now:
                self.unchanged += 1
                return None
            for key, value in values_now.items():
                setattr(vehicle, key, value)
            vehicle.version += 1
            session.flush()
            audit.record(session, actor, "update", "transport_vehicle", vehicle.id, before=before, after=values_now)
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []
