"""Benchmark: quarantine allocation, a site's board, and the 14-day beds forecast.

    .venv/bin/python -m bench.quarantine [--databases sqlite,postgresql] [--repeat 3]

One world per database: 50 sites of 110 free rooms (5,500 rooms for 5,000 open requests), one site of
500 rooms all occupied (the board), and 40 full sites of 500 rooms holding 20,000 active placements
(the forecast). Persons spread over 20 villages with coordinates.

- allocate: 5,000 requests placed in one batch (nearest free room, transport requests, audit), rolled
  back and repeated. Baseline: the same 5,000 placements and 5,000 transport rows inserted by the same
  bulk path (one statement each), the write floor of the batch.
- board: the 500-room site's board (rooms, occupants, clocks, tests and checks due, alerts). Baseline:
  one query reading the same rooms, placements and persons. Also the board's page through the app
  in-process (HTTP, token, rendered HTML), whose baseline is the board's data alone.
- forecast: beds free per site for today and 14 days from 20,500 active placements. Baseline: one query
  reading the same active placements.
Each figure is the median of --repeat runs; the targets (issue 4) are 1 s each.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bench.common import fresh_database, median_rolled_back, signed_in
from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.db.bulk import insert_returning
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.quarantine import board, placing
from fangyi.quarantine.figures import forecast
from fangyi.quarantine.models import Placement, PlacementRequest, QuarantineSite, Room, TransportRequest
from fangyi.registry.models import Area, Person
from fangyi.timeutil import now, today

COUNTY = "430424"
FREE_SITES, FREE_ROOMS = 50, 110
FULL_SITES, FULL_ROOMS = 40, 500
BOARD_ROOMS = 500
REQUESTS = 5000


def _seed(session: Session) -> tuple[list[int], Any]:
    session.add(Area(code=COUNTY, name="衡东县", level="county", lat=27.08, lon=112.95))
    towns = [f"430424{100 + t:03d}000" for t in range(1, 5)]
    for i, code in enumerate(towns):
        session.add(Area(code=code, name=f"乡{i}", level="township", parent_code=COUNTY))
    villages = [f"{town[:9]}{v:03d}" for town in towns for v in range(1, 6)]
    for i, code in enumerate(villages):
        session.add(Area(code=code, name=f"村{i}", level="village", parent_code=code[:9] + "000",
                         lat=26.9 + 0.02 * i, lon=112.8 + 0.015 * i))
    session.flush()
    user = accounts.create_user(session, SYSTEM, username="office", password="bench-pass-2022",
                                    role="command_office", area_code=COUNTY)
    people = REQUESTS + BOARD_ROOMS + FULL_SITES * FULL_ROOMS
    person_ids = list(session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
        {"id_number": f"P:B{n:07d}", "doc_kind": "passport", "name": f"人{n}", "area_code": villages[n % 20],
         "address": f"{n}号", "created_at": now(), "updated_at": now()} for n in range(people)]))

    def site(code: str, rooms: int, i: int) -> tuple[int, list[int]]:
        site_id = session.scalars(insert(QuarantineSite).returning(QuarantineSite.id), [{
            "code": code, "name": f"隔离点{code}", "area_code": villages[i % 20], "lat": 26.9 + 0.01 * i,
            "lon": 112.8 + 0.01 * i, "created_at": now()}]).one()
        ids = list(session.scalars(insert(Room).returning(Room.id, sort_by_parameter_order=True), [
            {"site_id": site_id, "room": str(1000 + r), "beds": 1 + r % 2, "state": "free", "state_since": now(),
             "created_at": now()} for r in range(rooms)]))
        return site_id, ids

    for i in range(FREE_SITES):
        site(f"F{i:02d}", FREE_ROOMS, i)
    exposure = now() - timedelta(days=3)
    placed = iter(person_ids[REQUESTS:])
    full = [site("BOARD", BOARD_ROOMS, 0)] + [site(f"X{i:02d}", FULL_ROOMS, i) for i in range(FULL_SITES)]
    rows: list[dict[str, Any]] = []
    for n, (site_id, room_ids) in enumerate(full):
        for k, room_id in enumerate(room_ids):
            rows.append({"person_id": next(placed), "category": "close_contact" if k % 3 else "secondary_contact",
                         "setting": "centralized", "site_id": site_id, "room_id": room_id,
                         "last_exposure": exposure - timedelta(days=(n + k) % 6), "linked_person_ids": [],
                         "edition": "cn-8", "status": "active", "placed_at": now()})
    for start in range(0, len(rows), 5000):
        session.execute(insert(Placement), rows[start:start + 5000])
    session.execute(update(Room).where(Room.site_id.in_([s for s, _ in full])).values(state="occupied"))
    request_ids = list(session.scalars(insert(PlacementRequest).returning(PlacementRequest.id,
                                                                          sort_by_parameter_order=True), [
        {"person_id": person_ids[n], "reason": "bench", "category": "close_contact", "source": "manual",
         "last_exposure": exposure, "linked_person_ids": [], "status": "open", "created_at": now()}
        for n in range(REQUESTS)]))
    session.commit()
    return request_ids, user


def run(kind: str, workdir: Path, repeat: int) -> dict[str, float]:
    url = fresh_database(kind, workdir, "fangyi_bench_quarantine")
    upgrade(url=url)
    engine = engine_for(url)
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        request_ids, user = _seed(session)
        print(f"[{kind}] world built in {time.perf_counter() - started:.1f} s", flush=True)
        figures: dict[str, float] = {}

        def allocate() -> None:
            outcome = placing.allocate(session, SYSTEM, request_ids)
            assert len(outcome.placements) == REQUESTS, outcome.unplaced

        figures["allocate"] = median_rolled_back(allocate, session, repeat)
        rooms = list(session.scalars(select(Room.id).where(Room.state == "free").limit(REQUESTS)))
        requests = session.execute(select(PlacementRequest.id, PlacementRequest.person_id)
                                   .where(PlacementRequest.id.in_(request_ids))).all()

        def floor() -> None:
            moment = now()
            ids = [row[0] for row in insert_returning(session, Placement, [
                {"person_id": p, "request_id": r, "category": "close_contact", "setting": "centralized",
                 "room_id": room, "last_exposure": moment, "linked_person_ids": [], "edition": "cn-8",
                 "status": "active", "placed_at": moment} for (r, p), room in zip(requests, rooms, strict=False)],
                ("id",))]
            insert_returning(session, TransportRequest, [
                {"person_id": p, "placement_id": i, "from_place": "x", "to_place": "y", "reason": "placement",
                 "status": "open", "created_at": moment} for (_, p), i in zip(requests, ids, strict=False)], ("id",))

        figures["allocate_floor"] = median_rolled_back(floor, session, repeat)
        day = today()
        figures["board"] = median_rolled_back(lambda: board.board(session, user, "BOARD", day), session, repeat)
        site_id = session.scalar(select(QuarantineSite.id).where(QuarantineSite.code == "BOARD"))
        figures["board_floor"] = median_rolled_back(lambda: session.execute(
            select(Room, Placement, Person).outerjoin(Placement, (Placement.room_id == Room.id) &
                                                      (Placement.status == "active"))
            .outerjoin(Person, Person.id == Placement.person_id).where(Room.site_id == site_id)).all(),
            session, repeat)
        with signed_in(session, user) as (client, headers):

            def page() -> None:
                answer = client.get("/quarantine/sites/BOARD", headers=headers)
                assert answer.status_code == 200 and answer.text.count("<tr>") >= BOARD_ROOMS

            figures["board_page"] = median_rolled_back(page, session, repeat)
        figures["board_page_floor"] = figures["board"]
        figures["forecast"] = median_rolled_back(lambda: forecast(session, SYSTEM, day), session, repeat)
        figures["forecast_floor"] = median_rolled_back(lambda: session.execute(
            select(Placement.room_id, Placement.category, Placement.last_exposure)
            .where(Placement.status == "active")).all(), session, repeat)
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{'database':<11} {'what':<34} {'s':>7} {'floor s':>8} {'ratio':>6}")
    for kind in args.databases.split(","):
        f = run(kind, args.workdir, args.repeat)
        for name, label in (("allocate", "allocate 5,000 across 50 sites"), ("board", "board of a 500-room site"),
                            ("board_page", "the board's page (HTTP, rendered)"),
                            ("forecast", "14-day forecast, 20,500 placements")):
            print(f"{kind:<11} {label:<34} {f[name]:>7.3f} {f[name + '_floor']:>8.3f} "
                  f"{f[name] / f[name + '_floor']:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
