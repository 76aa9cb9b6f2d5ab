"""`fangyi demo`: build the demo county (a synthetic 衡东县) and serve it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from fangyi.demo import DemoSpec

# fangyi.demo.SCENARIOS, written out so that `fangyi --help` need not load the demo's builder.
SCENARIOS = ("hengdong", "spread")


def same_demo(built: dict[str, object] | None, spec: DemoSpec, *, dated: bool = True) -> bool:
    """The built demo is the one asked for. ``dated=False`` (no --until given): a demo built on an
    earlier day is still the same one; it stays on the clock it was built on."""
    wanted = spec.describe()
    if not dated:
        wanted.pop("until")
    return built is not None and all(built.get(key, "hengdong" if key == "scenario" else None) == value
                                     for key, value in wanted.items())


def print_logins(console: Console, seed: int) -> None:
    from fangyi.demo import logins

    table = Table(title="演示账号 demo logins")
    for column in ("username", "role", "jurisdiction", "password"):
        table.add_column(column)
    for login in logins(seed):
        table.add_row(login.username, login.title, login.area_code, login.password)
    console.print(table)


def print_first_case(console: Console, counts: dict[str, object], spec: DemoSpec) -> None:
    """Where a newcomer starts: the outbreak's first case and how far its contacts reach."""
    from fangyi.demo.scenario import case_number

    if "close_contacts" not in counts:  # built before the demo planted its first day
        return
    case_no = case_number(date.fromisoformat(str(counts.get("until", spec.until))))
    console.print(f"首例 first case [bold]{case_no}[/]: {counts['close_contacts']:,} 密接 close contacts, "
                  f"{counts['secondary_contacts']:,} 密接的密接 secondary close contacts")
    console.print(f"see them with [bold]fangyi trace {case_no}[/]")


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        size: str = typer.Option("small", help="tiny (~300 persons), small (~20,000) or county (~565,000)"),
        seed: int = typer.Option(2022, help="same seed, same county"),
        until: str = typer.Option("", help="the build day, day 4 of the outbreak (default today)",
                                  show_default=False),
        scenario: str = typer.Option("hengdong", help="hengdong (the first case's four days) or spread "
                                     "(a local outbreak of some hundreds of cases over three weeks)"),
        # metavar="": a flag takes no value, so the help shows none (not "<bool>").
        force: bool = typer.Option(False, "--force", metavar="",
                                   help="drop whatever the database holds and rebuild"),
        no_serve: bool = typer.Option(False, "--no-serve", metavar="", help="build only, do not serve"),
        host: str = typer.Option("127.0.0.1", help="address to listen on"),
        port: int = typer.Option(8000, help="port"),
    ) -> None:
        """Build the demo county into the configured database (FANGYI_DATABASE_URL) and serve it."""
        from fangyi.config import get_settings
        from fangyi.db.migrate import upgrade
        from fangyi.db.session import session_scope
        from fangyi.demo import SIZES, DemoSpec, build
        from fangyi.demo.build import keep_counts
        from fangyi.demo.state import demo_built, holds_data, wipe
        from fangyi.timeutil import today

        console = Console(stderr=True)
        if size not in SIZES:
            console.print(f"[red]size must be one of {', '.join(SIZES)}[/]")
            raise typer.Exit(2)
        if scenario not in SCENARIOS:
            console.print(f"[red]scenario must be one of {', '.join(SCENARIOS)}[/]")
            raise typer.Exit(2)
        try:
            last_day = date.fromisoformat(until) if until else today()
        except ValueError:
            console.print(f"[red]--until {until!r} is not a date (YYYY-MM-DD)[/]")
            raise typer.Exit(2) from None
        if last_day > today():
            console.print(f"[red]--until {until} is after today: the demo's days are written as they happened[/]")
            raise typer.Exit(2)
        spec = DemoSpec(SIZES[size], seed=seed, until=last_day, scenario=scenario)
        url = get_settings().database_url
        built = demo_built(url)
        if not force and built is not None and same_demo(built, spec, dated=bool(until)):
            console.print(f"[green]this demo is already built[/] ({size}, seed {seed})"
                          + ("; nothing to do (--no-serve)" if no_serve else "; serving it"))
            counts = built
        else:
            if holds_data(url):
                if not force:
                    console.print("[red]the database holds data already; use --force to drop it and build "
                                  "the demo[/]")
                    raise typer.Exit(2)
                console.print("[yellow]--force: dropping the database's contents[/]")
                wipe(url)
            upgrade(url=url)
            with session_scope() as session:
                counts = build(session, spec, console)
            with session_scope() as session:
                keep_counts(session)
            console.print("[green]demo county built:[/] " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print_logins(console, seed)
        print_first_case(console, counts, spec)
        if no_serve:
            console.print(f"built only (--no-serve): serve it with [bold]fangyi serve --port {port}[/]")
            return
        from fangyi.cli.serve import serve

        console.print(f"serving on [bold]http://{host}:{port}/[/]")
        serve(host, port)
