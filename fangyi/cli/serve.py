"""`fangyi serve`: the web pages and the API on the configured database."""

from __future__ import annotations

import typer
import uvicorn


def serve(host: str, port: int, workers: int = 1) -> None:
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
        serve(host, port, workers)
