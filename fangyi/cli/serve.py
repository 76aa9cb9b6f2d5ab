"""`fangyi serve`: the web pages and the API on the configured database."""

from __future__ import annotations

import typer
from rich.console import Console


def serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run("fangyi.app:serve_app", factory=True, host=host, port=port, proxy_headers=True, workers=workers)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        host: str = typer.Option("127.0.0.1", help="address to listen on"),
        port: int = typer.Option(8000, help="port"),
        workers: int = typer.Option(1, min=1, max=64, help="server processes: on PostgreSQL, one per core "
                                    "for a screening round's morning"),
    ) -> None:
        """Serve the configured database (FANGYI_DATABASE_URL)."""
        from fangyi.config import configured_key

        if workers > 1 and not configured_key():
            Console(stderr=True).print(
                "[red]several workers need one signing key: set FANGYI_SECRET_KEY (each worker would make its "
                "own, and a login made by one would fail on the others)[/]")
            raise typer.Exit(2)
        serve(host, port, workers)
