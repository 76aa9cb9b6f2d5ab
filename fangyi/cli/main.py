"""The `fangyi` command: the core's groups (db, serve, demo) and each installed part's commands.

It starts quickly: the commands are registered from light modules, and the parts' code (services,
models, figures) is loaded when a command runs, never the web app unless `serve` asks for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from typer._click.core import Command as TyperCommandBase

from fangyi.assembly import PARTS
from fangyi.cli import db, demo, serve
from fangyi.parts import Part, declared, install
from fangyi.web.i18n import CORE


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
    """The command over these parts (installed when a command runs, so that their permissions, words
    and handlers hold)."""
    _bare_flags()
    command = typer.Typer(
        name="fangyi",
        help="防疫 Fangyi: outbreak response command platform.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @command.callback()
    def installed() -> None:
        install(parts, CORE)

    db.register(command)
    db.register_backup(command)
    with declared(parts, CORE):  # the declarations only, for the commands' help
        for part in parts:
            if (register := part.commands()) is not None:
                register(command)
    for module in (demo, serve):
        module.register(command)
    return command


app = build()
