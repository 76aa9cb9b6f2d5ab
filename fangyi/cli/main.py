"""The `fangyi` command: the core's groups (db, serve, demo) and each installed part's commands."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from fangyi.app import PARTS, install
from fangyi.cli import db, demo, serve
from fangyi.parts import Part


def build(parts: Sequence[Part] = PARTS) -> typer.Typer:
    """The command over these parts (installed, so that their permissions and words hold)."""
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
