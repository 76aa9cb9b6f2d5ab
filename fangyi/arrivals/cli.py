"""`fangyi arrivals day [--date D] [--json]`: what the arrivals are due on a day, county-wide, from the
console (the imports `fangyi import arrivals|origin-risks FILE` come with the import kinds)."""

from __future__ import annotations

import json

import typer

from fangyi.cli_options import day_option

EXIT_BAD_DATE = 2


def register(app: typer.Typer) -> None:
    arrivals = typer.Typer(help="Arrivals: what the village line is due.", no_args_is_help=True)
    app.add_typer(arrivals, name="arrivals")

    @arrivals.command("day")
    def day_command(on: str = typer.Option(None, "--date", help="local date (default today)"),
                    as_json: bool = typer.Option(False, "--json")) -> None:
        """Every arrival's work due on a day: first visits, temperatures, tests, releases."""
        # Imported here: `fangyi --help` registers this command without loading the database or services.
        from fangyi.access import SYSTEM
        from fangyi.arrivals import service
        from fangyi.db.session import session_scope
        from fangyi.timeutil import today

        day = day_option(on, code=EXIT_BAD_DATE) or today()
        with session_scope() as session:
            tasks = service.village_day(session, SYSTEM, day)
            rows = [{"arrival_id": t.arrival.id, "person": t.person.name, "area": t.arrival.staying_area_code,
                     "kind": t.kind, "label": t.label, "done": t.done, "wanted": t.wanted} for t in tasks]
        if as_json:
            print(json.dumps({"date": day.isoformat(), "due": rows}, ensure_ascii=False, indent=2))
            return
        for row in rows:
            print(f"{row['area']}\t{row['person']}\t{row['kind']} {row['label']}\t{row['done']}/{row['wanted']}")
