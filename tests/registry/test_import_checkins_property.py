"""The check-ins' batch writer against a model of its rules, over files that repeat stays within
and across batches, give a stay different check-outs, or none, and meet stays already stored.

The rules (docs/formats.md): a stay is one (person, venue, check-in time); its row is written once;
a check-out given for a stay stored without one fills it in; a row whose check-out differs from
the one its stay keeps is refused; within a batch the first row giving a check-out decides.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.config import get_settings
from fangyi.imports.service import run_import
from fangyi.registry.imports.load import DIFFERENT_OUT, Checkins
from fangyi.registry.models import Checkin
from tests.conftest import Cast
from tests.registry.data.make import add_people, add_venues, csv_bytes, id_number

HEADER = ("id_number", "venue_code", "checked_in_at", "checked_out_at")
START = datetime(2022, 3, 27, 8, 0)
VENUES = ("V-SJ-1", "V-CG-1")
BATCH = 4

Stay = tuple[int, int, int]  # person, venue, minute
stays = st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 2))
outs = st.sampled_from([None, 30, 45])  # minutes after the check-in, or no check-out


def model(stored: dict[Stay, int | None], rows: list[tuple[Stay, int | None]]) -> tuple[int, int, list[int]]:
    """Loaded, unchanged and the refused lines, batch by batch; `stored` is updated in place."""
    loaded = unchanged = 0
    refused: list[int] = []
    for start in range(0, len(rows), BATCH):
        batch = list(enumerate(rows[start:start + BATCH], start=start + 2))  # line 1 is the header
        chosen: dict[Stay, int | None] = {}
        for _, (stay, out) in batch:
            if stay not in chosen or (chosen[stay] is None and out is not None):
                chosen[stay] = out
        written = 0
        for stay, out in chosen.items():
            if stay not in stored or (stored[stay] is None and out is not None):
                stored[stay] = out
                written += 1
        lines = [line for line, (stay, out) in batch if out is not None and out != stored[stay]]
        loaded += written
        unchanged += len(batch) - written - len(lines)
        refused += lines
    return loaded, unchanged, refused


def csv_row(stay: Stay, out: int | None) -> list[str]:
    came = START + timedelta(minutes=stay[2])
    left = "" if out is None else (came + timedelta(minutes=out)).isoformat()
    return [id_number(stay[0]), VENUES[stay[1]], came.isoformat(), left]


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Checkins, "batch_size", BATCH)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=st.lists(st.tuples(stays, outs), max_size=6), rows=st.lists(st.tuples(stays, outs), max_size=18))
def test_the_writer_keeps_the_rules_batch_by_batch(
    db: Session, cast: Cast, batches: None, before: list[tuple[Stay, int | None]], rows: list[tuple[Stay, int | None]],
) -> None:
    savepoint = db.begin_nested()
    try:
        people = add_people(db, 3)
        venues = {venue.code: venue for venue in add_venues(db)}
        stored: dict[Stay, int | None] = {}
        for stay, out in before:  # what an earlier import left: one row a stay
            stored.setdefault(stay, out)
        first = int(START.replace(tzinfo=get_settings().tz).timestamp())  # the file's times are local
        db.add_all(Checkin(person_id=people[p].id, venue_id=venues[VENUES[v]].id, in_at=first + 60 * m,
                           out_at=None if out is None else first + 60 * (m + out))
                   for (p, v, m), out in stored.items())
        db.flush()
        expected = model(stored, rows)
        report = run_import(db, SYSTEM, "checkins", io.BytesIO(csv_bytes(HEADER, [csv_row(*row) for row in rows])),
                            filename="c.csv")
        assert (report.rows_loaded, report.rows_unchanged) == expected[:2]
        assert [(p.line, p.reason) for p in report.problems] == [(line, DIFFERENT_OUT) for line in expected[2]]
        person_of = {person.id: n for n, person in enumerate(people)}
        venue_of = {venue.id: VENUES.index(code) for code, venue in venues.items()}
        found = {
            (person_of[person], venue_of[venue], (in_at - first) // 60): None if out_at is None
            else (out_at - in_at) // 60
            for person, venue, in_at, out_at in db.execute(
                select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at))
        }
        assert found == stored
    finally:
        savepoint.rollback()
