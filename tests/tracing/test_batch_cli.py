"""The city's commands end to end on a committed database: the log written and pruned, a batch
traced from it, its contacts imported back, and check-ins imported into the log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.registry.log import store
from fangyi.tracing.models import Case, Contact
from tests.tracing.test_trace_cli import build


def _contacts(case_no: str) -> dict[int, tuple[object, ...]]:
    with session_scope() as db:
        case = db.scalar(select(Case).where(Case.case_no == case_no))
        assert case is not None
        return {c.person_id: (c.degree, c.first_exposure, c.last_exposure, c.reasons, c.via)
                for c in db.scalars(select(Contact).where(Contact.case_id == case.id))}


def test_export_trace_batch_and_import_contacts_back(committed_db, tmp_path: Path):
    ids = build()
    runner = CliRunner()
    derived = runner.invoke(app, ["trace", "HD-2022-001", "--json"])
    assert derived.exit_code == 0, derived.output
    stored = _contacts("HD-2022-001")

    log = tmp_path / "log"
    exported = runner.invoke(app, ["checkins", "export", "--since", "2022-03-01", "--to", str(log)])
    assert exported.exit_code == 0, exported.output
    # Rich folds a long line at the terminal's width, where the temporary folder's name puts it.
    assert "new 7," in " ".join(exported.output.split())
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-27", "2022-03-28"]
    again = runner.invoke(app, ["checkins", "export", "--to", str(log)])
    assert "new 0, already there 7," in " ".join(again.output.split())

    cases = tmp_path / "cases.csv"
    cases.write_text("case_no\nHD-2022-001\nHD-NOPE\n", encoding="utf-8")
    out = tmp_path / "contacts.csv"
    traced = runner.invoke(app, ["trace", "batch", str(cases), "--log", str(log), "--out", str(out),
                                 "--at", "2022-04-05T00:00:00"])
    assert traced.exit_code == 3, traced.output  # one case traced, one unknown: reported by line
    assert "line 3 (case_no): no case HD-NOPE" in " ".join(traced.output.split())
    from fangyi.audit.models import AuditEntry

    with session_scope() as db:  # whole numbers went to the file: on the record, once per case traced
        notes = list(db.scalars(select(AuditEntry.note).where(AuditEntry.action == "view_identity",
                                                              AuditEntry.note.like("fangyi trace batch%"))))
    assert notes == ["fangyi trace batch --out contacts.csv"]
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["id_number"] for row in rows} == {ids[k] for k in ("mate", "first", "second", "late", "colleague")}
    colleague = next(row for row in rows if row["id_number"] == ids["colleague"])
    assert colleague["degree"] == "secondary"
    assert json.loads(colleague["via"]) == [ids["first"], ids["second"]]  # in the order of their records

    loaded = runner.invoke(app, ["import", "contacts", str(out), "--json"])
    assert loaded.exit_code == 0, loaded.output
    report = json.loads(loaded.stdout)
    # The batch found what the database derivation stored: every row is already there as it is.
    assert (report["rows_loaded"], report["rows_unchanged"]) == (0, 5)
    after = _contacts("HD-2022-001")
    assert after.keys() == stored.keys()
    assert {k: v[3] for k, v in after.items()} == {k: v[3] for k, v in stored.items()}

    more = tmp_path / "checkins.csv"
    more.write_text("id_number,venue_code,checked_in_at,checked_out_at\n"
                    f"{ids['late']},R1,2022-03-29T09:00:00,2022-03-29T10:00:00\n"
                    f"{ids['late']},R1,2022-03-29T09:00:00,2022-03-29T11:00:00\n"
                    f"{ids['late']},R9,2022-03-29T09:00:00,\n", encoding="utf-8")
    into_log = runner.invoke(app, ["import", "checkins", str(more), "--to-log", str(log), "--json"])
    assert into_log.exit_code == 3, into_log.output
    report = json.loads(into_log.stdout)
    assert report["rows_loaded"] == 1
    assert [(p["line"], p["column"]) for p in report["problems"]] == [(3, "checked_out_at"), (4, "venue_code")]
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-27", "2022-03-28", "2022-03-29"]

    pruned = runner.invoke(app, ["checkins", "prune", "--log", str(log), "--margin", "0", "--today", "2022-03-30"])
    assert pruned.exit_code == 0, pruned.output
    # cn-8 looks back 2 days: from 2022-03-28 on is kept.
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-28", "2022-03-29"]


def test_the_contacts_import_names_no_whole_identity_number_and_no_case_outside(committed_db, tmp_path: Path):
    from fangyi.identity import make_id_number, mask_id_number

    build()
    stranger = make_id_number("430424", __import__("datetime").date(1990, 5, 5), 7, "M")
    rows = tmp_path / "contacts.csv"
    rows.write_text(
        "case_no,id_number,degree,first_exposure,last_exposure,reasons,via\n"
        f"HD-2022-001,{stranger},close,2022-03-27T10:00:00,2022-03-27T11:00:00,[],[]\n"
        f"HD-NOPE,{stranger},close,2022-03-27T10:00:00,2022-03-27T11:00:00,[],[]\n", encoding="utf-8")
    loaded = CliRunner().invoke(app, ["import", "contacts", str(rows), "--json"])
    report = json.loads(loaded.stdout)
    reasons = [problem["reason"] for problem in report["problems"]]
    assert stranger not in loaded.stdout
    assert any(mask_id_number(stranger) in reason for reason in reasons)
    assert "no case HD-NOPE in your jurisdiction" in reasons
