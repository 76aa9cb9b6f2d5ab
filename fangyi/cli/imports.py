"""`fangyi import KIND FILE`: see fangyi/registry/imports (filled by the import work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
