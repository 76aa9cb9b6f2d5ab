"""Benchmark: the daily check of every zone in force.

    .venv/bin/python -m bench.zones [--databases sqlite,postgresql] [--repeat 3]

One world per database: a county of 10 townships, 100 villages and 500 groups of 100 residents
(50,000 persons); 2,000 cases confirmed over 20 days, each with 5 close contacts and a negative test
after the exposure; a pooled round of everyone (5,000 tubes of 10) in the two days before the check;
500 zones in force: 400 groups sealed, 99 villages controlled, the county precaution.

- check: `fangyi zones check` for the day (every criterion of every zone, with its evidence, and the
  lift proposals written), rolled back and repeated. Baseline: one query reading the same samples
  once (the persons, their samples and tubes), the floor of the screening criterion alone.
- list: the same evaluation without writing (`fangyi zones list`).
- report: the daily report's zone figures for the day (each zone by its kind of then).
Each figure is the median of --repeat runs; the target (issue 14) is 1 s.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bench.common import fresh_database, median_rolled_back
from bench.tracing_data import analyze
from fangyi.access import SYSTEM
from fangyi.app import install
from fangyi.db.bulk import insert_returning
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.registry.models import Area, Person
from fangyi.screening.models import Sample, ScreeningRound, Tube
from fangyi.tracing.models import Case, Contact
from fangyi.zones import service
from fangyi.zones.figures import zone_figures
from fangyi.zones.models import Zone, ZoneArea

COUNTY = "430424"
DAY = date(2022, 4, 20)
TOWNS, VILLAGES, GROUPS, RESIDENTS = 10, 10, 5, 100
CASES, CONTACTS = 2000, 5


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def _seed(session: Session) -> None:
    areas = [{"code": COUNTY, "name": "衡东县", "level": "county", "parent_code": None}]
    villages, groups = [], []
    for t in range(1, TOWNS + 1):
        town = f"{COUNTY}{100 + t:03d}000"
        areas.append({"code": town, "name": f"乡{t}", "level": "township", "parent_code": COUNTY})
        for v in range(1, VILLAGES + 1):
            village = f"{town[:9]}{v:03d}"
            villages.append(village)
            areas.append({"code": village, "name": f"村{t}-{v}", "level": "village", "parent_code": town})
            for g in range(1, GROUPS + 1):
                group = f"{village}{g:03d}"
                groups.append(group)
                areas.append({"code": group, "name": f"组{t}-{v}-{g}", "level": "group", "parent_code": village})
    session.execute(insert(Area), areas)
    made = datetime(2022, 3, 1, tzinfo=UTC)
    people = [{"id_number": f"P:Z{n:07d}", "doc_kind": "passport", "name": f"人{n}",
               "area_code": groups[n % len(groups)], "created_at": made, "updated_at": made}
              for n in range(len(groups) * RESIDENTS)]
    person_ids = [int(row[0]) for row in insert_returning(session, Person, people, ("id",))]
    # 2,000 cases over 20 days, from the first 2,000 persons (four in each group).
    cases = [{"case_no": f"Z-{n:05d}", "person_id": person_ids[n], "classification": "confirmed",
              "sampled_at": _at(DAY - timedelta(days=20 + n % 20), 8),
              "confirmed_at": _at(DAY - timedelta(days=20 + n % 20), 12), "source": "local",
              "created_at": made, "updated_at": made} for n in range(CASES)]
    case_ids = [int(row[0]) for row in insert_returning(session, Case, cases, ("id",))]
    contacts = []
    for n, case_id in enumerate(case_ids):
        exposure = _at(DAY - timedelta(days=21 + n % 20), 18)
        for k in range(CONTACTS):
            contacts.append({"case_id": case_id, "person_id": person_ids[CASES + (n * CONTACTS + k) % 40000],
                             "degree": "close", "first_exposure": exposure, "last_exposure": exposure,
                             "reasons": [{"kind": "household"}], "via": [], "status": "confirmed", "stale": False,
                             "created_at": made, "derived_at": made})
    session.execute(insert(Contact), contacts)
    round_id = session.scalars(insert(ScreeningRound).returning(ScreeningRound.id), [{
        "code": "R-0419", "name": "全员核酸", "area_codes": [COUNTY], "starts_at": _at(DAY - timedelta(days=1), 7),
        "deadline_at": _at(DAY, 7), "pool_size": 10, "created_at": made}]).one()
    sampled, tested = _at(DAY - timedelta(days=1), 9), _at(DAY - timedelta(days=1), 20)
    tubes = [{"barcode": f"Z{n:07d}", "round_id": round_id, "pool_size": 10, "members": 10, "state": "tested",
              "opened_at": sampled, "result": "negative", "tested_at": tested, "lab_code": "L1"}
             for n in range(len(person_ids) // 10)]
    tube_ids = [int(row[0]) for row in insert_returning(session, Tube, tubes, ("id",))]
    session.execute(insert(Sample), [{"tube_id": tube_ids[n // 10], "person_id": person_id, "round_id": round_id,
                                      "sampled_at": sampled, "round_code": "R-0419"}
                                     for n, person_id in enumerate(person_ids)])
    approved = _at(DAY - timedelta(days=40), 12)
    kinds = ([("sealed", g) for g in groups[:400]] + [("controlled", v) for v in villages[-99:]]
             + [("precaution", COUNTY)])
    zones = [{"kind": kind, "state": "active", "area_codes": [code], "venue_ids": [], "scope_code": code,
              "reason": "bench", "edition": "cn-8", "measures": [], "proposed_at": approved, "proposed_by": "bench",
              "approved_at": approved, "approved_by": "bench", "kind_since": approved, "downgraded": False,
              "created_at": approved} for kind, code in kinds]
    zone_ids = [int(row[0]) for row in insert_returning(session, Zone, zones, ("id",))]
    session.execute(insert(ZoneArea), [{"zone_id": zone_id, "area_code": code, "regime": "zones", "in_force": True}
                                       for zone_id, (_, code) in zip(zone_ids, kinds, strict=True)])
    session.commit()


def run(kind: str, workdir: Path, repeat: int) -> dict[str, float]:
    url = fresh_database(kind, workdir, "fangyi_bench_zones")
    upgrade(url=url)
    engine = engine_for(url)
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        _seed(session)
        analyze(url)  # the statistics autovacuum keeps on a live database (SQLite: ANALYZE)
        print(f"[{kind}] world built in {time.perf_counter() - started:.1f} s", flush=True)
        figures: dict[str, float] = {}

        def check() -> None:
            views = service.check(session, SYSTEM, DAY)
            assert len(views) == 500, len(views)
            # Every case is more than 14 days old and everyone was sampled: every sealed and
            # controlled zone gets its lift proposed (the precaution waits for them).
            assert sum(1 for v in views if v.zone.pending == "lift") == 499

        figures["check"] = median_rolled_back(check, session, repeat)
        figures["list"] = median_rolled_back(lambda: service.list_zones(session, SYSTEM, DAY), session, repeat)

        def report() -> None:
            # A past day's figures, each zone by its kind of then (replayed from its decisions).
            assert zone_figures(session, DAY, SYSTEM) == {"sealed": 400, "controlled": 99, "precaution": 1}

        figures["report"] = median_rolled_back(report, session, repeat)

        def floor() -> None:
            session.execute(select(Person.area_code, func.max(Sample.sampled_at))
                            .join(Sample, Sample.person_id == Person.id).join(Tube, Tube.id == Sample.tube_id)
                            .where(Tube.result == "negative").group_by(Person.area_code)).all()

        figures["floor"] = median_rolled_back(floor, session, repeat)
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    install()
    for kind in args.databases.split(","):
        figures = run(kind, args.workdir, args.repeat)
        print(f"[{kind}] daily check of 500 zones: {figures['check']:.3f} s (list without writing "
              f"{figures['list']:.3f} s; the report's zone figures {figures['report']:.3f} s; "
              f"floor, reading the samples once: {figures['floor']:.3f} s, "
              f"ratio {figures['check'] / figures['floor']:.1f}×); target 1 s", flush=True)


if __name__ == "__main__":
    main()
