"""The parts this Fangyi is put together from, in order: a new part is a copied folder and a line
here. The order is the menu's, the daily report's and the routes'.

Only the declarations are imported here (each part's `part.py`, which names its code by module), so
that the command line starts without the web app and the services."""

from __future__ import annotations

import importlib
import pkgutil

from fangyi.accounts import part as accounts
from fangyi.arrivals import part as arrivals
from fangyi.command import part as command
from fangyi.imports import part as imports
from fangyi.parts import Part
from fangyi.protocols import part as protocols
from fangyi.quarantine import part as quarantine
from fangyi.registry import part as registry
from fangyi.screening import part as screening
from fangyi.tracing import part as tracing
from fangyi.transport import part as transport
from fangyi.workforce import part as workforce
from fangyi.zones import part as zones

PARTS: tuple[Part, ...] = (
    accounts.PART,
    registry.PART,
    imports.PART,
    protocols.PART,
    quarantine.PART,
    tracing.PART,
    screening.PART,
    zones.PART,
    arrivals.PART,
    transport.PART,
    workforce.PART,
    command.PART,
)


def load_models() -> None:
    """Every part's tables into the metadata: what Alembic compares the migrations with, and what
    emptying every table needs (a foreign key names a table of another part). A part keeps its
    tables in modules named `models` or `…_models`."""
    for part in PARTS:
        package = importlib.import_module(f"fangyi.{part.name}")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name == "models" or module.name.endswith("_models"):
                importlib.import_module(f"fangyi.{part.name}.{module.name}")
