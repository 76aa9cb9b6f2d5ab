"""One way to plug in a part: each part folder exports one `PART` declaration (its `part.py`), and
`fangyi.app.PARTS` lists them in order. `install` builds the shared tables from that list at
start-up (permissions, words, import kinds, figures, person links, event handlers, navigation,
landings, templates, commands, daily jobs), never by import side effects.

A declaration names its code (routers, commands, figures, handlers, import kinds, models, jobs) either
as the object or as "module:attribute", imported only when the running system needs it: the server
mounts the routers, a command loads its part's code when it runs, and `fangyi --help` reads the
declarations without importing the web app or the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from fangyi.access import Role
    from fangyi.events import Event, Handler

# Code a declaration names by "module:attribute", imported when first needed.
Ref = str


def load(ref: Any) -> Any:
    """The object `ref` names ("fangyi.tracing.api:router"), or `ref` itself when it is one already."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


# A part's figures for the daily report: (session, local day, who asks, as_of=None) -> {figure: value},
# each figure limited to what the principal's jurisdiction holds; given `as_of` (a moment), as the
# records stood then, as far as the part can rebuild them (the command's report marks the rest).
FiguresFn = Callable[..., dict[str, Any]]
# The sampling time of a person's latest negative test before a moment, from the tests a part keeps.
NegativeFn = Callable[["Session", int, datetime], "datetime | None"]


@dataclass(frozen=True)
class Daily:
    """A job the server runs once a day (fangyi.daily): at `at()` local time (read from the settings
    when asked; None: not scheduled in this deployment), `run(session, day)` in one transaction,
    committed by the scheduler. Exactly one server process runs it on a day, however many run."""

    name: str
    at: Callable[[], time | None]
    run: Callable[[Session, date], Any] | Ref


@dataclass(frozen=True)
class Nav:
    """An entry of the menu, shown to roles holding `permission` (everyone signed in when None)."""

    path: str
    word: str
    permission: str | None = None


@dataclass(frozen=True)
class ImportKind:
    """A kind of file `fangyi import` and the imports page take: its handler and who may load it."""

    handler: type[Any] | Ref
    roles: frozenset[Role]
    # `fangyi import KIND FILE --to-log PATH`: loads the file into a log instead of the table.
    to_log: Callable[..., Any] | Ref | None = None


@dataclass(frozen=True)
class Part:
    name: str
    routers: Sequence[APIRouter | Ref] = ()
    permissions: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    words: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    import_kinds: Mapping[str, ImportKind] = field(default_factory=dict)
    figures: Sequence[tuple[str, FiguresFn | Ref]] = ()
    person_links: Sequence[tuple[type[Any] | Ref, str]] = ()
    handles: Sequence[tuple[type[Event] | Ref, Handler | Ref]] = ()
    nav: Sequence[Nav] = ()
    landing: Mapping[Role, str] = field(default_factory=dict)
    cli: Callable[[typer.Typer], None] | Ref | None = None
    templates: Path | None = None
    negative_tests: Sequence[NegativeFn | Ref] = ()
    # Jobs the server runs once a day at a configured local time (e.g. the zones' daily check).
    daily: Sequence[Daily] = ()
    # The modules other parts may import; everything else in the folder is the part's own.
    public: tuple[str, ...] = ("service", "models", "schemas", "events")

    def mounted(self) -> list[APIRouter]:
        """The part's routers, imported (only the server and its tests need them)."""
        return [load(router) for router in self.routers]

    def commands(self) -> Callable[[typer.Typer], None] | None:
        """What adds the part's commands to `fangyi`, imported."""
        return load(self.cli) if self.cli is not None else None

    def loaded(self) -> Part:
        """The declaration with its figures, handlers, models and jobs imported. The routers,
        commands and import kinds' handlers stay as declared, each imported when used (`mounted`,
        `commands`, the imports service): a command that imports no file loads no file reader."""
        return replace(
            self,
            figures=tuple((key, load(fn)) for key, fn in self.figures),
            person_links=tuple((load(model), column) for model, column in self.person_links),
            handles=tuple((load(kind), load(handler)) for kind, handler in self.handles),
            negative_tests=tuple(load(ask) for ask in self.negative_tests),
            daily=tuple(replace(job, run=load(job.run)) for job in self.daily),
        )


class PartError(RuntimeError):
    """Two parts declare the same thing, or a declaration names what no part has."""


