"""The morning's scan load through the unlucky night: handhelds send scans (three in ten twice, as
after a dropped answer) to two server workers while one worker is killed and PostgreSQL itself is
stopped hard and started again. Every scan a handheld sent is stored, and stored once.

PostgreSQL runs in a cluster of the test's own (initdb in a temporary folder, its own port), so
that restarting it disturbs no other test; the load is the scan benchmark's (`bench.screening_load`).
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench import screening_load as load

pytestmark = pytest.mark.slow

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: as root, run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(self) -> None:
        self.bin = Path(BINARIES[-1])
        self.root = Path(tempfile.mkdtemp(prefix="fangyi-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                     "-E", "UTF8", "--locale=C", "--no-sync"]), check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                   "-c max_connections=60")
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                                     "-l", str(self.root / "log"), *args]), check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("start")

    def crash_and_restart(self) -> None:
        """Stopped as a power cut stops it (no checkpoint, every connection cut), then started."""
        self._ctl("-m", "immediate", "restart")

    def remove(self) -> None:
        try:
            self._ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not BINARIES or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL's server binaries are not installed here (.ci/run installs them)")
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


def _workers(server: int) -> list[int]:
    """The server processes uvicorn's supervisor runs (its spawned children; not the resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def test_every_scan_lands_once_through_a_killed_worker_and_a_database_restart(cluster: Cluster) -> None:
    token, people = load.seed(cluster.url, persons=3000, clients=8)
    os.environ.setdefault("FANGYI_SECRET_KEY", "reliability-test-key-0123456789abcdef")
    server, base = load.serve(cluster.url, workers=2)
    outcome: dict[str, object] = {}

    def handhelds() -> None:
        try:
            outcome["tally"], _ = asyncio.run(load.drive(base, token, people, clients=8, per_request=1, resend=0.3,
                                                         seconds=18))
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    sending = threading.Thread(target=handhelds)
    try:
        sending.start()
        time.sleep(5)
        workers = _workers(server.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)  # mid-group, with requests of its handhelds in flight
        time.sleep(5)
        cluster.crash_and_restart()
        sending.join(timeout=120)
        assert not sending.is_alive(), "the handhelds never finished"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    tally = outcome["tally"]
    assert isinstance(tally, load.Tally)
    assert tally.unanswered == 0
    assert tally.errors > 0  # the faults were felt: some requests had to be sent again
    assert len(tally.unique) > 200  # a real load went through
    with psycopg.connect(cluster.dsn) as conn:
        stored = {row[0] for row in conn.execute("SELECT scan_id FROM scans")}
        rows = conn.execute("SELECT count(*) FROM scans").fetchone()
    assert stored == set(tally.unique)  # every scan sent is stored ...
    assert rows is not None and rows[0] == len(tally.unique)  # ... once
