"""The batch rules over the check-in log give the database derivation's contacts, on DuckDB and Spark.

Random small worlds (the derivation property test's), with two cases traced at once, a merged
record and some close contacts quarantined: the contacts the database derivation stores, those
`fangyi trace batch` writes by DuckDB and by Spark, and those `fangyi import contacts` stores back
from the file are the same, with the same exposures, reasons and via lists, for every case.
"""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from fangyi.access import SYSTEM
from fangyi.config import get_settings
from fangyi.imports.service import run_import
from fangyi.protocols.reader import current
from fangyi.registry.log import store
from fangyi.registry.models import Person
from fangyi.tracing.batch import engines
from fangyi.tracing.batch.inputs import gather, rules_of
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.contacts import refresh
from fangyi.tracing.derivation import epoch, from_epoch
from fangyi.tracing.models import Case, Contact, InvestigationPlace, NamedContact
from tests.tracing.test_derivation_property import NOW, PERSONS, edition, worlds  # noqa: F401 (a fixture)
from tests.tracing.world import add_person, add_stay, add_venue, at


def _build(db, cast, drawn, merged: bool) -> tuple[list[Case], dict[int, str]]:
    """The world in the database, two cases (persons 0 and 1) derived there, some quarantines."""
    world, case = drawn
    persons = [add_person(db, n, household=world.households[n]) for n in range(PERSONS)]
    venues = {code: add_venue(db, code, kind, stay_minutes=world.default_stays[code])
              for code, kind in world.kinds.items()}
    for stay in world.stays:
        add_stay(db, persons[stay.person], venues[stay.venue], from_epoch(stay.start),
                 None if stay.end is None else from_epoch(stay.end))
    if merged:  # the last person's record merged into another's: never anyone's contact
        persons[-1].merged_into_id = persons[-2].id
    cases = []
    for n, number in ((0, "HD-B-1"), (1, "HD-B-2")):
        fields = CaseFields(number, persons[n].id_number, str(case["classification"]), case["onset"],
                            case["sampled"], case["confirmed"] + timedelta(hours=n), "local",
                            isolated_at=case["isolated"])
        created = create_case(db, cast["tracer"], fields)
        cases.append(created)
    for place in world.places:
        db.add(InvestigationPlace(case_id=cases[0].id, venue_id=venues[place.venue].id,
                                  start_at=from_epoch(place.start), end_at=from_epoch(place.end or place.start)))
    for n, moment in world.named.items():
        db.add(NamedContact(case_id=cases[0].id, person_id=persons[n].id, relationship="同事",
                            last_contact_at=from_epoch(moment)))
    db.flush()
    for created in cases:
        refresh(db, cast["tracer"], created, at=NOW)
        for contact in db.scalars(select(Contact).where(Contact.case_id == created.id, Contact.degree == "close")):
            n = next(i for i, p in enumerate(persons) if p.id == contact.person_id)
            if n in case["quarantine_who"]:
                contact.quarantined_at = at(case["quarantine_hours"][n])
        refresh(db, cast["tracer"], created, at=NOW)
    return cases, {p.id: p.id_number for p in persons}


def _stored(db, cases: list[Case], numbers: dict[int, str]) -> dict[str, dict[str, tuple[Any, ...]]]:
    found: dict[str, dict[str, tuple[Any, ...]]] = {case.case_no: {} for case in cases}
    for case in cases:
        for c in db.scalars(select(Contact).where(Contact.case_id == case.id, Contact.stale.is_(False))):
            found[case.case_no][numbers[c.person_id]] = (
                c.degree, epoch(c.first_exposure), epoch(c.last_exposure), list(c.reasons),
                [numbers[v] for v in c.via])
    return found


def _local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=get_settings().tz).timestamp())


def _from_file(path: Path, cases: list[Case]) -> dict[str, dict[str, tuple[Any, ...]]]:
    found: dict[str, dict[str, tuple[Any, ...]]] = {case.case_no: {} for case in cases}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            found[row["case_no"]][row["id_number"]] = (
                row["degree"], _local(row["first_exposure"]), _local(row["last_exposure"]),
                json.loads(row["reasons"]), json.loads(row["via"]))
    return found


def _batch(db, cases: list[Case], folder: Path, engine: str, session: Any = None) -> Path:
    log = folder / "log"
    store.export(db, log, get_settings().tz)
    protocol, tz = current(), get_settings().tz
    gathered = gather(db, [(i + 2, c.case_no) for i, c in enumerate(cases)], protocol, tz, epoch(NOW),
                      folder / "inputs")
    out = folder / f"contacts-{engine}.csv"
    engines.run(engine, gathered.tables, log, rules_of(protocol, tz), out, session=session)
    return out


SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=12, deadline=None, suppress_health_check=SUPPRESSED)
@given(drawn=worlds(), merged=st.booleans())
def test_duckdb_batch_gives_the_database_derivations_contacts(cast, db, edition, drawn, merged):  # noqa: F811
    savepoint = db.begin_nested()
    try:
        cases, numbers = _build(db, cast, drawn, merged)
        derived = _stored(db, cases, numbers)
        with tempfile.TemporaryDirectory() as scratch:
            out = _batch(db, cases, Path(scratch), "duckdb")
            assert _from_file(out, cases) == derived
            # Loaded back in place of the derivation's rows: the same contacts stored.
            db.execute(delete(Contact).where(Contact.case_id.in_([c.id for c in cases])))
            report = run_import(db, SYSTEM, "contacts", out)
            assert report.rows_rejected == 0, report.problems
            assert report.rows_loaded == sum(len(v) for v in derived.values())
            assert _stored(db, cases, numbers) == derived
            again = run_import(db, SYSTEM, "contacts", out)
            assert (again.rows_loaded, again.rows_unchanged) == (0, report.rows_loaded)
    finally:
        savepoint.rollback()


@pytest.fixture(params=["cn-9", "half-hour"])
def spark_edition(request, monkeypatch, tmp_path: Path) -> str:
    """Two editions for Spark (the DuckDB test takes all three against the database): cn-9, whose
    secondary contacts come only through higher-risk close contacts, and one with a minimum overlap."""
    if request.param == "half-hour":
        return _half_hour(monkeypatch, tmp_path)
    monkeypatch.setenv("FANGYI_PROTOCOL", request.param)
    return str(request.param)


def _half_hour(monkeypatch, tmp_path: Path) -> str:
    path = tmp_path / "half-hour.toml"
    path.write_text('edition = "half-hour"\nextends = "cn-8"\ntitle = "t"\ntitle_en = "t"\n'
                    'published = "2022-04-01"\n[contacts]\nmin_overlap_minutes = 30\n', encoding="utf-8")
    monkeypatch.setenv("FANGYI_PROTOCOL", str(path))
    return str(path)


@settings(max_examples=2, deadline=None, suppress_health_check=SUPPRESSED)
@given(drawn=worlds(), merged=st.booleans())
def test_spark_batch_gives_the_same_file_as_duckdb(cast, db, spark_edition, drawn, merged, spark):
    savepoint = db.begin_nested()
    try:
        cases, numbers = _build(db, cast, drawn, merged)
        derived = _stored(db, cases, numbers)
        with tempfile.TemporaryDirectory() as scratch:
            by_spark = _batch(db, cases, Path(scratch), "spark", spark)
            by_duckdb = _batch(db, cases, Path(scratch) / "again", "duckdb")
            assert _from_file(by_spark, cases) == derived
            assert by_spark.read_bytes() == by_duckdb.read_bytes()
    finally:
        savepoint.rollback()


def test_import_contacts_reports_bad_rows_by_line_and_column(cast, db, tmp_path):
    person = add_person(db, 1)
    other = add_person(db, 2)
    case = create_case(db, cast["tracer"], CaseFields("HD-B-9", person.id_number, "confirmed", None, at(40), at(50),
                                                      "local"))
    venue = '[{"kind": "venue", "venue_code": "V1", "from": 1648400000, "to": 1648403600}]'
    rows = [
        ["case_no", "id_number", "degree", "first_exposure", "last_exposure", "reasons", "via"],
        ["HD-B-9", other.id_number, "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-NONE", other.id_number, "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", "110101199003077777", "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", other.id_number, "tertiary", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", other.id_number, "close", "yesterday", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", other.id_number, "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", "[{", "[]"],
        ["HD-B-9", other.id_number, "secondary", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", person.id_number, "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
        ["HD-B-9", other.id_number, "close", "2022-03-28T01:00:00", "2022-03-28T02:00:00", venue, "[]"],
    ]
    path = tmp_path / "contacts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = run_import(db, SYSTEM, "contacts", path)
    assert report.rows_loaded == 1
    assert [(p.line, p.column) for p in report.problems] == [
        (3, "case_no"), (4, "id_number"), (5, "degree"), (6, "first_exposure"), (7, "reasons"), (8, "via"),
        (9, "id_number"), (10, "id_number")]
    stored = db.scalars(select(Contact).where(Contact.case_id == case.id)).all()
    assert [(c.person_id, c.degree, c.reasons[0]["venue_code"]) for c in stored] == [(other.id, "close", "V1")]
    assert db.get(Person, other.id) is not None
