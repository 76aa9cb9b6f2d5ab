"""A small fleet in the test county: coordinates on its areas, a designated hospital, vehicles."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fangyi.registry.models import Area
from fangyi.transport.models import Place, Vehicle
from tests.conftest import CHENGGUAN, COUNTY, MISHUI, SHIJIN, SHITAN, XIAOQUANWU

POINTS = {COUNTY: (26.95, 112.95), SHITAN: (27.08, 112.88), SHIJIN: (27.10, 112.90), XIAOQUANWU: (27.11, 112.91),
          MISHUI: (27.28, 113.08), CHENGGUAN: (27.30, 113.10)}


def with_points(db: Session) -> None:
    for code, (lat, lon) in POINTS.items():
        area = db.get(Area, code)
        assert area is not None
        area.lat, area.lon = lat, lon
    db.add(Place(code="HOSP", name="县人民医院（定点医院）", kind="designated_hospital", area_code=CHENGGUAN))
    db.add(Place(code="FEVER", name="发热门诊", kind="fever_clinic", area_code=CHENGGUAN))
    db.flush()


def add_vehicle(db: Session, plate: str, kind: str, *, seats: int = 4, depot: str = CHENGGUAN,
                driver: str | None = None) -> Vehicle:
    vehicle = Vehicle(plate=plate, kind=kind, seats=seats, institution="县120急救中心", depot_area_code=depot,
                      driver_username=driver, crew=[{"role": "driver", "name": "司机甲", "phone": "13800000000"}])
    db.add(vehicle)
    db.flush()
    return vehicle
