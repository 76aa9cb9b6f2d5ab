"""Tubes to the lab: packed in a box, handed over, received; turnaround and tubes overdue by the protocol."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.errors import Invalid
from fangyi.screening.boxes import hand_over, pack_box, receive_box
from fangyi.screening.figures import turnaround
from fangyi.screening.models import Tube
from fangyi.screening.results import ResultFields, record_result
from fangyi.screening.scans import ScanInput, record_scans
from tests.conftest import Cast
from tests.screening.conftest import START, Ground


def fill(db: Session, cast: Cast, ground: Ground, barcode: str, people: range, at: datetime) -> None:
    scans = [ScanInput(f"open-{barcode}", "open", barcode, "P-SJ", pool_size=5, scanned_at=at)]
    scans += [ScanInput(f"{barcode}-{n}", "person", barcode, "P-SJ", id_number=ground.people[n].id_number,
                        scanned_at=at) for n in people]
    scans.append(ScanInput(f"close-{barcode}", "close", barcode, "P-SJ", scanned_at=at))
    assert all(o["status"] == "ok" for o in record_scans(db, cast["sampler"], scans))


def test_box_handover_receipt_turnaround_and_overdue(db: Session, cast: Cast, ground: Ground) -> None:
    sampled = START + timedelta(hours=1)
    fill(db, cast, ground, "L0000001", range(0, 3), sampled)
    fill(db, cast, ground, "L0000002", range(3, 6), sampled)
    fill(db, cast, ground, "L0000003", range(6, 8), sampled)
    first = pack_box(db, cast["sampler"], "BOX-0", ["L0000001"], "LAB-1")
    with pytest.raises(Invalid):  # a tube goes into one box
        pack_box(db, cast["sampler"], "BOX-X", ["L0000001"], "LAB-1")
    second = pack_box(db, cast["sampler"], "BOX-1", ["L0000002", "L0000003"], "LAB-1")
    hand_over(db, cast["sampler"], first.code, "采样员甲", "司机乙", at=sampled + timedelta(hours=1))
    receive_box(db, cast["lab"], first.code, "检验员丙", at=sampled + timedelta(hours=2))
    receive_box(db, cast["lab"], second.code, "检验员丙", at=sampled + timedelta(hours=4))
    assert db.scalar(select(Tube.state).where(Tube.barcode == "L0000002")) == "received"
    record_result(db, cast["lab"], ResultFields("L0000001", "negative", sampled + timedelta(hours=6), "LAB-1"))
    record_result(db, cast["lab"], ResultFields("L0000002", "negative", sampled + timedelta(hours=8), "LAB-1"))
    # 30 hours after sampling, past cn-8's 24 hours: the tube without a result is overdue.
    times = turnaround(db, ground.round, SYSTEM, at=sampled + timedelta(hours=30))
    assert (times.tubes, times.received, times.tested) == (3, 3, 2)
    assert times.median_hours_to_receipt == 4.0
    assert times.median_hours_to_result == 7.0
    assert [tube.barcode for tube in times.overdue] == ["L0000003"]
    assert turnaround(db, ground.round, SYSTEM, at=sampled + timedelta(hours=20)).overdue == []
