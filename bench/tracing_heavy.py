"""Benchmark: one heavy case, from its derivation to its report (issue 20).

    .venv/bin/python -m bench.tracing_heavy [--databases sqlite,postgresql] [--persons 20000]
        [--workplace 500] [--restaurants 100] [--runs 3] [--reuse]

On the tiny demo county, adds a county shaped for heavy cases: --persons persons, each working
every day of the last nine in one workplace of --workplace persons and eating out some evenings
at one of --restaurants restaurants, the check-ins stored in random order. The case works in the
first workplace: its colleagues are its close contacts, and everyone they ate with afterwards is
a secondary contact (thousands). Each run, a transaction of its own rolled back after, times
create_case (derivation, storing both lists, assignment, audit), then the report as
`fangyi trace --json` builds it, then the first page of each list as the case page shows it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench import tracing_data as data
from bench.common import fresh_database
from bench.tracing import CONFIRMED, _fields, _reset
from fangyi.access import SYSTEM
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo import SIZES, DemoSpec, build
from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person, Venue
from fangyi.tracing import trace
from fangyi.tracing.cases import create_case
from fangyi.tracing.derivation import scratch
from fangyi.tracing.trace import trace_report

DAYS = 9  # the case's window and a few days more
MARK = "HEAVY-W0000"  # the first workplace: built already when it exists


def add_heavy(session: Session, persons: int, workplace: int, restaurants: int, seed: int) -> None:
    """Persons, workplaces, restaurants and their stays, in random order (see the module's note)."""
    rng = random.Random(seed)
    area = session.scalar(select(Person.area_code).order_by(Person.id).limit(1))
    top = int(session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0)
    rows = [{"id_number": make_id_number("430424", datetime(1960, 1, 1).date() + timedelta(days=n % 20000),
                                         900000 + n, "M" if n % 2 else "F"),
             "doc_kind": "resident", "name": f"重{n}", "area_code": area} for n in range(persons)]
    session.execute(insert(Person), rows)
    ids = list(session.scalars(select(Person.id).where(Person.id > top).order_by(Person.id)))
    works = [{"code": f"HEAVY-W{n:04d}", "name": f"厂{n}", "kind": "workplace", "area_code": area}
             for n in range(-(-persons // workplace))]
    eats = [{"code": f"HEAVY-R{n:04d}", "name": f"饭店{n}", "kind": "restaurant", "area_code": area}
            for n in range(restaurants)]
    session.execute(insert(Venue), works + eats)
    venue = dict(session.execute(select(Venue.code, Venue.id).where(Venue.code.like("HEAVY-%"))).all())
    first = datetime.combine(CONFIRMED.date() - timedelta(days=DAYS - 1), datetime.min.time(), tzinfo=UTC)
    stays = []
    for n, person_id in enumerate(ids):
        work, eat = venue[f"HEAVY-W{n // workplace:04d}"], venue[f"HEAVY-R{rng.randrange(restaurants):04d}"]
        for day in range(DAYS):
            morning = int((first + timedelta(days=day, hours=1)).timestamp()) + rng.randrange(3600)
            stays.append({"person_id": person_id, "venue_id": work, "in_at": morning,
                          "out_at": morning + 8 * 3600})
            if rng.random() < 0.4:
                evening = int((first + timedelta(days=day, hours=11)).timestamp()) + rng.randrange(3600)
                stays.append({"person_id": person_id, "venue_id": eat, "in_at": evening,
                              "out_at": evening + 3600})
    rng.shuffle(stays)
    for start in range(0, len(stays), 20000):
        session.execute(insert(Checkin), stays[start : start + 20000])
    session.commit()
    print(f"  heavy county: {persons:,} persons, {len(stays):,} check-ins", flush=True)


def measure(kind: str, url: str, runs: int) -> dict[str, Any]:
    engine = engine_for(url)
    timings: dict[str, list[float]] = {"case": [], "report": [], "page": []}
    counts: dict[str, int] = {}
    with Session(engine) as session:
        person = session.scalar(select(Person).join(Checkin, Checkin.person_id == Person.id)
                                .join(Venue, Venue.id == Checkin.venue_id).where(Venue.code == MARK).limit(1))
        assert person is not None
        scratch(session)  # the temporary tables made and committed, as a server's connection has them
        session.commit()
        for run in range(runs + 1):  # the first run warms the connection, untimed
            began = time.perf_counter()
            case = create_case(session, SYSTEM, _fields(person, f"HEAVY-{run}"))
            made = time.perf_counter()
            report = trace_report(session, case)
            reported = time.perf_counter()
            if hasattr(trace, "contact_page"):
                for degree in ("close", "secondary"):
                    trace.contact_page(session, case, degree, limit=50)
            paged = time.perf_counter()
            counts = {"close": len(report["close_contacts"]), "secondary": len(report["secondary_contacts"])}
            if run:
                timings["case"].append(made - began)
                timings["report"].append(reported - made)
                timings["page"].append(paged - reported)
            _reset(session, engine, kind)
    engine.dispose()
    line = {"database": kind, **counts, "runs": runs}
    for key, values in timings.items():
        line[f"{key}_ms"] = 1000 * statistics.median(values)
        line[f"{key}_max_ms"] = 1000 * max(values)
    return line


def _county(kind: str, workdir: Path, reuse: bool) -> str:
    """The tiny demo county in a database of this benchmark's own (others' runs keep theirs)."""
    name = "fangyi_bench_heavy"
    url = f"sqlite:///{workdir / name}.db" if kind == "sqlite" else data.PG_URL.format(name=name)
    if reuse and (kind == "postgresql" or (workdir / f"{name}.db").exists()) and data.checkin_count(url):
        upgrade(url=url)
        return url
    url = fresh_database(kind, workdir, name)
    upgrade(url=url)
    with Session(engine_for(url)) as session:
        build(session, DemoSpec(SIZES["tiny"]))
        session.commit()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--workplace", type=int, default=500)
    parser.add_argument("--restaurants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--reuse", action="store_true", help="keep a heavy county built before")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    lines = []
    for kind in args.databases.split(","):
        url = _county(kind, args.workdir, args.reuse)
        with Session(engine_for(url)) as session:
            if session.scalar(select(Venue.id).where(Venue.code == MARK)) is None:
                add_heavy(session, args.persons, args.workplace, args.restaurants, args.seed)
                data.analyze(url)
            if kind == "postgresql":
                session.execute(text("ANALYZE"))
                session.commit()
        lines.append(measure(kind, url, args.runs))
        print("  " + ", ".join(f"{k} {v:.0f}" if isinstance(v, float) else f"{k} {v}"
                               for k, v in lines[-1].items()), flush=True)


if __name__ == "__main__":
    main()