@dataclass
class Installed:
    parts: tuple[Part, ...]
    permissions: dict[str, frozenset[Role]] = field(default_factory=dict)
    words: dict[str, tuple[str, str]] = field(default_factory=dict)
    import_kinds: dict[str, ImportKind] = field(default_factory=dict)
    nav: list[Nav] = field(default_factory=list)
    landing: dict[Role, str] = field(default_factory=dict)
    templates: list[Path] = field(default_factory=list)
    daily: list[Daily] = field(default_factory=list)
    # The code the parts name, as declared: imported on first use (the properties below), so that
    # a command loads only what it reaches.
    declared_figures: list[tuple[str, FiguresFn | Ref]] = field(default_factory=list)
    declared_person_links: list[tuple[type[Any] | Ref, str]] = field(default_factory=list)
    declared_handlers: dict[type[Event], list[Handler | Ref]] = field(default_factory=dict)
    declared_negative_tests: list[NegativeFn | Ref] = field(default_factory=list)

    @cached_property
    def figures(self) -> list[tuple[str, FiguresFn]]:
        return [(key, load(fn)) for key, fn in self.declared_figures]

    @cached_property
    def person_links(self) -> list[tuple[type[Any], str]]:
        return [(load(model), column) for model, column in self.declared_person_links]

    @cached_property
    def handlers(self) -> dict[type[Event], list[Handler]]:
        return {kind: [load(handler) for handler in handlers] for kind, handlers in self.declared_handlers.items()}

    @cached_property
    def negative_tests(self) -> list[NegativeFn]:
        return [load(ask) for ask in self.declared_negative_tests]

    def load_all(self) -> None:
        """Import all the code the parts name now (a server does, before its first request)."""
        _ = self.figures, self.person_links, self.handlers, self.negative_tests  # cached from now on
        for kind in self.import_kinds.values():
            load(kind.handler)
        for job in self.daily:
            load(job.run)

    def last_negative(self, session: Session, person_id: int, before: datetime) -> datetime | None:
        """The sampling time of the person's latest negative test before `before`, whichever part
        keeps it (screening's pools, quarantine's tests, …)."""
        found = [moment for ask in self.negative_tests if (moment := ask(session, person_id, before)) is not None]
        return max(found, default=None)

    def part(self, name: str) -> Part:
        """The part's declaration, its code imported."""
        for part in self.parts:
            if part.name == name:
                return part.loaded()
        raise PartError(f"no part {name!r} is installed")


def _merge(into: dict[Any, Any], items: Mapping[Any, Any], what: str, owner: dict[Any, str], part: str) -> None:
    for key, value in items.items():
        if key in into:
            raise PartError(f"{what} {key!r} is declared by both {owner[key]} and {part}")
        into[key] = value
        owner[key] = part


def build(parts: Iterable[Part], core_words: Mapping[str, tuple[str, str]] = {}) -> Installed:
    """The tables the parts declare, the code they name imported when first used."""
    parts = tuple(parts)
    names = [part.name for part in parts]
    if len(set(names)) != len(names):
        raise PartError(f"a part is listed twice: {names}")
    done = Installed(parts, words=dict(core_words))
    owners: dict[str, dict[Any, str]] = {kind: {} for kind in ("permission", "word", "import kind", "figures")}
    owners["word"].update(dict.fromkeys(core_words, "the core"))
    for part in parts:
        _merge(done.permissions, part.permissions, "permission", owners["permission"], part.name)
        _merge(done.words, part.words, "word", owners["word"], part.name)
        _merge(done.import_kinds, part.import_kinds, "import kind", owners["import kind"], part.name)
        # A later part's landing overrides an earlier one's: the nearer page a role had until its
        # own part arrived (a dispatcher on the venues until transport) gives way to it.
        done.landing.update(part.landing)
        _merge({}, {key: None for key, _ in part.figures}, "figures", owners["figures"], part.name)
        done.declared_figures.extend(part.figures)
        done.declared_person_links.extend(part.person_links)
        done.declared_negative_tests.extend(part.negative_tests)
        for job in part.daily:
            if any(other.name == job.name for other in done.daily):
                raise PartError(f"daily job {job.name!r} is declared twice ({part.name})")
            done.daily.append(job)
        for kind, handler in part.handles:
            done.declared_handlers.setdefault(load(kind), []).append(handler)
        done.nav.extend(part.nav)
        if part.templates is not None:
            done.templates.append(part.templates)
    for entry in done.nav:
        if entry.permission is not None and entry.permission not in done.permissions:
            raise PartError(f"menu entry {entry.path} needs {entry.permission!r}, which no part declares")
    return done


_installed: Installed | None = None


def install(parts: Iterable[Part], core_words: Mapping[str, tuple[str, str]] = {}) -> Installed:
    """Make these parts the running system's (the app, the CLI and the tests call it once)."""
    global _installed
    _installed = build(parts, core_words)
    return _installed


@contextmanager
def declared(parts: Iterable[Part], core_words: Mapping[str, tuple[str, str]] = {}) -> Iterator[Installed]:
    """The parts' tables with their code left unimported, installed while the block runs (the
    command line registers its commands under it: a command's help may name what the parts
    declare); whatever was installed before is back after it."""
    global _installed
    before = _installed
    _installed = build(parts, core_words)
    try:
        yield _installed
    finally:
        _installed = before


def installed() -> Installed:
    if _installed is None:
        raise PartError("no parts are installed: call fangyi.app.install() first")
    return _installed
