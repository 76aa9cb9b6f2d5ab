"""Benchmark: heavy cases, from their derivation to the first page of their lists (issue 20).

    .venv/bin/python -m bench.tracing_heavy [--databases sqlite,postgresql] [--persons 200000]
        [--cases 20] [--runs 3] [--reuse]

On the tiny demo county, adds a county shaped for heavy cases: --persons persons, each working
(or at school) every day of the last nine in one site of 50 to 500 persons, eating out on some
evenings in one of persons/60 restaurants and shopping on some, the check-ins (about 14.4 a
person: 2.9M for 200,000 persons) stored in random order. Each case is the first person of one of
the first --cases sites: its colleagues are its close contacts, and everyone they ate with
afterwards is a secondary contact (thousands).

Per case, each run a transaction of its own rolled back after, on a warm connection: create_case
(derivation, storing both lists, assignment, audit) plus the first page of both lists as the case
page and the API show them. Once per case, the whole report streamed as `fangyi trace --json` writes
it. The peer: one DuckDB query per case over the same stays with integer keys
(bench/tracing_data.baseline, the stays in memory), in the same run. Prints per case the close and
secondary counts, the milliseconds on each database and DuckDB's, and the ratio. Once per case,
the floor: the stored list written again as new rows with nothing derived (indexes, key checks and
JSON only), which no derivation storing per-contact rows can beat.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
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
from bench.tracing import CONFIRMED, _fields, _reset, _window
from fangyi.access import SYSTEM
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.demo import SIZES, DemoSpec, build
from fangyi.identity import make_id_number
from fangyi.protocols.reader import current
from fangyi.registry.models import Person, Venue
from fangyi.tracing.cases import create_case
from fangyi.tracing.derivation import epoch, scratch
from fangyi.tracing.trace import contact_page, write_report

DAYS = 9  # the case's window and a few days more
SITES = (500, 400, 300, 200, 100, 50)  # persons per site, in turn
MARK = "HEAVY-S0000"  # the first site: built already when it exists


def _sites(persons: int) -> list[tuple[int, int]]:
    """(first person's index, size) of each site, sizes in turn from SITES."""
    sites, start = [], 0
    while start < persons:
        size = min(SITES[len(sites) % len(SITES)], persons - start)
        sites.append((start, size))
        start += size
    return sites


def add_heavy(session: Session, kind: str, persons: int, seed: int) -> None:
    """Persons, sites, restaurants, shops and their stays, in random order (see the module's note)."""
    rng = random.Random(seed)
    area = session.scalar(select(Person.area_code).order_by(Person.id).limit(1))
    top = int(session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0)
    born = datetime(1930, 1, 1).date()
    for start in range(0, persons, 50_000):
        session.execute(insert(Person), [
            {"id_number": make_id_number("430499", born + timedelta(days=n // 500), n % 500, "M"),
             "doc_kind": "resident", "name": f"重{n}", "area_code": area}
            for n in range(start, min(persons, start + 50_000))])
    ids = list(session.scalars(select(Person.id).where(Person.id > top).order_by(Person.id)))
    sites = _sites(persons)
    restaurants, shops = max(1, persons // 60), max(1, persons // 200)
    session.execute(insert(Venue), [
        {"code": f"HEAVY-S{n:04d}", "name": f"单位{n}", "kind": "school" if n % 5 == 4 else "workplace",
         "area_code": area} for n in range(len(sites))]
        + [{"code": f"HEAVY-R{n:05d}", "name": f"饭店{n}", "kind": "restaurant", "area_code": area}
           for n in range(restaurants)]
        + [{"code": f"HEAVY-M{n:05d}", "name": f"商店{n}", "kind": "shop", "area_code": area} for n in range(shops)])
    venue = dict(session.execute(select(Venue.code, Venue.id).where(Venue.code.like("HEAVY-%"))).all())
    first = int(datetime.combine(CONFIRMED.date() - timedelta(days=DAYS - 1), datetime.min.time(),
                                 tzinfo=UTC).timestamp())
    stays: list[tuple[int, int, int, int]] = []
    for n, (begin, size) in enumerate(sites):
        work = venue[f"HEAVY-S{n:04d}"]
        for person_id in ids[begin : begin + size]:
            for day in range(DAYS):
                noon = first + day * 86_400
                morning = noon + 3600 + rng.randrange(3600)  # 09:00-10:00 local
                stays.append((person_id, work, morning, morning + 8 * 3600))
                if rng.random() < 0.4:  # dinner between 18:00 and 22:00 local, an hour
                    evening = noon + 10 * 3600 + rng.randrange(4 * 3600)
                    stays.append((person_id, venue[f"HEAVY-R{rng.randrange(restaurants):05d}"], evening,
                                  evening + 3600))
                if rng.random() < 0.2:  # half an hour's shopping at lunch
                    moment = noon + 4 * 3600 + rng.randrange(2 * 3600)
                    stays.append((person_id, venue[f"HEAVY-M{rng.randrange(shops):05d}"], moment, moment + 1800))
    rng.shuffle(stays)
    session.commit()
    _load(session, kind, stays)
    print(f"  heavy county: {persons:,} persons, {len(sites):,} sites, {len(stays):,} check-ins", flush=True)


def _load(session: Session, kind: str, stays: list[tuple[int, int, int, int]]) -> None:
    """The stays by the driver's bulk path (COPY on PostgreSQL), committed."""
    driver: Any = session.connection().connection.driver_connection
    if kind == "postgresql":
        with driver.cursor() as cursor, cursor.copy(
                "COPY checkins (person_id, venue_id, in_at, out_at) FROM STDIN") as copy:
            for row in stays:
                copy.write_row(row)
    else:
        for start in range(0, len(stays), 100_000):
            driver.executemany("INSERT INTO checkins (person_id, venue_id, in_at, out_at) VALUES (?, ?, ?, ?)",
                               stays[start : start + 100_000])
    session.commit()


def _county(kind: str, workdir: Path, reuse: bool, persons: int) -> str:
    """The tiny demo county in a database of this benchmark's own (others' runs keep theirs)."""
    name = f"fangyi_bench_heavy_{persons}"
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


def _case_persons(session: Session, cases: int) -> list[int]:
    """The first person (by id) at each of the first `cases` sites, and one more for the warm-up."""
    found = []
    for n in range(cases + 1):
        found.append(int(session.scalar(text(
            "SELECT min(c.person_id) FROM checkins c JOIN venues v ON v.id = c.venue_id WHERE v.code = :code"),
            {"code": f"HEAVY-S{n:04d}"})))
    return found


class Runner:
    """One database's warm connection, a case at a time (each run a transaction rolled back)."""

    def __init__(self, kind: str, url: str, warm_person: int) -> None:
        self.kind, self.engine = kind, engine_for(url)
        self.session = Session(self.engine)
        scratch(self.session)  # the temporary tables made and committed, as a server's connection has them
        self.session.commit()
        warm = self.session.get(Person, warm_person)
        assert warm is not None
        create_case(self.session, SYSTEM, _fields(warm, "HEAVY-WARM"))
        _reset(self.session, self.engine, kind)

    def case(self, n: int, person_id: int, runs: int) -> dict[str, Any]:
        """Counts, run times of create_case + the first pages, and the whole report streamed (once)."""
        session, line = self.session, {}
        times, pages = [], []
        for run in range(runs):
            person = session.get(Person, person_id)
            assert person is not None
            began = time.perf_counter()
            case = create_case(session, SYSTEM, _fields(person, f"HEAVY-{n}-{run}"))
            made = time.perf_counter()
            for degree in ("close", "secondary"):
                contact_page(session, case, degree, limit=50)
            paged = time.perf_counter()
            times.append(paged - began)
            pages.append(paged - made)
            if run == 0:
                line["derived_at"] = epoch(case.derived_at or CONFIRMED)
                line["counts"] = {str(d): int(c) for d, c in session.execute(text(
                    "SELECT degree, count(*) FROM contacts WHERE case_id = :c GROUP BY degree"), {"c": case.id})}
                out = io.StringIO()
                began = time.perf_counter()
                write_report(session, case, out)
                line["stream"] = time.perf_counter() - began
                line["store"] = _store_only(session, case.id)
            _reset(session, self.engine, self.kind)
        line["times"], line["pages"] = times, pages
        print(f"  [{self.kind}] case {n}: {line['counts']} {1000 * statistics.median(times):.0f} ms "
              f"(pages {1000 * statistics.median(pages):.0f} ms, stream {1000 * line['stream']:.0f} ms)", flush=True)
        return line

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()


# The case's stored list written again as new rows, reasons and all: what storing it costs with no
# derivation at all (the indexes, the key checks, the JSON), for the ratio's floor. Rolled back.
_COLUMNS = ("case_id, person_id, degree, sort_key, first_exposure, last_exposure, reasons, via, status, "
            "created_at, derived_at, stale, assigned_to_id, assigned_at")


def _store_only(session: Session, case_id: int) -> float:
    rows = session.execute(text(f"SELECT {_COLUMNS} FROM contacts WHERE case_id = :c ORDER BY person_id"),
                           {"c": case_id}).all()
    del rows  # read once untimed: the copy below times the writing, not a cold read
    began = time.perf_counter()
    session.execute(text(f"INSERT INTO contacts ({_COLUMNS}) SELECT {_COLUMNS} FROM contacts WHERE case_id = :c "
                         "ORDER BY person_id"), {"c": case_id})
    return time.perf_counter() - began


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, -(-95 * len(values) // 100) - 1)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per case and database")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--reuse", action="store_true", help="keep a heavy county built before")
    parser.add_argument("--build-only", action="store_true", help="build the counties, measure nothing")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    kinds = args.databases.split(",")
    urls = {}
    for kind in kinds:
        url = urls[kind] = _county(kind, args.workdir, args.reuse, args.persons)
        with Session(engine_for(url)) as session:
            if session.scalar(select(Venue.id).where(Venue.code == MARK)) is None:
                began = time.perf_counter()
                add_heavy(session, kind, args.persons, args.seed)
                data.analyze(url)
                print(f"  [{kind}] built in {time.perf_counter() - began:.0f} s", flush=True)
            if kind == "postgresql":
                session.execute(text("ANALYZE"))
                session.commit()
    if args.build_only:
        return
    with Session(engine_for(urls[kinds[0]])) as session:
        cases = _case_persons(session, args.cases)
    began = time.perf_counter()
    ddb = data.load_duckdb(urls[kinds[0]], args.workdir)
    rows = int(ddb.execute("SELECT count(*) FROM st").fetchone()[0])
    print(f"  DuckDB: {rows:,} stays loaded in {time.perf_counter() - began:.0f} s", flush=True)
    start, end = _window()
    secondary_kinds = current().contacts.secondary_contact_kinds
    runners = [Runner(kind, urls[kind], cases[-1]) for kind in kinds]
    first_load = os.getloadavg()
    gc.collect()
    gc.freeze()
    # Case by case, the peer and both databases one after the other: the same load for all three.
    measured: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in kinds}
    peer: dict[int, list[float]] = {}
    peer_counts: dict[int, tuple[int, int]] = {}
    for n, person_id in enumerate(cases[:-1]):
        for runner in runners:
            measured[runner.kind][person_id] = runner.case(n, person_id, args.runs)
        derived_at = measured[kinds[0]][person_id]["derived_at"]
        peer[person_id] = []
        for _ in range(args.runs):
            close, secondary, seconds = data.baseline(ddb, person_id, start, end, derived_at, secondary_kinds)
            peer[person_id].append(seconds)
        peer_counts[person_id] = (close, secondary)
    for runner in runners:
        runner.close()
    ddb.close()

    load = os.getloadavg()
    print(f"\n{rows:,} check-ins; {args.runs} runs per case; load average (1, 5, 15 min) at the start "
          f"{first_load[0]:.1f} {first_load[1]:.1f} {first_load[2]:.1f}, "
          f"at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("ms: create_case (derive, store, assign, audit) + first page (50) of both lists, median of the runs "
          "[max]; stream: the whole --json report, once; store: the stored list written again, nothing derived "
          "(the floor of storing it), once; duckdb: the peer's query, median; ratio: median / duckdb")
    header = f"{'case':>4} {'close':>6} {'second.':>8} {'duckdb c/s':>13} {'duckdb ms':>9}"
    for kind in kinds:
        header += f" {kind[:6] + ' ms':>16} {'ratio':>5} {'stream':>7} {'store':>6}"
    print(header)
    for n, person_id in enumerate(cases[:-1]):
        first = measured[kinds[0]][person_id]
        peer_ms = 1000 * statistics.median(peer[person_id])
        counts = first["counts"]
        pc = peer_counts[person_id]
        line = (f"{n:>4} {counts.get('close', 0):>6} {counts.get('secondary', 0):>8} {f'{pc[0]}/{pc[1]}':>13} "
                f"{peer_ms:>9.0f}")
        for kind in kinds:
            mine = measured[kind][person_id]
            ms, top = 1000 * statistics.median(mine["times"]), 1000 * max(mine["times"])
            line += (f" {f'{ms:.0f} [{top:.0f}]':>16} {ms / peer_ms:>5.1f} "
                     f"{1000 * mine['stream']:>7.0f} {1000 * mine['store']:>6.0f}")
        print(line)
    everyone = [s for times in peer.values() for s in times]
    summary = f"p95 over all runs: duckdb {1000 * _p95(everyone):.0f} ms"
    for kind in kinds:
        every = [s for line in measured[kind].values() for s in line["times"]]
        summary += (f"; {kind} {1000 * _p95(every):.0f} ms (p50 {1000 * statistics.median(every):.0f}, "
                    f"ratio of p95s {_p95(every) / _p95(everyone):.1f})")
    print(summary)
    for kind in kinds:
        pages = [s for line in measured[kind].values() for s in line["pages"]]
        streams = [line["stream"] for line in measured[kind].values()]
        stores = [line["store"] for line in measured[kind].values()]
        print(f"{kind}: storing the list alone p95 {1000 * _p95(stores):.0f} ms "
              f"({_p95(stores) / _p95(everyone):.1f}x the peer's p95)")
        print(f"{kind}: first pages of both lists p50 {1000 * statistics.median(pages):.0f} ms, "
              f"max {1000 * max(pages):.0f} ms; whole report streamed p50 {1000 * statistics.median(streams):.0f} ms, "
              f"max {1000 * max(streams):.0f} ms")


if __name__ == "__main__":
    main()
