"""Set-up commands an administrator runs at the console."""

from __future__ import annotations

from typer.testing import CliRunner

from fangyi.auth.service import authenticate
from fangyi.cli.main import app
from fangyi.db.session import session_scope
from tests.conftest import COUNTY, add_areas


def test_db_upgrade_builds_a_fresh_sqlite_database(tmp_path, monkeypatch):
    monkeypatch.setenv("FANGYI_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new.db").exists()


def test_user_create_then_sign_in(committed_db):
    with session_scope() as session:
        add_areas(session)
    result = CliRunner().invoke(
        app, ["user", "create", "tan", "--role", "tracer", "--area", COUNTY, "--password", "long-enough-1"]
    )
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        user = authenticate(session, "tan", "long-enough-1")
        assert user is not None and user.role == "tracer"
        assert authenticate(session, "tan", "wrong-password") is None


def test_user_create_refuses_unknown_role_and_area(committed_db):
    with session_scope() as session:
        add_areas(session)
    runner = CliRunner()
    bad_role = runner.invoke(
        app, ["user", "create", "x", "--role", "mayor", "--area", COUNTY, "--password", "12345678"]
    )
    assert bad_role.exit_code == 2 and "mayor" in bad_role.output
    bad_area = runner.invoke(app, ["user", "create", "x", "--role", "tracer", "--area", "999999",
                                   "--password", "12345678"])
    assert bad_area.exit_code == 2 and "999999" in bad_area.output
