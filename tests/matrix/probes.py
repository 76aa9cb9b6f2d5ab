"""How the matrix calls one route: its path's values, its query, and its body or form, for the
inside or the outside township's records. Each part lists its routes' probes in `probes_<part>.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.matrix.world import Side, World

# (world, side), or (world, side, role) for a route about the caller's own things (their token).
Make = Callable[..., dict[str, Any]]


def nothing(world: World, side: Side) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Probe:
    path: Make = nothing  # the path's {values}
    query: Make = nothing
    body: Make | None = None  # JSON, for the API
    form: Make | None = None  # form fields, for a page (the CSRF token is added)
    files: Make | None = None  # uploaded files: {field: (filename, bytes)}
    # Whether the route names a record of one township (then the outside run must answer 404);
    # a route over the user's whole jurisdiction (a list, a figure) is probed once, for leaks.
    sided: bool = True


Probes = dict[tuple[str, str], Probe]
