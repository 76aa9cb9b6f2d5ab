"""Set-up commands an administrator runs at the console."""

from __future__ import annotations

import typer
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


def test_user_deactivate_and_token_revoke_at_the_console(committed_db):
    from fangyi.auth.service import users_for_tokens

    with session_scope() as session:
        add_areas(session)
    runner = CliRunner()
    runner.invoke(app, ["user", "create", "tan", "--role", "tracer", "--area", COUNTY, "--password", "long-enough-1"])
    runner.invoke(app, ["user", "create", "li", "--role", "sampler", "--area", COUNTY, "--password", "long-enough-2"])
    tan_token = runner.invoke(app, ["user", "token", "tan"]).output.strip()
    li_token = runner.invoke(app, ["user", "token", "li", "--name", "scanner 7"]).output.strip()
    listed = runner.invoke(app, ["token", "list", "li"])
    assert listed.exit_code == 0 and "scanner 7\tnever used\tlive" in listed.output
    token_id = listed.output.split("\t")[0]
    revoked = runner.invoke(app, ["token", "revoke", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    deactivated = runner.invoke(app, ["user", "deactivate", "tan"])
    assert deactivated.exit_code == 0 and "tokens were revoked" in deactivated.output
    with session_scope() as session:
        assert users_for_tokens(session, [tan_token, li_token]) == {}
        assert authenticate(session, "tan", "long-enough-1") is None
    assert runner.invoke(app, ["user", "deactivate", "nobody"]).exit_code == 2
    assert runner.invoke(app, ["token", "revoke", "99999"]).exit_code == 2


def test_the_demo_help_shows_flags_without_a_value() -> None:
    text = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "120"}).output
    force = next(line for line in text.splitlines() if "--force" in line)
    assert "<bool>" not in force and "rebuild" in force
    assert "<bool>" not in next(line for line in text.splitlines() if "--no-serve" in line)


def _commands(group: typer.Typer, path: list[str]) -> list[list[str]]:
    found = [[*path, info.name or (info.callback.__name__ if info.callback else "")]
             for info in group.registered_commands]
    for sub in group.registered_groups:
        if sub.typer_instance is not None and sub.name:
            found += [[*path, sub.name], *_commands(sub.typer_instance, [*path, sub.name])]
    return found


def test_no_help_shows_a_flag_as_taking_a_value() -> None:
    """Every command's help, `--help` itself included: a flag takes no value, so none is drawn."""
    commands = _commands(app, [])
    assert ["report", "close"] in commands and ["epi", "rt"] in commands and ["import"] in commands
    for command in commands:
        text = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"}).output
        assert "<bool>" not in text, (command, text)
        assert "Show this message" in text, command
