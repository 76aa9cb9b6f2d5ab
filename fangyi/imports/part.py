"""Imports: any part's kind of file in, row by row, with a report of every rejected row."""

from __future__ import annotations

from pathlib import Path

from fangyi.access import Role
from fangyi.imports.words import WORDS
from fangyi.parts import Nav, Part

PART = Part(
    name="imports",
    routers=("fangyi.imports.api:router", "fangyi.imports.pages:router"),
    permissions={"import": frozenset({Role.admin, Role.command_office, Role.tracer, Role.lab, Role.sampler})},
    words=WORDS,
    nav=(Nav("/imports", "nav.imports", "import"),),
    landing={Role.lab: "/imports"},
    cli="fangyi.imports.cli:register",
    templates=Path(__file__).parent / "templates",
    # Other parts bring their kinds of file: a handler (rows) run by the service.
    public=("service", "models", "rows", "read", "failures"),
)
