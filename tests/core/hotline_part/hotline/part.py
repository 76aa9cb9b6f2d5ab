"""A throw-away part: a hotline whose operators take calls. Everything a part declares, once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from fangyi.access import Principal, Role, require
from fangyi.deps import ApiUser, Viewer
from fangyi.imports.rows import Handler, Problem, Values
from fangyi.parts import ImportKind, Nav, Part
from fangyi.quarantine.events import PlacementsMade
from fangyi.web.render import render

EPOCH = datetime(2022, 3, 30, tzinfo=UTC)
HEARD: list[datetime] = []

# --- service: the checks live here ---


def calls_today(who: Principal) -> int:
    require(who, "take_calls")
    return 0


# --- routes ---

router = APIRouter()


@router.get("/api/v1/hotline/calls", summary="Calls taken today")
def calls(user: ApiUser) -> dict[str, int]:
    return {"calls": calls_today(user)}


@router.get("/hotline", include_in_schema=False)
def page(request: Request, user: Viewer) -> HTMLResponse:
    return render(request, "hotline.html", calls=calls_today(user))


# --- what else it brings ---


class Calls(Handler):
    required = ("caller",)
    optional = ("topic",)

    def take(self, line: int, values: Values) -> Problem | None:
        if not self.row(values)["caller"]:
            return Problem(line, "caller", "who called?")
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []


def figures(session: Session, day: date, who: Principal) -> dict[str, Any]:
    return {"calls": 0}


def heard(session: Session, actor: Principal, event: PlacementsMade) -> None:
    HEARD.append(event.at)


def cli(app: typer.Typer) -> None:
    group = typer.Typer(help="The hotline.")

    @group.command("ring")
    def ring() -> None:
        print("叮")

    app.add_typer(group, name="hotline")


PART = Part(
    name="hotline",
    routers=(router,),
    permissions={"take_calls": frozenset({Role.checkpoint, Role.command_office})},
    words={"nav.hotline": ("热线", "Hotline")},
    import_kinds={"calls": ImportKind(Calls, frozenset({Role.checkpoint}))},
    figures=(("hotline", figures),),
    handles=((PlacementsMade, heard),),
    nav=(Nav("/hotline", "nav.hotline", "take_calls"),),
    landing={Role.checkpoint: "/hotline"},
    cli=cli,
    templates=Path(__file__).parent / "templates",
)
