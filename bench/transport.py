"""Benchmark: a dispatch suggestion for 500 open tasks and 80 vehicles.

    .venv/bin/python -m bench.transport [--databases sqlite,postgresql] [--repeat 3] [--tasks 500] [--vehicles 80]

One world per database: a county of 10 townships of 10 villages (coordinates over ~50 km), four
quarantine hotels and a hospital in the seat; 80 vehicles (negative-pressure ambulances,
ambulances, buses, vans, couriers) at village depots; 500 open tasks of every kind: households of
close contacts and groups of secondary contacts to the hotels, suspected cases to the fever clinic,
tube boxes from villages to the lab, supplies to the hotels, with windows over the next hours.

- suggest: `transport.service.suggest` as the dispatcher's button runs it (reading the tasks and the
  fleet, OR-Tools with its 1 s limit, the answer), rolled back and repeated. Target (issue 16): 2 s.
- vehicle-hours: the solver's plan against the greedy nearest-vehicle baseline (the most urgent load
  first, to the suitable vehicle that reaches it soonest), both over the same input in the same run,
  with the tasks each planned.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.common import fresh_database
from fangyi.access import SYSTEM
from fangyi.app import install
from fangyi.db.bulk import insert_returning
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.protocols.reader import current
from fangyi.registry.models import Area
from fangyi.timeutil import now
from fangyi.transport import planner, service
from fangyi.transport.models import Task, Vehicle

COUNTY = "430424"
CENTRE = (27.08, 112.95)
KINDS = (("negative_pressure", 2, 8), ("ambulance", 4, 22), ("bus", 20, 12), ("van", 7, 18), ("courier", 30, 20))
# (share of tasks, task kind, rider class)
MIX = ((0.35, "placement", "close_contact"), (0.2, "placement", "secondary_contact"),
       (0.05, "fever_clinic", "suspected"), (0.25, "samples", "tubes"), (0.15, "supplies", "supplies"))


def _draw(pick: float) -> tuple[str, str]:
    for share, kind, rider in MIX:
        if pick < share:
            return kind, rider
        pick -= share
    return MIX[-1][1], MIX[-1][2]


def _seed(session: Session, tasks: int, vehicles: int, rng: random.Random) -> None:
    areas = [{"code": COUNTY, "name": "衡东县", "level": "county", "parent_code": None, "lat": CENTRE[0],
              "lon": CENTRE[1]}]
    villages = []
    for t in range(1, 11):
        town = f"{COUNTY}{100 + t:03d}000"
        lat, lon = CENTRE[0] + rng.uniform(-0.2, 0.2), CENTRE[1] + rng.uniform(-0.25, 0.25)
        areas.append({"code": town, "name": f"乡{t}", "level": "township", "parent_code": COUNTY, "lat": lat,
                      "lon": lon})
        for v in range(1, 11):
            code = f"{town[:9]}{v:03d}"
            villages.append((code, lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)))
            areas.append({"code": code, "name": f"村{t}-{v}", "level": "village", "parent_code": town,
                          "lat": villages[-1][1], "lon": villages[-1][2]})
    session.execute(insert(Area), areas)
    seat = villages[:4]  # the hotels, the hospital and the lab are in the seat's first villages
    fleet = []
    for kind, seats, count in KINDS:
        share = max(1, round(count * vehicles / 80))
        fleet += [{"plate": f"湘D{kind[:2].upper()}{n:03d}", "kind": kind, "seats": seats, "institution": "县120",
                   "depot_area_code": rng.choice(villages)[0], "state": "free", "state_since": now(),
                   "needs_disinfection": False, "crew": [], "version": 1, "created_at": now()} for n in range(share)]
    session.execute(insert(Vehicle), fleet[:vehicles])
    start = now()
    rows = []
    for n in range(tasks):
        kind, rider = _draw(rng.random())
        source = rng.choice(villages[4:])
        target = rng.choice(seat)
        if kind == "supplies":
            source, target = seat[0], rng.choice(seat)
        seats = rng.randint(1, 4) if rider == "close_contact" else 1
        earliest = start + timedelta(minutes=rng.randint(0, 180))
        rows.append({
            "kind": kind, "rider_class": rider, "priority": service.PRIORITY[kind], "area_code": source[0],
            "from_area_code": source[0], "from_label": source[0], "from_lat": source[1], "from_lon": source[2],
            "to_area_code": target[0], "to_label": target[0], "to_lat": target[1], "to_lon": target[2],
            "person_ids": [], "household_id": n if rider == "close_contact" else None, "items": [], "seats": seats,
            "earliest_at": earliest, "latest_at": earliest + timedelta(minutes=rng.randint(180, 480)),
            "requested_by": "bench", "transport_request_ids": [], "picked_up_ids": [], "status": "open",
            "created_at": start,
        })
    insert_returning(session, Task, rows, ("id",))


def run(kind: str, workdir: Path, repeat: int, tasks: int, vehicles: int) -> dict[str, float | int | str]:
    url = fresh_database(kind, workdir, "fangyi_bench_transport")
    upgrade(url=url)
    engine = engine_for(url)
    with Session(engine) as session:
        _seed(session, tasks, vehicles, random.Random(16))
        session.commit()
    times = []
    plan: planner.Plan | None = None
    for _ in range(repeat):
        with Session(engine) as session:
            began = time.perf_counter()
            found = service.suggest(session, SYSTEM)
            times.append(time.perf_counter() - began)
            plan = found.plan
            session.rollback()
    with Session(engine) as session:
        basis = service.planning(session, SYSTEM)
    rules = current().transport
    assert plan is not None
    baseline = planner.greedy(rules, basis.jobs, basis.cars)
    breaches = planner.separation_holds(rules, plan, basis.jobs, basis.cars)
    engine.dispose()
    solver_hours = planner.vehicle_hours(rules, plan, basis.jobs, basis.cars)
    greedy_hours = planner.vehicle_hours(rules, baseline, basis.jobs, basis.cars)
    return {"database": kind, "suggest_s": statistics.median(times), "planned": plan.planned(),
            "greedy_planned": baseline.planned(), "vehicle_hours": solver_hours, "greedy_vehicle_hours": greedy_hours,
            "breaches": len(breaches), "tasks": len(basis.jobs), "vehicles": len(basis.cars)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--vehicles", type=int, default=80)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"))
    args = parser.parse_args(argv)
    install()
    print("| database | tasks | vehicles | suggest (median) | planned | vehicle-hours | greedy planned "
          "| greedy vehicle-hours | solver / greedy hours | rule breaches |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in args.databases.split(","):
        r = run(kind, args.workdir, args.repeat, args.tasks, args.vehicles)
        ratio = float(r["vehicle_hours"]) / float(r["greedy_vehicle_hours"]) if r["greedy_vehicle_hours"] else 0.0
        print(f"| {kind} | {r['tasks']} | {r['vehicles']} | {float(r['suggest_s']):.2f} s | {r['planned']} | "
              f"{float(r['vehicle_hours']):.1f} | {r['greedy_planned']} | {float(r['greedy_vehicle_hours']):.1f} | "
              f"{ratio:.3f} | {r['breaches']} |", flush=True)


if __name__ == "__main__":
    main()
