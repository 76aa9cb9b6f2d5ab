"""`fangyi protocol`: the rule book in force."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Protocol editions.", no_args_is_help=True)
    console = Console()

    @group.command("show")
    def show(as_json: bool = typer.Option(False, "--json", metavar="", help="print the whole edition as JSON")) -> None:
        """Print the edition in force (FANGYI_PROTOCOL) with every number it sets."""
        from fangyi.protocols.reader import ProtocolError, current

        try:
            protocol = current()
        except ProtocolError as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/]")
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(protocol.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        lineage = " ← ".join((protocol.edition, *reversed(protocol.lineage)))
        console.print(f"[bold]{protocol.title}[/] ({lineage}), published {protocol.published}")
        console.print(f"{protocol.title_en}; regime: {protocol.regime}")
        table = Table()
        for name in ("rule", "value"):  # folded when narrow, never cut: a rule's name is how it is found
            table.add_column(name, overflow="fold")
        for section, values in protocol.model_dump(mode="json").items():
            if isinstance(values, dict):
                for key, value in _flatten(values):
                    table.add_row(f"{section}.{key}", json.dumps(value, ensure_ascii=False))
        console.print(table)

    @group.command("list")
    def list_() -> None:
        """Editions Fangyi can load."""
        from fangyi.config import get_settings
        from fangyi.protocols.reader import available

        for name in available(get_settings().protocol_dir):
            print(name)

    app.add_typer(group, name="protocol")


def _flatten(values: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows
