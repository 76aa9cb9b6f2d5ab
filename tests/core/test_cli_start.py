"""`fangyi` starts without what its commands do not use: the help (and the registration of every
part's commands) never imports the web app, the services, Plotly, OR-Tools or DuckDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fangyi

ROOT = Path(fangyi.__file__).parent.parent
HEAVY = ("fangyi.app", "fastapi", "starlette", "plotly", "ortools", "duckdb", "pandas", "numpy", "openpyxl",
         "uvicorn", "alembic", "sqlalchemy", "fangyi.tracing.service", "fangyi.demo.build")

LOADED = f"""
import json, sys
from fangyi.cli.main import app
try:
    app(sys.argv[1:], prog_name="fangyi")
except SystemExit as exit:
    code = exit.code
print(json.dumps({{"exit": code, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _run(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_the_help_imports_no_web_app_service_or_heavy_library() -> None:
    assert _run("--help") == {"exit": 0, "loaded": []}


def test_a_commands_help_installs_the_parts_without_loading_their_code() -> None:
    """Before a command runs the parts are installed (permissions, words, handlers), their code
    imported only when the command reaches it."""
    assert _run("trace", "--help") == {"exit": 0, "loaded": []}


def test_a_command_that_uses_no_database_loads_none() -> None:
    assert _run("protocol", "list")["loaded"] == []


def test_python_dash_m_fangyi_is_the_command() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "fangyi", "--help"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0 and "trace" in done.stdout


def test_the_demos_scenarios_are_the_builders() -> None:
    from fangyi.cli.demo import SCENARIOS
    from fangyi.demo import SCENARIOS as BUILDERS

    assert BUILDERS == SCENARIOS


def test_the_check_ins_writer_process_loads_no_sqlalchemy() -> None:
    """Its page cache is the memory an import may spend; the process around it stays small."""
    probe = ("import json, sys, fangyi.registry.imports.writer as w; "
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
