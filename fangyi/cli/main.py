"""The `fangyi` command: the core's groups (db, serve, demo) and each installed part's commands."""

from __future__ import annotations

import typer

from fangyi.app import install
from fangyi.cli import db, demo, serve

app = typer.Typer(
    name="fangyi",
    help="防疫 Fangyi: outbreak response command platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

db.register(app)
for part in install().parts:
    if part.cli is not None:
        part.cli(app)
for module in (demo, serve):
    module.register(app)
