"""A day given to any command is read one way: a date, none, or a reason and the command's exit code."""

from __future__ import annotations

from datetime import date

import pytest
import typer

from fangyi.cli_options import day_of, day_option


def test_a_day_is_read_or_refused_with_the_commands_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert day_option(None) is None
    assert day_option("2022-04-01", "--since") == date(2022, 4, 1)
    with pytest.raises(typer.Exit) as refused:
        day_option("2022-13-01", "--since", code=1)
    assert refused.value.exit_code == 1
    assert "--since '2022-13-01' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
    with pytest.raises(typer.Exit) as refused:
        day_of("0001-01-01")
    assert refused.value.exit_code == 2
    assert "out of range" in capsys.readouterr().err
    with pytest.raises(typer.Exit):
        day_of("")  # given, and empty: not a day, not "today"


def test_a_value_that_looks_like_markup_is_shown_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as refused:
        day_option("[/]")
    assert refused.value.exit_code == 2
    assert "--date '[/]' is not a date" in capsys.readouterr().err
