"""Benchmark: many handhelds scanning at once against the registration API, on PostgreSQL.

    .venv/bin/python -m bench.screening_load [--seconds 60] [--clients 64] [--workers 2]
        [--modes single,batch] [--resend 0.3] [--persons 20000]

uvicorn serves the app (uvloop, httptools) in a subprocess on loopback; the
load generator runs in this process (uvloop, a hand-written keep-alive HTTP/1.1 client: httpx cost
more CPU a request than the server). Each handheld opens a tube, scans ten
people into it (the tube closes itself) and starts again; 30% of requests are
sent a second time with the same scan ids, as a handheld does after a dropped
answer. `single` sends one scan per request, `batch` what a handheld has
queued (20 scans a request). Afterwards the stored scans are counted against
the unique scan ids sent: they must be equal. Then the same rows go into a
scratch table by psycopg directly (one row per commit on 8 connections, and
executemany 20 rows per transaction) — the raw ceiling — and the ratio is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvloop

from bench.common import fresh_database
from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.app import install
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.identity import make_id_number
from fangyi.screening.setup import RoundFields, create_point, create_round

DB_NAME = "fangyi_bench_screening"
COUNTY, TOWNSHIP, VILLAGE = "430424", "430424101000", "430424101001"
POOL = 10
GRACE = 30  # seconds after the end in which unanswered scans are still sent again
LOG = Path("/tmp/fangyi-bench/screening-server.log")


def _id_number(n: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=n // 1000)
    return make_id_number(COUNTY, born, n % 500, "M" if (n // 500) % 2 else "F")


def seed(url: str, persons: int, clients: int) -> tuple[str, list[str]]:
    """Areas, persons (COPY), a round under way, one point per handheld and a sampler's token."""
    install()  # the parts' permissions, which the services below check
    upgrade(url=url)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    numbers = [_id_number(n) for n in range(persons)]
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO areas (code, name, level, parent_code) VALUES (%s, '衡东县', 'county', NULL), "
                     "(%s, '石滩乡', 'township', %s), (%s, '石金村', 'village', %s)",
                     (COUNTY, TOWNSHIP, COUNTY, VILLAGE, TOWNSHIP))
        stamp = datetime.now(UTC)
        with conn.cursor().copy("COPY persons (id_number, doc_kind, name, area_code, created_at, updated_at) "
                                "FROM STDIN") as copy:
            for n, number in enumerate(numbers):
                copy.write_row((number, "resident", f"居民{n}", VILLAGE, stamp, stamp))
    from sqlalchemy.orm import Session

    with Session(engine_for(url)) as session:
        user = accounts.create_user(session, SYSTEM, username="sampler", password="bench-sampler-2022",
                                        role="sampler", area_code=COUNTY)
        create_round(session, SYSTEM, RoundFields("BENCH", "压测轮次", [COUNTY], datetime.now(UTC) - timedelta(hours=1),
                                                  datetime.now(UTC) + timedelta(hours=20), POOL))
        for n in range(clients):
            create_point(session, SYSTEM, code=f"P{n:03d}", name=f"采样点{n}", area_code=VILLAGE)
        token = accounts.issue_token(session, SYSTEM, user, "bench")
        session.commit()
    return token, numbers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    # The zones check the server would run at its hour is left out of the measure.
    env = {**os.environ, "FANGYI_DATABASE_URL": url, "FANGYI_ZONES_CHECK_AT": "off"}
    LOG.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "fangyi.app:serve_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
         "--log-level", "warning", "--no-access-log"], env=env, stdout=LOG.open("ab"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    unique: dict[str, tuple[str, str | None, datetime]] = field(default_factory=dict)  # scan_id -> row
    scans_sent: int = 0
    refused: int = 0
    errors: int = 0  # answers that were not 200, or no answer: the scans were sent again
    unanswered: int = 0  # scans still without an answer GRACE seconds after the end


class Connection:
    """One handheld's keep-alive HTTP/1.1 connection, by hand: httpx cost the load generator ~6 ms
    of CPU a request, more than the server, so the old figures measured the client as much as the app."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"POST /api/v1/screening/scans HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 30)
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            return status, await self.reader.readexactly(length)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def handheld(conn: Connection, index: int, people: list[str], per_request: int, resend: float,
                   stop: float, tally: Tally) -> None:
    rng = random.Random(index)
    point = f"P{index:03d}"
    queue: list[dict[str, Any]] = []
    tube_no = 0
    cursor = 0

    def scans() -> list[dict[str, Any]]:
        nonlocal tube_no, cursor
        tube_no += 1
        barcode = f"H{index:03d}T{tube_no:07d}"
        at = datetime.now(UTC).isoformat()
        items = [{"scan_id": uuid.uuid4().hex, "action": "open", "barcode": barcode, "point_code": point,
                  "scanned_at": at}]
        for _ in range(POOL):
            items.append({"scan_id": uuid.uuid4().hex, "action": "person", "barcode": barcode, "point_code": point,
                          "id_number": people[cursor % len(people)], "scanned_at": at})
            cursor += 1
        return items

    async def post(items: list[dict[str, Any]]) -> None:
        """Send until answered, as a handheld does: an error or a dropped connection is tried again."""
        body = json.dumps(items[0] if len(items) == 1 else {"scans": items}).encode()
        while True:
            started = time.perf_counter()
            try:
                status, answer = await conn.post(body)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                status, answer = 0, b""
            tally.scans_sent += len(items)
            if status == 200:
                break
            tally.errors += 1
            if time.perf_counter() > stop + GRACE:
                tally.unanswered += len(items)
                return
            await asyncio.sleep(0.2)
        tally.latencies.append(time.perf_counter() - started)
        tally.refused += answer.count(b'"status":"refused"')

    while time.perf_counter() < stop:
        if not queue:
            queue = scans()
        batch, queue = queue[:per_request], queue[per_request:]
        for item in batch:
            tally.unique[item["scan_id"]] = (item["barcode"], item.get("id_number"), datetime.now(UTC))
        await post(batch)
        if rng.random() < resend:
            await post(batch)  # the answer was "lost": the handheld sends the same scans again
    conn.close()


async def drive(base: str, token: str, people: list[str], clients: int, per_request: int, resend: float,
                seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    host, port = base.removeprefix("http://").split(":")
    slice_size = len(people) // clients
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(*[
        handheld(Connection(host, int(port), token), n, people[n * slice_size:(n + 1) * slice_size], per_request,
                 resend, stop, tally)
        for n in range(clients)])
    return tally, time.perf_counter() - started


def _cpu(keep: Callable[[int, int, str], bool]) -> float:
    """CPU seconds used so far by the processes `keep(pid, parent pid, name)` picks, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        if keep(int(entry.name), int(fields[1]), head.split("(", 1)[-1]):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def process_cpu(root: int) -> float:
    """CPU seconds used so far by a process and its children (the uvicorn workers)."""
    return _cpu(lambda pid, ppid, _: root in (pid, ppid))


def database_processes(dsn: str) -> set[int]:
    """The PostgreSQL processes that work for this benchmark: the backends on its database and the
    server's own (WAL writer, checkpointer…), which other databases' work shares."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE (datname = current_database() "
                            "AND pid <> pg_backend_pid()) OR backend_type <> 'client backend'").fetchall()
    return {int(row[0]) for row in rows}


def database_cpu(pids: set[int]) -> dict[int, float]:
    """CPU seconds used so far by each of these PostgreSQL processes. Summing every postgres
    process on the machine counted other work on a shared server, and a backend of another
    database that ended during the run took its seconds away from the total."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for pid in pids:
        try:
            head, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue  # ended since
        fields = rest.split()
        if head.split("(", 1)[-1] == "postgres":
            found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def stored_scans(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM scans").fetchone()
    return int(row[0]) if row else 0


def ceiling(dsn: str, rows: list[tuple[str, str, str | None, datetime]], per_commit: int, connections: int,
            resend: float) -> float:
    """Rows per second inserting the same rows (resends included) with ON CONFLICT DO NOTHING, by psycopg."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS ceiling_scans")
        conn.execute("CREATE TABLE ceiling_scans (id bigserial PRIMARY KEY, scan_id text UNIQUE NOT NULL, "
                     "barcode text, id_number text, sampled_at timestamptz)")
    rng = random.Random(3)
    chunks = [rows[i:i + per_commit] for i in range(0, len(rows), per_commit)]
    work = [chunk for chunk in chunks for _ in range(2 if rng.random() < resend else 1)]
    sql = ("INSERT INTO ceiling_scans (scan_id, barcode, id_number, sampled_at) VALUES (%s, %s, %s, %s) "
           "ON CONFLICT (scan_id) DO NOTHING")
    lock = threading.Lock()
    sent = [0]

    def worker() -> None:
        with psycopg.connect(dsn) as conn:
            while True:
                with lock:
                    if not work:
                        return
                    chunk = work.pop()
                with conn.cursor() as cur:
                    cur.executemany(sql, chunk)
                conn.commit()
                with lock:
                    sent[0] += len(chunk)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM ceiling_scans").fetchone()
    assert row is not None and int(row[0]) == len(rows), "the raw path lost or doubled rows"
    return sent[0] / elapsed


def run(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database("postgresql", Path("/tmp"), DB_NAME)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    token, people = seed(url, args.persons, args.clients)
    engine_for(url).dispose()
    server, base = serve(url, args.workers)
    per_request = 1 if mode == "single" else 20
    client_before, server_before = time.process_time(), process_cpu(server.pid)
    db_before = database_cpu(database_processes(dsn))
    try:
        tally, elapsed = uvloop.run(drive(base, token, people, args.clients, per_request, args.resend,
                                          args.seconds))
        client_cpu, server_cpu = time.process_time() - client_before, process_cpu(server.pid) - server_before
        # The server's backends on this database started during the run: all their CPU counts.
        db_after = database_cpu(database_processes(dsn))
        db_cpu = sum(used - db_before.get(pid, 0.0) for pid, used in db_after.items())
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = stored_scans(dsn)
    rows = [(scan_id, barcode, number, at) for scan_id, (barcode, number, at) in tally.unique.items()]
    raw = ceiling(dsn, rows, per_request, 8, args.resend)
    latencies = sorted(tally.latencies)
    rate = tally.scans_sent / elapsed
    return {
        "mode": mode, "seconds": round(elapsed, 1), "requests": len(latencies), "scans_sent": tally.scans_sent,
        "scans_per_s": round(rate), "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1), "unique_sent": len(tally.unique),
        "stored": stored, "refused": tally.refused, "errors": tally.errors, "unanswered": tally.unanswered,
        "raw_rows_per_s": round(raw),
        "ratio": round(rate / raw, 2),
        "server_cpu_ms_per_request": round(server_cpu / max(len(latencies), 1) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / max(len(latencies), 1) * 1000, 2),
        "db_cpu_ms_per_request": round(db_cpu / max(len(latencies), 1) * 1000, 2),
        "load": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--resend", type=float, default=0.3)
    parser.add_argument("--modes", default="single,batch")
    args = parser.parse_args(argv)
    print(f"{'mode':7} {'s':>5} {'requests':>9} {'scans':>8} {'scans/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'unique':>8} {'stored':>8} {'refused':>7} {'errors':>6} {'raw/s':>7} {'ratio':>6}", flush=True)
    for mode in args.modes.split(","):
        r = run(mode, args)
        print(f"{r['mode']:7} {r['seconds']:>5} {r['requests']:>9} {r['scans_sent']:>8} {r['scans_per_s']:>8} "
              f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['unique_sent']:>8} {r['stored']:>8} {r['refused']:>7} "
              f"{r['errors']:>6} {r['raw_rows_per_s']:>7} {r['ratio']:>6}", flush=True)
        verdict = "equal" if r["stored"] == r["unique_sent"] - r["unanswered"] else "NOT EQUAL"
        print(f"  stored scans {r['stored']} vs unique scans sent {r['unique_sent']}: {verdict}; "
              f"CPU per request: server {r['server_cpu_ms_per_request']} ms, PostgreSQL "
              f"{r['db_cpu_ms_per_request']} ms, load generator {r['client_cpu_ms_per_request']} ms; "
              f"load average {r['load']}; unanswered {r['unanswered']} "
              f"(server log: {LOG})", flush=True)


if __name__ == "__main__":
    main()
