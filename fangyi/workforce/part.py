"""Workforce: institutions and staff, posts and what they need per shift, rosters (suggested by
CP-SAT, changed by hand within the edition's limits), teams, who is on duty and what is uncovered."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import ALL, Role
from fangyi.parts import ImportKind, Nav, Part
from fangyi.workforce.words import WORDS

OFFICE = frozenset({Role.command_office, Role.admin})

PART = Part(
    name="workforce",
    routers=("fangyi.workforce.api:router", "fangyi.workforce.pages:router"),
    permissions={
        "read_workforce": OFFICE | {Role.commander},
        # Rosters, posts, needs and the staff list: the command office, within its jurisdiction.
        "manage_workforce": OFFICE,
        # Anyone on the staff list with an account reads their own shifts and checks in.
        "own_shifts": ALL,
    },
    words=WORDS,
    import_kinds={"staff": ImportKind("fangyi.workforce.importer:StaffRows", OFFICE)},
    figures=(("workforce", "fangyi.workforce.figures:workforce_figures"),),
    nav=(Nav("/workforce", "nav.workforce", "read_workforce"), Nav("/workforce/me", "nav.my_shifts", "own_shifts")),
    templates=Path(__file__).parent / "templates",
)
