"""A batch reads only the days of the log its windows can reach: from the earliest window start
less the longest stay the log has held. A day before that is never opened (here: a file that is
not Parquet at all lies in it), yet a stay begun days before the window and lasting into it is
still found, as the database derivation finds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fangyi.config import get_settings
from fangyi.protocols.reader import current
from fangyi.registry.log import store
from fangyi.tracing.batch import engines
from fangyi.tracing.batch.inputs import gather, rules_of
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.derivation import epoch
from fangyi.tracing.models import Contact
from tests.tracing.test_derivation_property import NOW
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


@pytest.fixture
def world(cast, db):
    """A case at a restaurant on 2022-03-27 (its window from 03-26 00:00); someone who checked in
    there on 03-22 and out during the case's meal; someone there on 03-15, long before."""
    me, long_stay, early = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    add_stay(db, long_stay, restaurant, at(-24 * 5), at(12.5))
    add_stay(db, early, restaurant, at(-24 * 12), at(-24 * 12 + 1))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    return case, long_stay


def _run(db, case, tmp_path: Path, engine: str, session: Any = None, *, spoil: str | None = None) -> engines.Result:
    log = tmp_path / "log"
    if not log.exists():
        store.export(db, log, get_settings().tz)
    if spoil is not None:  # not Parquet: reading it fails the batch
        (log / f"day={spoil}" / "bucket=1").mkdir(parents=True, exist_ok=True)
        (log / f"day={spoil}" / "bucket=1" / "part_spoilt.parquet").write_bytes(b"not parquet at all")
    protocol, tz = current(), get_settings().tz
    gathered = gather(db, [(2, case.case_no)], protocol, tz, epoch(NOW), tmp_path / "inputs")
    return engines.run(engine, gathered.tables, log, rules_of(protocol, tz), tmp_path / f"{engine}.csv",
                       session=session)


def _numbers(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8") as fh:
        return sorted(row["id_number"] for row in csv.DictReader(fh))


def test_a_batch_reads_only_the_days_its_windows_reach(cast, db, world, tmp_path: Path):
    case, long_stay = world
    stored = sorted(c.person_id for c in db.scalars(select(Contact).where(Contact.case_id == case.id)))
    assert stored == [long_stay.id]  # the database derivation finds the long stay
    log = tmp_path / "log"
    store.export(db, log, get_settings().tz)
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-15", "2022-03-22", "2022-03-27"]
    # The longest stay (132.5 hours) is kept beside the log; the window starts 03-26: from 03-20 on.
    assert store.longest_stay(log) == int(132.5 * 3600)

    result = _run(db, case, tmp_path, "duckdb", spoil="2022-03-15")
    assert result.days_read == 2
    assert _numbers(tmp_path / "duckdb.csv") == [long_stay.id_number]

    # A spoilt file on a day the window reaches does fail the batch: the day before was not read.
    with pytest.raises(Exception, match=r"(?i)parquet"):
        _run(db, case, tmp_path, "duckdb", spoil="2022-03-22")


def test_a_log_that_does_not_know_its_longest_stay_is_read_whole(cast, db, world, tmp_path: Path):
    case, long_stay = world
    log = tmp_path / "log"
    store.export(db, log, get_settings().tz)
    (log / store.LONGEST_FILE).unlink()
    result = _run(db, case, tmp_path, "duckdb")
    assert result.days_read is None
    assert _numbers(tmp_path / "duckdb.csv") == [long_stay.id_number]
    with pytest.raises(Exception, match=r"(?i)parquet"):
        _run(db, case, tmp_path, "duckdb", spoil="2022-03-15")
    # Measured once over the whole log (as an older log is, under the writer lock), then days are skipped.
    (log / "day=2022-03-15" / "bucket=1" / "part_spoilt.parquet").unlink()
    assert store.record_longest(log) == int(132.5 * 3600)
    result = _run(db, case, tmp_path, "duckdb", spoil="2022-03-15")
    assert result.days_read == 2


def test_spark_reads_only_the_days_its_windows_reach(cast, db, world, tmp_path: Path, spark):
    case, long_stay = world
    result = _run(db, case, tmp_path, "spark", spark, spoil="2022-03-15")
    assert result.days_read == 2
    assert _numbers(tmp_path / "spark.csv") == [long_stay.id_number]
