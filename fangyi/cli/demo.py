"""`fangyi demo`: build the demo county and serve it (filled by the demo work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
