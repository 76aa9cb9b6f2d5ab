"""`fangyi user`: accounts and API tokens, for an administrator at the console."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

from fangyi.cli_options import day_option


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
    console = Console(stderr=True)

    @group.command("create")
    def create(
        username: str,
        role: str = typer.Option(..., help="commander, command_office, tracer, sampler, lab, site_manager, "
                                           "dispatcher, driver, village_doctor, checkpoint, admin, sentinel"),
        area: str = typer.Option(..., help="jurisdiction: an area code"),
        name: str | None = typer.Option(None, help="display name"),
        password: str | None = typer.Option(None, help="omit to be asked"),
    ) -> None:
        """Create a user with a role and a jurisdiction."""
        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError

        secret = password or getpass.getpass("password: ")
        try:
            with session_scope() as session:
                user = service.create_user(
                    session, SYSTEM, username=username, password=secret, role=role, area_code=area,
                    display_name=name,
                )
                console.print(f"[green]created[/] {user.username} ({user.role}, {user.area_code})")
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None

    @group.command("token")
    def token(username: str, name: str = typer.Option("cli", help="what the token is for")) -> None:
        """Issue an API token for a user; it is shown once."""
        from sqlalchemy import select

        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.auth.models import User
        from fangyi.db.session import session_scope

        with session_scope() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                console.print(f"[red]no user {username}[/]")
                raise typer.Exit(2)
            print(service.issue_token(session, SYSTEM, user, name))

    def _user_state(username: str, active: bool) -> None:
        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError

        try:
            with session_scope() as session:
                user = service.set_active(session, SYSTEM, service.find_user(session, SYSTEM, username), active)
                word = "activated" if active else "deactivated: its sessions ended and its tokens were revoked"
                console.print(f"[green]{user.username}[/] {word}")
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None

    @group.command("deactivate")
    def deactivate(username: str) -> None:
        """Deactivate a user at once: every session ends and every API token is revoked."""
        _user_state(username, False)

    @group.command("activate")
    def activate(username: str) -> None:
        """Let a deactivated user sign in again (their old tokens stay revoked)."""
        _user_state(username, True)

    @group.command("password")
    def password(username: str, new: str | None = typer.Option(None, "--password", help="omit to be asked")) -> None:
        """Set a user's password (an administrator's reset); their sessions end."""
        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError

        secret = new or getpass.getpass("new password: ")
        try:
            with session_scope() as session:
                user = service.find_user(session, SYSTEM, username)
                ended = service.change_password(session, SYSTEM, user=user, current=None, new=secret)
                console.print(f"[green]password set[/] for {user.username}; {ended} sessions ended")
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None

    app.add_typer(group, name="user")

    tokens = typer.Typer(help="API tokens.", no_args_is_help=True)

    @tokens.command("list")
    def list_tokens(username: str) -> None:
        """A user's tokens: id, name, last use, revoked (never the tokens themselves)."""
        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError

        with session_scope() as session:
            try:
                user = service.find_user(session, SYSTEM, username)
            except DomainError as exc:
                console.print(f"[red]{exc.detail}[/]")
                raise typer.Exit(2) from None
            for row in service.tokens_of(session, SYSTEM, user):
                state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
                used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
                print(f"{row.id}\t{row.name}\t{used}\t{state}")

    @tokens.command("revoke")
    def revoke(token_id: int) -> None:
        """Revoke an API token by its id (`fangyi token list USER`); it stops working at once."""
        from fangyi.access import SYSTEM
        from fangyi.accounts import service
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError

        try:
            with session_scope() as session:
                row = service.revoke_token(session, SYSTEM, token_id)
                console.print(f"[green]revoked[/] token {row.id} ({row.name}) of {row.user.username}")
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None

    app.add_typer(tokens, name="token")


def register_audit(app: typer.Typer) -> None:
    group = typer.Typer(help="The audit trail.", no_args_is_help=True)

    @group.command("verify")
    def verify(since: str | None = typer.Option(None, "--since", help="only the days from this local date on")) -> None:
        """Walk the trail's hash chains; name the first broken link of each (exit 1 when one is)."""
        from fangyi.audit import chain
        from fangyi.db.session import session_scope

        console = Console()
        day = day_option(since, "--since")
        with session_scope() as session:
            verdict = chain.verify(session, since=day)
        console.print(f"{verdict.sealed} entries sealed in {verdict.streams} chains"
                      + (f"; entries up to {verdict.before_chain} were written before the chain began"
                         if verdict.before_chain else ""))
        for broken in verdict.broken:
            console.print(f"[red]broken:[/] {broken}")
        if verdict.ok:
            console.print("[green]the trail is whole[/]; the chains end at:")
            for stream, head in sorted(verdict.heads.items()):
                print(f"{stream}\t{head}")
        raise typer.Exit(0 if verdict.ok else 1)

    app.add_typer(group, name="audit")


def commands(app: typer.Typer) -> None:
    register(app)
    register_audit(app)
