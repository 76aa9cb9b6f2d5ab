"""Command: the daily report over every part's figures (owns no tables)."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.command.words import WORDS
from fangyi.parts import Nav, Part

PART = Part(
    name="command",
    routers=("fangyi.command.api:router", "fangyi.command.pages:router"),
    permissions={"read_report": frozenset({Role.commander, Role.command_office, Role.admin}),
                 # The night's figures are reported upward by the command office.
                 "close_report": frozenset({Role.commander, Role.command_office, Role.admin})},
    words=WORDS,
    nav=(Nav("/command", "nav.dashboard", "read_report"), Nav("/report", "nav.report", "read_report")),
    landing={Role.commander: "/command", Role.command_office: "/command"},
    cli="fangyi.command.cli:register",
    templates=Path(__file__).parent / "templates",
)
