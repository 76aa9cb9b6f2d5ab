"""`fangyi trace CASE_NO [--json]`: the shape of formats.md and its exit statuses."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.config import get_settings
from fangyi.db.session import session_scope
from fangyi.tracing.cases import clean_case, create_case
from tests.conftest import add_areas
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row

LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def build() -> dict[str, str]:
    with session_scope() as db:
        add_areas(db)
        me = add_person(db, 1, household="H1")
        mate = add_person(db, 7, household="H1")
        first, second, colleague, late = (add_person(db, n) for n in (5, 3, 4, 6))
        restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
        add_stay(db, me, restaurant, at(12), at(13))
        add_stay(db, first, restaurant, at(13), None)  # touches the case's stay at its end
        add_stay(db, second, restaurant, at(11), at(12.5))
        for person in (first, second, colleague):  # colleague is reachable through two close contacts
            add_stay(db, person, office, at(30), at(38))
        create_case(db, SYSTEM, clean_case(case_row(me), get_settings().tz))
        # A check-in that arrives after the case was entered: trace derives again.
        add_stay(db, late, restaurant, at(12.75), at(14))
        return {"me": me.id_number, "mate": mate.id_number, "first": first.id_number,
                "second": second.id_number, "colleague": colleague.id_number, "late": late.id_number}


def test_trace_json_follows_the_contract(committed_db):
    ids = build()
    result = CliRunner().invoke(app, ["trace", "HD-2022-001", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["case_no"] == "HD-2022-001" and data["protocol"] == "cn-8"
    assert data["window"] == {"from": "2022-03-26T00:00:00+08:00", "to": "2022-03-30T10:00:00+08:00"}
    close = data["close_contacts"]
    secondary = data["secondary_contacts"]
    assert [c["id_number"] for c in close] == sorted([ids["mate"], ids["first"], ids["second"], ids["late"]])
    assert [c["id_number"] for c in secondary] == [ids["colleague"]]
    assert secondary[0]["via"] == sorted([ids["first"], ids["second"]])
    everyone = [c["id_number"] for c in close + secondary]
    assert len(everyone) == len(set(everyone)) and ids["me"] not in everyone
    by_id = {c["id_number"]: c for c in close}
    assert by_id[ids["mate"]]["reasons"] == [{"kind": "household"}]
    touching = by_id[ids["first"]]
    assert touching["reasons"] == [{"kind": "venue", "venue_code": "R1", "from": "2022-03-27T13:00:00+08:00",
                                    "to": "2022-03-27T13:00:00+08:00"}]
    assert touching["first_exposure"] == touching["last_exposure"] == "2022-03-27T13:00:00+08:00"
    for item in close + secondary:
        assert {"id_number", "name", "first_exposure", "last_exposure", "reasons"} <= set(item)
        assert LOCAL.match(item["first_exposure"]) and LOCAL.match(item["last_exposure"])


def test_trace_table_and_exit_statuses(committed_db, monkeypatch):
    build()
    runner = CliRunner()
    table = runner.invoke(app, ["trace", "HD-2022-001"])
    assert table.exit_code == 0 and "R1" in table.stdout and "HD-2022-001" in table.stdout
    missing = runner.invoke(app, ["trace", "HD-NOPE", "--json"])
    assert missing.exit_code == 2 and "HD-NOPE" in missing.output
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-99")
    broken = runner.invoke(app, ["trace", "HD-2022-001", "--json"])
    assert broken.exit_code == 1 and "cn-99" in broken.output


def test_trace_piped_prints_whole_masked_lines(committed_db):
    """`fangyi trace HD-2022-001 | cat`: tab-separated lines that never cut an identity number or a
    time; numbers masked unless --unmasked, which goes on the audit trail."""
    from sqlalchemy import select

    from fangyi.audit.models import AuditEntry
    from fangyi.identity import mask_id_number

    people = build()
    runner = CliRunner()
    piped = runner.invoke(app, ["trace", "HD-2022-001"])
    assert piped.exit_code == 0, piped.output
    lines = piped.stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["case_no", "HD-2022-001"]
    rows = [line.split("\t") for line in lines if line.startswith("430424")]
    assert rows and all(len(row) >= 5 for row in rows)
    assert mask_id_number(people["first"]) in {row[0] for row in rows}
    assert people["first"] not in piped.stdout
    assert all(LOCAL.match(row[2]) and LOCAL.match(row[3]) for row in rows)  # whole times
    whole = runner.invoke(app, ["trace", "HD-2022-001", "--unmasked"])
    assert people["first"] in whole.stdout and people["colleague"] in whole.stdout
    with session_scope() as db:
        notes = db.scalars(select(AuditEntry.note).where(AuditEntry.action == "view_identity")).all()
    assert "fangyi trace --unmasked" in notes
