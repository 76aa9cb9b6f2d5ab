"""`fangyi zones list|check|approve|lift`: zones and risk areas from the console."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fangyi.cli_options import day_option

if TYPE_CHECKING:
    from fangyi.errors import DomainError
    from fangyi.zones import service

EXIT_NOT_FOUND = 2
EXIT_REFUSED = 3


def _day(value: str | None) -> date:
    from fangyi.timeutil import today

    return day_option(value, code=EXIT_NOT_FOUND) or today()


def _at(value: str | None) -> datetime | None:
    from fangyi.timeutil import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        Console(stderr=True).print(f"[red]--at {escape(value)!r} is not a time (ISO 8601, local if no offset)[/]")
        raise typer.Exit(EXIT_NOT_FOUND) from None


def _show(views: list[service.ZoneView], as_json: bool) -> None:
    if as_json:
        print(json.dumps([view.as_json() for view in views], ensure_ascii=False, indent=2))
        return
    table = Table(title="zones")
    for column in ("id", "kind", "state", "areas", "since", "criteria", "proposal"):
        table.add_column(column)
    for view in views:
        data = view.as_json()
        criteria = " ".join(f"{c['name']}={'yes' if c['met'] else 'no'}" for c in data["criteria"])
        proposal = f"{data['proposal']['action']} {data['proposal']['on']}" if data["proposal"] else ""
        table.add_row(str(data["id"]), data["kind"], data["state"], " ".join(data["areas"]) or "(venues)",
                      data["since"], criteria, proposal)
    Console().print(table)


def _refused(exc: DomainError) -> typer.Exit:
    Console(stderr=True).print(f"[red]{escape(exc.detail)}[/]")
    return typer.Exit(EXIT_NOT_FOUND if exc.status == 404 else EXIT_REFUSED)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Zones and risk areas.", no_args_is_help=True)

    @group.command("list")
    def list_cmd(
        day: str | None = typer.Option(None, "--date", help="local date YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
    ) -> None:
        """Zones and risk areas proposed or in force on the day, with their criteria; nothing is written."""
        from fangyi.access import SYSTEM
        from fangyi.db.session import session_scope
        from fangyi.zones import service

        when = _day(day)
        with session_scope() as session:
            _show(service.list_zones(session, SYSTEM, when), as_json)

    @group.command("check")
    def check_cmd(
        day: str | None = typer.Option(None, "--date", help="local date YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
    ) -> None:
        """The daily evaluation of every zone in force; proposes the lifts and downgrades that hold."""
        from fangyi.access import SYSTEM
        from fangyi.db.session import session_scope, writing
        from fangyi.zones import service

        when = _day(day)
        with session_scope() as session:
            writing(session)  # SQLite: hold the write lock from the start (other writers take turns)
            _show(service.check(session, SYSTEM, when), as_json)

    @group.command("approve")
    def approve_cmd(
        zone_id: int = typer.Argument(..., help="the zone's number"),
        username: str = typer.Option(..., "--as", help="the commander who decided"),
        at: str | None = typer.Option(None, "--at", help="when the decision took effect (default now)"),
    ) -> None:
        """Approve what waits on a zone: the zone itself, or its lift, downgrade or seal."""
        from fangyi.auth.acting import acting_user
        from fangyi.db.session import session_scope, writing
        from fangyi.errors import DomainError
        from fangyi.zones import service

        moment = _at(at)
        try:
            with session_scope() as session:
                writing(session)
                decision = service.approve(session, acting_user(session, username), zone_id, at=moment)
                Console().print(f"zone #{zone_id}: {decision.action} ({decision.kind_after or decision.kind_before})")
        except DomainError as exc:
            raise _refused(exc) from None

    @group.command("lift")
    def lift_cmd(
        zone_id: int = typer.Argument(..., help="the zone's number"),
        username: str = typer.Option(..., "--as", help="the commander who decided"),
        at: str | None = typer.Option(None, "--at", help="when the lift took effect (default now)"),
        override: str | None = typer.Option(None, "--override", help="the written reason to lift before the "
                                            "criteria hold"),
    ) -> None:
        """Lift a zone; before its criteria hold only with --override and a reason."""
        from fangyi.auth.acting import acting_user
        from fangyi.db.session import session_scope, writing
        from fangyi.errors import DomainError
        from fangyi.zones import service

        moment = _at(at)
        try:
            with session_scope() as session:
                writing(session)
                decision = service.lift(session, acting_user(session, username), zone_id, at=moment, override=override)
                Console().print(f"zone #{zone_id}: {decision.action}")
        except DomainError as exc:
            raise _refused(exc) from None

    app.add_typer(group, name="zones")
