"""A city's batch tracing over the check-in log: DuckDB and Spark local, 100 and 1,000 cases.

    .venv/bin/python -m bench.city [--sizes 10000000] [--cases 100,1000] [--engines duckdb,spark]
        [--workdir /tmp/fangyi-city] [--reuse] [--whole-log]

--engines takes duckdb and spark (the batch) and sqlite and postgresql (the database derivation,
bench/city_db.py: the city loaded into a fresh database of Fangyi's schema once per size, then
each case derived one after another, as `fangyi trace` does). --whole-log: the batches read every
day of the log, as before they skipped the days their windows cannot reach.

Writes a synthetic city log (fangyi/registry/log's layout) of each size into the workdir: persons
(one per 20 check-ins, three to a household for four in five), venues (one per 200 check-ins: a
fifth workplaces and schools, the rest restaurants, shops, markets, gatherings, vehicles, hubs,
clinics), and 14 days of check-ins with the demo's rhythm (to work at 8-9 for 8 hours; out at
meals, shopping and evenings for 20-120 minutes; the rest of the day at the hours people go out),
seven in ten with a check-out, each stay once (an exact repeat of person, venue and second, which
the hash draws about once in 2,000 stays, is dropped, as the log and the table drop it). Cases
are persons drawn at random, each confirmed on day 6-10 (cn-8's window: from two days before
onset to confirmation). Then `fangyi trace batch`'s engines
(fangyi/tracing/batch/engines.py) are timed on each batch, from the log and the gathered tables'
Parquet files to the contacts file written; DuckDB's intermediate row counts give the volumes
a cluster would shuffle (docs/scale.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path
from typing import Any

from fangyi.protocols.reader import current
from fangyi.registry.log import store
from fangyi.tracing.batch import engines
from fangyi.tracing.batch.inputs import SCHEMAS, rules_of

T0 = 1646064000  # 2022-03-01 00:00 in Asia/Shanghai
DAY = 86400
LOCAL_KINDS = ("restaurant", "shop", "market", "gathering", "vehicle", "transport_hub", "clinic", "other")
RHYTHM = (7, 10, 11, 12, 12, 13, 15, 17, 18, 18, 19, 20)  # hours people go out at


def _venue_kind_sql(work: int) -> str:
    local = ", ".join(f"'{k}'" for k in LOCAL_KINDS)
    return (f"CASE WHEN id < {work} THEN (CASE WHEN id % 10 = 0 THEN 'school' ELSE 'workplace' END) "
            f"ELSE [{local}][1 + id % {len(LOCAL_KINDS)}] END")


def generate(folder: Path, checkins: int, seed: int = 2022) -> dict[str, Any]:
    """The log, persons and venues of a city of `checkins` check-ins, into `folder`."""
    from zoneinfo import ZoneInfo

    protocol = current()
    persons, venues = max(10, checkins // 20), max(10, checkins // 200)
    work = venues // 5
    con = store.connect()
    con.execute(f"SET temp_directory = '{folder}/duckdb-spill'")  # beside the log, not the working directory
    started = time.perf_counter()
    kinds = ("workplace", "school", *LOCAL_KINDS)
    stay = " ".join(f"WHEN '{k}' THEN {60 * protocol.contacts.stay_minutes(k)}" for k in kinds)
    close = ", ".join(f"'{k}'" for k in protocol.contacts.close_contact_kinds)
    secondary = ", ".join(f"'{k}'" for k in protocol.contacts.secondary_contact_kinds)
    con.execute(f"""CREATE TABLE venues AS SELECT id, 'V' || id AS code, kind, CASE kind {stay} END AS dflt,
                    kind IN ({close}) AS close_kind, kind IN ({secondary}) AS secondary_kind
                    FROM (SELECT range AS id, {_venue_kind_sql(work)} AS kind FROM range({venues}))""")
    con.execute(f"COPY venues TO '{folder}/venues.parquet' (FORMAT parquet)")
    con.execute(f"""COPY (SELECT range AS id, 'P:C' || range AS id_number,
                          CASE WHEN range % 5 <> 0 THEN range // 3 END AS household_id, FALSE AS merged
                          FROM range({persons})) TO '{folder}/persons.parquet' (FORMAT parquet)""")
    rhythm = ", ".join(str(h) for h in RHYTHM)
    local = venues - work
    tz = ZoneInfo("Asia/Shanghai")
    con.execute(f"""
        COPY (
        WITH r AS (SELECT range AS i, CAST(hash(range, {seed}) >> 2 AS BIGINT) AS a,
                          CAST(hash(range, {seed + 1}) >> 2 AS BIGINT) AS b,
                          CAST(hash(range, {seed + 2}) >> 2 AS BIGINT) AS c FROM range({checkins})),
        v AS (SELECT i, a % {persons} AS person_id, b % 10 < 4 AS to_work, (b // 10) % 14 AS day,
                     c % 3600 AS sec, (c // 3600) % 10 < 7 AS out, (c // 36000) % 200 AS near,
                     (c // 7200000) % 100 AS mins, (a // {persons}) % {len(RHYTHM)} AS slot FROM r),
        s AS (SELECT person_id,
                     CASE WHEN to_work THEN (person_id * 7919) % {work}
                          ELSE {work} + (person_id % {local} + near) % {local} END AS venue_id,
                     {T0} + day * {DAY} + (CASE WHEN to_work THEN 8 + sec % 2 ELSE [{rhythm}][1 + slot] END) * 3600
                          + sec AS in_at,
                     CASE WHEN to_work THEN 8 * 3600 ELSE (20 + mins) * 60 END AS length, out FROM v)
        SELECT person_id, venue_id, in_at, out_at,
               {store.day_sql('in_at', tz)} AS day, CAST(venue_id % {store.BUCKETS} AS INTEGER) AS bucket
        FROM (SELECT person_id, venue_id, in_at, MIN(CASE WHEN out THEN in_at + length END) AS out_at
              FROM s GROUP BY person_id, venue_id, in_at))
        TO '{folder}/log' (FORMAT parquet, PARTITION_BY (day, bucket), FILENAME_PATTERN 'part_{{uuid}}')
    """)
    con.close()
    longest = store.record_longest(folder / "log")  # as every write keeps it: batches skip unreachable days
    size = sum(f.stat().st_size for f in (folder / "log").rglob("*.parquet"))
    return {"persons": persons, "venues": venues, "seconds": time.perf_counter() - started, "bytes": size,
            "longest": longest}


def write_cases(folder: Path, count: int, persons: int, seed: int) -> dict[str, Path]:
    """`count` cases of random persons, and the (empty) places, names and quarantines they gave."""
    con = store.connect()
    tables = {"venues": folder / "venues.parquet", "persons": folder / "persons.parquet"}
    cases = folder / f"cases-{count}"
    cases.mkdir(exist_ok=True)
    con.execute(f"""COPY (SELECT range AS case_id, 'C-' || range AS case_no,
                          CAST(hash(range, {seed}) % {persons} AS BIGINT) AS person_id,
                          {T0} + CAST(6 + hash(range, {seed + 1}) % 5 - 2 AS BIGINT) * {DAY} AS s,
                          {T0} + CAST(6 + hash(range, {seed + 1}) % 5 AS BIGINT) * {DAY} + 10 * 3600 AS e,
                          {T0} + 14 * {DAY} AS now_at FROM range({count}))
                    TO '{cases}/cases.parquet' (FORMAT parquet)""")
    tables["cases"] = cases / "cases.parquet"
    for name in ("places", "named", "quarantined"):
        tables[name] = cases / f"{name}.parquet"
        store.write_table(con, name, SCHEMAS[name], [], tables[name])
    con.close()
    return tables


def volumes(tables: dict[str, Path], log: Path) -> dict[str, int]:
    """Rows of the rules' steps, from a DuckDB run kept open: what a cluster moves between stages."""
    from fangyi.tracing.batch.rules import INPUTS, steps

    con = store.connect()
    con.execute(f"CREATE VIEW checkins AS {store.read_sql(log)}")
    for name in INPUTS:
        if name != "checkins":
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{tables[name]}')")
    counts = {}
    for name, select in steps(rules_of(current(), _zone()), "duckdb"):
        con.execute(f"CREATE TEMP TABLE {name} AS {select}")
        counts[name] = int(con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0])
    con.close()
    return counts


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000000")
    parser.add_argument("--cases", default="100,1000")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--workdir", default="/tmp/fangyi-city")
    parser.add_argument("--reuse", action="store_true", help="keep a log already generated")
    parser.add_argument("--spark-memory", default="6g")
    parser.add_argument("--whole-log", action="store_true", help="batches read every day of the log")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    rules = rules_of(current(), _zone())
    spark = None
    results = []
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        folder = workdir / f"city-{size}"
        if not (args.reuse and (folder / "log").is_dir()):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            made = generate(folder, size)
            print(f"{size:,} check-ins: generated in {made['seconds']:.1f} s, {made['bytes'] / 1e6:.0f} MB of Parquet "
                  f"({made['persons']:,} persons, {made['venues']:,} venues)", flush=True)
        log = folder / "log"
        if store.longest_stay(log) is None:
            store.record_longest(log)  # a log generated before the longest stay was kept
        kept = log / store.LONGEST_FILE
        if args.whole_log:
            kept.rename(folder / "longest_stay.json.aside")
        databases = {}
        for kind in ("sqlite", "postgresql"):
            if kind in args.engines.split(","):
                from bench import city_db
                from bench.common import database_size

                url, took = city_db.load(kind, folder, workdir, args.reuse)
                databases[kind] = url
                print(f"  [{kind}] loaded in {took:.0f} s" if took else f"  [{kind}] reusing {url}",
                      f"({database_size(url) / 1e9:.2f} GB)", flush=True)
        persons = max(10, size // 20)
        for count in (int(c) for c in args.cases.split(",")):
            tables = write_cases(folder, count, persons, seed=7)
            counts = volumes(tables, log)
            print(f"  {count} cases: steps' rows {counts}", flush=True)
            for engine in args.engines.split(","):
                if engine in databases:
                    load = os.getloadavg()[0]
                    derived = city_db.derive_cases(databases[engine], tables["cases"])
                    same = derived["contacts"] == counts["contacts"] and derived["close"] == counts["close"]
                    verdict = "the batch's counts" if same else "NOT the batch's counts"
                    results.append((engine, size, count, derived["seconds"], derived["contacts"], load))
                    print(f"  {engine:6} {count:5} cases: {derived['seconds']:7.1f} s derived one after another "
                          f"(p50 {derived['p50_ms']:.0f} ms a case), {derived['contacts']:,} contacts "
                          f"({derived['close']:,} close): {verdict}, load {load:.1f}", flush=True)
                    continue
                out = folder / f"contacts-{engine}-{count}.csv"
                if engine == "spark" and spark is None:
                    started = time.perf_counter()
                    spark = engines.spark_session("local[2]", "fangyi-bench-city", partitions=8,
                                                  options={"spark.driver.memory": args.spark_memory})
                    print(f"  spark start-up {time.perf_counter() - started:.1f} s", flush=True)
                load = os.getloadavg()[0]
                started = time.perf_counter()
                result = engines.run(engine, tables, folder / "log", rules, out, session=spark)
                seconds = time.perf_counter() - started
                results.append((engine, size, count, seconds, result.rows, load))
                read = "every day" if result.days_read is None else f"{result.days_read} of {len(store.days(log))} days"
                print(f"  {engine:6} {count:5} cases: {seconds:7.1f} s, {result.rows:,} contacts "
                      f"({counts['close']:,} close), log read: {read}, load {load:.1f}", flush=True)
            files = [folder / f"contacts-{e}-{count}.csv" for e in args.engines.split(",") if e in engines.ENGINES]
            if len(files) == 2:
                same = files[0].read_bytes() == files[1].read_bytes()
                print(f"  the engines' files are {'identical' if same else 'DIFFERENT'}", flush=True)
        if args.whole_log:
            (folder / "longest_stay.json.aside").rename(kept)
    if spark is not None:
        spark.stop()
    print("\n| engine | check-ins | cases | seconds | contacts | ms per case | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for engine, size, count, seconds, rows, load in results:
        print(f"| {engine} | {size:,} | {count:,} | {seconds:.1f} | {rows:,} | {1000 * seconds / count:.0f} | "
              f"{load:.1f} |")


if __name__ == "__main__":
    main()
