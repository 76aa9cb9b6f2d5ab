"""The demo county's fleet: the county 120 centre's ambulances (two negative-pressure), buses and
couriers loaded as the vehicles file of formats.md, the designated hospital and the fever clinic in
the seat, and the day's first work: the case's transfer (taken at once by the nearest
negative-pressure ambulance, whose driver is the demo driver), supplies for the quarantine hotels and
the screening round's first tube boxes for the dispatcher to plan."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.imports.service import run_import
from fangyi.quarantine.models import QuarantineSite
from fangyi.registry.models import Area
from fangyi.timeutil import now
from fangyi.transport import service
from fangyi.transport.models import Task, Vehicle

# (plate suffix, kind, seats, institution); the county's plates start 湘D.
FLEET = (
    ("120F1", "negative_pressure", 2, "衡东县120急救中心"), ("120F2", "negative_pressure", 2, "衡东县120急救中心"),
    ("12011", "ambulance", 4, "衡东县人民医院"), ("12012", "ambulance", 4, "衡东县中医医院"),
    ("12013", "ambulance", 4, "衡东县120急救中心"), ("B0301", "bus", 20, "衡东县公共交通公司"),
    ("B0302", "bus", 20, "衡东县公共交通公司"), ("V0501", "van", 7, "衡东县疾控中心"),
    ("K0701", "courier", 30, "衡东县疾控中心"), ("K0702", "courier", 30, "衡东县人民医院"),
)


def plant_fleet(session: Session, seed: int, seat: str, labs: tuple[tuple[str, str], ...] = ()) -> int:
    rng = random.Random(f"{seed}:fleet")
    depots = list(session.scalars(select(Area.code).where(Area.parent_code == seat).order_by(Area.code))) or [seat]
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(("plate", "kind", "seats", "institution", "depot_area_code"))
    for suffix, kind, seats, institution in FLEET:
        out.writerow((f"湘D{suffix}", kind, seats, institution, rng.choice(depots)))
    report = run_import(session, SYSTEM, "vehicles", io.BytesIO(text.getvalue().encode()),
                        filename="demo-vehicles.csv", strict=True)
    if report.status != "done":
        raise RuntimeError(f"demo vehicles did not load: {report.message or report.problems[:3]}")
    hospital = depots[0]
    service.save_place(session, SYSTEM, code="HD-HOSP", name="衡东县人民医院（定点医院）", kind="designated_hospital",
                       area_code=hospital)
    service.save_place(session, SYSTEM, code="HD-FEVER", name="衡东县人民医院发热门诊", kind="fever_clinic",
                       area_code=hospital)
    for code, name in labs:  # screening's boxes for these labs become tube tasks
        service.save_place(session, SYSTEM, code=code, name=name, kind="lab", area_code=hospital)
    return len(FLEET)


def plant_work(session: Session, seat: str, shitan: str, driver: str = "driver") -> int:
    """After the case: its transfer has a vehicle, whose driver is the demo's; the dispatcher gets the
    hotels' supplies and the first tube boxes to plan."""
    taken = session.scalar(select(Task.vehicle_id).where(Task.kind == "hospital", Task.vehicle_id.is_not(None)))
    vehicle_id = taken or session.scalar(select(Vehicle.id).order_by(Vehicle.id))
    if vehicle_id is not None:
        service.set_crew(session, SYSTEM, vehicle_id, driver_username=driver,
                         crew=[{"role": "driver", "name": "转运司机"}, {"role": "escort", "name": "随车医生"}])
    start = now()
    made = 0
    for site in session.scalars(select(QuarantineSite).order_by(QuarantineSite.code)):
        service.create_task(session, SYSTEM, service.TaskFields(
            kind="supplies", rider_class="supplies", from_area_code=seat, to_area_code=site.area_code,
            from_label="衡东县防疫物资仓库", to_label=site.name, items=["防护服 200套", "N95口罩 500只"],
            earliest_at=start, latest_at=start + timedelta(hours=6)))
        made += 1
    villages = list(session.scalars(select(Area.code).where(Area.parent_code == shitan).order_by(Area.code).limit(2)))
    for n, village in enumerate(villages or [shitan], start=1):
        service.create_task(session, SYSTEM, service.TaskFields(
            kind="samples", rider_class="tubes", from_area_code=village, to_area_code=seat,
            to_label="衡东县人民医院检验科", items=[f"BOX-ST-{n:03d}"], earliest_at=start,
            latest_at=start + timedelta(hours=4)))
        made += 1
    return made
