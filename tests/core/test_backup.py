"""`fangyi backup` and `fangyi restore` on both databases: a copy taken while serving comes back
whole, the audit trail's chains included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.accounts.service import create_user
from fangyi.audit import chain
from fangyi.auth.models import User
from fangyi.cli.main import app
from fangyi.db.session import engine_for, session_scope
from tests.conftest import COUNTY, add_areas


def _users() -> list[str]:
    with session_scope() as session:
        return sorted(session.scalars(select(User.username)))


def test_a_backup_restores_the_database_as_it_was(committed_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        add_areas(session)
        create_user(session, SYSTEM, username="kept", password="kept-pass-1", role="tracer", area_code=COUNTY)
    copy = tmp_path / "fangyi.backup"
    taken = CliRunner().invoke(app, ["backup", str(copy)])
    assert taken.exit_code == 0, taken.output
    assert copy.stat().st_size > 0
    with session_scope() as session:
        create_user(session, SYSTEM, username="later", password="later-pass-1", role="tracer", area_code=COUNTY)
    assert _users() == ["kept", "later"]
    engine_for(committed_db).dispose()  # the server is stopped for a restore
    put_back = CliRunner().invoke(app, ["restore", str(copy), "--yes"])
    assert put_back.exit_code == 0, put_back.output
    engine_for(committed_db).dispose()
    assert _users() == ["kept"]
    with session_scope() as session:
        verdict = chain.verify(session)
        assert verdict.ok and verdict.sealed == session.scalar(select(func.count()).select_from(chain.AuditEntry))


def test_restore_refuses_what_is_not_a_backup(committed_db: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database")
    refused = CliRunner().invoke(app, ["restore", str(junk), "--yes"])
    assert refused.exit_code == 1
    missing = CliRunner().invoke(app, ["restore", str(tmp_path / "none"), "--yes"])
    assert missing.exit_code == 1 and "no backup" in missing.output
