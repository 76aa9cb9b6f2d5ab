"""The `fangyi` command. Each group lives in its own module and registers itself."""

from __future__ import annotations

import typer

from fangyi.cli import db, demo, imports, protocol, report, serve, trace, users

app = typer.Typer(
    name="fangyi",
    help="防疫 Fangyi: outbreak response command platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (db, users, protocol, report, imports, trace, demo, serve):
    module.register(app)
