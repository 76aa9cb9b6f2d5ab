"""An import killed with `kill -9` halfway leaves only whole batches behind, and its re-run loads
exactly the unique rows of the file: nothing lost, nothing twice (both databases)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.db.session import engine_for
from fangyi.registry.models import Checkin
from tests.conftest import add_areas
from tests.registry.data.make import add_people, add_venues, csv_bytes, id_number
from tests.registry.test_import_checkins_batches import HEADER, stay

pytestmark = pytest.mark.slow

ROWS = 150_000
PEOPLE = 500


def _count(url: str) -> int:
    with Session(engine_for(url)) as session:
        return int(session.scalar(select(func.count()).select_from(Checkin)) or 0)


def test_a_killed_import_and_its_rerun_load_the_unique_rows_once(committed_db: str, tmp_path: Path) -> None:
    with Session(engine_for(committed_db)) as session:
        add_areas(session)
        add_people(session, PEOPLE)
        add_venues(session)
        session.commit()
    rows = [stay(n, PEOPLE) for n in range(ROWS)]
    rows += random.Random(7).sample(rows, ROWS // 500)  # repeated lines, as the provinces send them
    random.Random(8).shuffle(rows)  # in no order
    path = tmp_path / "checkins.csv"
    path.write_bytes(csv_bytes(HEADER, rows))
    assert id_number(0) in path.read_text(encoding="utf-8")
    command = [str(Path(sys.executable).parent / "fangyi"), "import", "checkins", str(path)]  # as an operator runs it
    # Batches of 20,000 rows and a commit every half second (five by default), so that the kill
    # meets committed batches.
    env = {**os.environ, "FANGYI_DATABASE_URL": committed_db, "FANGYI_IMPORT_COMMIT_SECONDS": "0.5",
           "FANGYI_IMPORT_BATCH_ROWS": "20000"}
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_at = 0
    deadline = time.monotonic() + 120
    while first.poll() is None and time.monotonic() < deadline:
        killed_at = _count(committed_db)
        if killed_at > 0:  # a batch or more committed: now, halfway
            first.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    first.wait(timeout=60)
    assert 0 < killed_at < ROWS, "the import was not caught halfway"
    assert _count(committed_db) < ROWS
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _count(committed_db) == ROWS
