"""The shape of the code, read from its imports: the core never reaches into a part, the parts form
no cycle, a part uses another only through the modules it declares public, and never writes
another part's tables."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import fangyi
from fangyi.app import PARTS

ROOT = Path(fangyi.__file__).parent
PART_NAMES = {part.name for part in PARTS}
PUBLIC = {part.name: set(part.public) for part in PARTS}
# Composition roots: they put the parts together, and nothing imports them but each other.
ROOTS = {"__main__", "app", "assembly", "cli", "demo"}
WRITES = {"insert", "update", "delete"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[:2] == ("db", "migrations"):
            continue  # Alembic's scripts: loaded by Alembic, never imported
        name = ".".join(("fangyi", *parts)).removesuffix(".__init__")
        found[name] = path
    return found


def _runtime_imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of each import that runs when the module loads or a function is called;
    imports under `if TYPE_CHECKING:` are for the type checker only and left out."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for inner in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fangyi"):
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names if alias.name.startswith("fangyi"))
    return found


def _targets(module: str, names: list[str], modules: dict[str, Path]) -> list[str]:
    """The modules an import reaches: `from fangyi.x import y` reaches fangyi.x.y when y is a module."""
    reached = [f"{module}.{name}" for name in names if f"{module}.{name}" in modules]
    return reached or [module]


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "fangyi"


def _edges() -> list[tuple[str, str]]:
    modules = _modules()
    return [(source, target) for source, path in modules.items()
            for imported, names in _runtime_imports(path)
            for target in _targets(imported, names, modules)]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in _edges():
        if _package(source) != _package(target):
            graph[_package(source)].add(_package(target))
    assert _cycle(graph) is None


def test_the_core_never_imports_a_part_or_a_root() -> None:
    wrong = [(source, target) for source, target in _edges()
             if _package(source) not in PART_NAMES | ROOTS and _package(target) in PART_NAMES | ROOTS]
    assert wrong == []


def test_a_part_uses_another_only_through_its_public_modules() -> None:
    wrong = []
    for source, target in _edges():
        mine, theirs = _package(source), _package(target)
        if mine in PART_NAMES and theirs in PART_NAMES and mine != theirs:
            module = target.split(".")[2] if target.count(".") >= 2 else "__init__"
            if module not in PUBLIC[theirs]:
                wrong.append((source, target))
    assert wrong == []


def _models_of_other_parts(path: Path, mine: str) -> set[str]:
    """Names this module imported from another part's models."""
    names = set()
    for module, imported in _runtime_imports(path):
        if module.endswith(".models") and _package(module) in PART_NAMES and _package(module) != mine:
            names.update(imported)
    return names


def test_no_part_writes_another_parts_tables() -> None:
    wrong = []
    for module, path in _modules().items():
        mine = _package(module)
        if mine not in PART_NAMES:
            continue
        theirs = _models_of_other_parts(path, mine)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else None
            first = node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
            if (called in WRITES and first in theirs) or called in theirs:
                wrong.append(f"{module}:{node.lineno} {ast.unparse(node)[:80]}")
    assert wrong == []


def test_every_part_is_a_folder_of_its_name_with_its_declaration() -> None:
    for part in PARTS:
        assert (ROOT / part.name / "part.py").is_file(), part.name


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def test_routes_leave_the_checks_to_the_services() -> None:
    """A module that serves routes asks no permission and no jurisdiction itself: its services do,
    so that the API, the page and the CLI cannot check differently."""
    wrong = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(call.func, ast.Name) and call.func.id == "APIRouter" for call in _calls(tree)):
            continue
        for call in _calls(tree):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in {"require", "check_area"}:
                wrong.append(f"{module}:{call.lineno} {name}")
    assert wrong == []


def test_no_service_waves_a_user_type_through() -> None:
    """Fangyi itself and the console act as SYSTEM, which holds every permission: no check is
    skipped by asking whether the actor is a User."""
    wrong = []
    for module, path in _modules().items():
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(call.func, ast.Name) and call.func.id == "isinstance" and len(call.args) == 2
                    and isinstance(call.args[1], ast.Name) and call.args[1].id == "User"):
                wrong.append(f"{module}:{call.lineno}")
    assert wrong == []
