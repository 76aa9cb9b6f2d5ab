"""The `fangyi` command: the core's groups (db, serve, demo) and each installed part's commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from typer._click.core import Command as TyperCommandBase

from fangyi.app import PARTS, install
from fangyi.cli import db, demo, serve
from fangyi.parts import Part


def _bare_flags() -> None:
    """A flag drawn with no value: Typer 0.29 draws `--json <bool>` (and `--help <bool>`), which
    reads as if the flag took one."""
    original = TyperCommandBase.get_params
    if getattr(original, "fangyi_bare", False):
        return

    def get_params(self: Any, ctx: Any) -> Any:
        params = original(self, ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params

    get_params.fangyi_bare = True  # type: ignore[attr-defined]
    TyperCommandBase.get_params = get_params  # type: ignore[method-assign]


def build(parts: Sequence[Part] = PARTS) -> typer.Typer:
    """The command over these parts (installed, so that their permissions and words hold)."""
    _bare_flags()
    command = typer.Typer(
        name="fangyi",
        help="防疫 Fangyi: outbreak response command platform.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    db.register(command)
    db.register_backup(command)
    for part in install(parts).parts:
        if part.cli is not None:
            part.cli(command)
    for module in (demo, serve):
        module.register(command)
    return command


app = build()
