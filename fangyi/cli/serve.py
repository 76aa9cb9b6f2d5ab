"""`fangyi serve`: the web pages and the API on the configured database."""

from __future__ import annotations

import typer
import uvicorn


def serve(host: str, port: int) -> None:
    uvicorn.run("fangyi.app:create_app", factory=True, host=host, port=port, proxy_headers=True)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        host: str = typer.Option("127.0.0.1", help="address to listen on"),
        port: int = typer.Option(8000, help="port"),
    ) -> None:
        """Serve the configured database (FANGYI_DATABASE_URL)."""
        serve(host, port)
