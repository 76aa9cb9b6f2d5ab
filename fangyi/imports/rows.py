"""What every importer of one kind shares: the problem record and the handler's shape.

A handler takes rows one at a time (``take``), checks each fully before
keeping it, and writes what it kept in batches (``flush``). A row is either
written whole or refused with a Problem: never half-way.

A later part (cases, rooms, samples, lab results) adds its kind with a Handler
subclass — ``required``/``optional`` columns, ``take``, ``flush``, counting
``loaded`` and ``unchanged`` — declared in its ``part.py`` (``import_kinds``);
the reading, strict mode, the run record and the CLI and API come with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide, sees
from fangyi.imports.failures import WriteFailed as WriteFailed  # raised by handlers, caught by the service

Values = Sequence[str | None]  # a row's cells in the kind's column order; "" or None when empty


@dataclass
class Problem:
    """One rejected row: its line in the file, the column at fault (if one is), and why."""

    line: int
    column: str | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class Context:
    session: Session
    actor: Principal
    import_id: int
    tz: ZoneInfo
    present: frozenset[str]  # the kind's columns the file has
    # For a handler that commits_batches: what commits a written batch (None: the caller's
    # transaction holds the import whole); and whether this pass only checks (strict's first).
    commit: Callable[[], None] | None = None
    checking: bool = False
    strict: bool = False  # a refused row stops the writing (the caller then says what was loaded)

    @property
    def county_wide(self) -> bool:
        """Whether the actor's jurisdiction holds every area (then no row is checked against it)."""
        return county_wide(self.actor)

    def outside(self, area_code: str) -> str | None:
        """Why an area lies outside the actor's jurisdiction, or None when it does not."""
        if sees(self.actor, area_code):
            return None
        return f"area {area_code} is outside your jurisdiction ({self.actor.area_code})"


class Handler:
    """Checks and loads the rows of one kind of file."""

    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    batch_size: ClassVar[int] = 2000
    # A handler whose rows a re-run writes again to the same effect may commit each batch
    # (Context.commit), so that a long import does not hold the database; a strict import then
    # runs it twice, checking every row first (Context.checking) and writing only when all passed.
    commits_batches: ClassVar[bool] = False

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.loaded = 0
        self.unchanged = 0
        # Set once a strict import has met a bad row: rows are still checked, so
        # that every problem is reported, but nothing more is written.
        self.dry = False
        # Rows refused only when their batch was written (by what the database
        # holds); the service collects them after each take.
        self.late: list[Problem] = []

    def row(self, values: Values) -> dict[str, str | None]:
        return dict(zip(self.required + self.optional, values, strict=True))

    def take(self, line: int, values: Values) -> Problem | None:
        raise NotImplementedError

    def flush(self) -> list[Problem]:
        """Write the kept rows; a row refused only now (by what the database holds) is returned."""
        raise NotImplementedError

    def finish(self) -> list[Problem]:
        return self.flush()

    def stop_writing(self) -> None:
        self.dry = True

    def close(self) -> None:
        """Called once the rows are done, whatever happened; before the savepoint ends."""
