"""Adding a part is a copied folder and one line in the list of parts: a throw-away part, written
to a folder of its own here, brings its routes, permission, words, menu entry, landing, import kind,
figures, command and event handler without touching anything else."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.app import PARTS, create_app, install
from fangyi.cli.main import build
from fangyi.command.report import daily
from fangyi.deps import get_session
from fangyi.events import publish
from fangyi.parts import PartError
from fangyi.parts import build as build_parts
from fangyi.quarantine.events import PlacementsMade
from tests.conftest import Cast, password_for
from tests.core.hotline_part import FOLDER

HERE = Path(__file__).parent


@pytest.fixture
def hotline() -> Iterator[ModuleType]:
    """The throw-away part, imported from its folder as a package of its own."""
    sys.path.insert(0, str(FOLDER.parent))
    try:
        import hotline.part

        yield hotline.part
    finally:
        sys.path.remove(str(FOLDER.parent))
        for name in [name for name in sys.modules if name == "hotline" or name.startswith("hotline.")]:
            del sys.modules[name]
        install()  # the real parts again, for the tests after this one


@pytest.fixture
def with_hotline(hotline: ModuleType, db: Session) -> Iterator[TestClient]:
    app = create_app(parts=(*PARTS, hotline.PART))

    def same_session() -> Iterator[Session]:
        yield db

    app.dependency_overrides[get_session] = same_session
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _sign_in(client: TestClient, role: str) -> str:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"username": role, "password": password_for(role), "csrf": csrf},
                         follow_redirects=False)
    return answer.headers["location"]


def test_the_parts_api_route_answers_by_its_own_permission(with_hotline: TestClient, cast: Cast) -> None:
    assert with_hotline.get("/api/v1/hotline/calls", headers=cast.headers("checkpoint")).json() == {"calls": 0}
    refused = with_hotline.get("/api/v1/hotline/calls", headers=cast.headers("lab"))
    assert refused.status_code == 403 and "take calls" in refused.json()["detail"]
    operation = with_hotline.get("/api/v1/openapi.json").json()["paths"]["/api/v1/hotline/calls"]["get"]
    assert operation["summary"] == "Calls taken today"


def test_the_parts_page_menu_landing_and_words(with_hotline: TestClient, cast: Cast) -> None:
    assert _sign_in(with_hotline, "checkpoint") == "/hotline"
    page = with_hotline.get("/hotline")
    assert page.status_code == 200 and "<h1>热线</h1>" in page.text
    assert 'href="/hotline" aria-current="page">热线</a>' in page.text  # its own menu entry, the page open
    with_hotline.get("/lang/en")
    assert "<h1>Hotline</h1>" in with_hotline.get("/hotline").text
    other = TestClient(with_hotline.app)
    _sign_in(other, "lab")
    assert 'href="/hotline"' not in other.get("/account").text  # no menu entry without the permission
    assert other.get("/hotline").status_code == 403


def test_the_parts_import_kind_figures_and_event_handler(hotline: ModuleType, db: Session, cast: Cast,
                                                         tmp_path: Path) -> None:
    installed = install((*PARTS, hotline.PART))
    assert "calls" in installed.import_kinds
    report = daily(db, SYSTEM, date(2022, 4, 1))
    assert report["hotline"] == {"calls": 0}
    publish(db, SYSTEM, PlacementsMade(at=hotline.EPOCH, placed=()))
    assert hotline.HEARD == [hotline.EPOCH]

    from fangyi.imports.service import run_import

    sheet = tmp_path / "calls.csv"
    sheet.write_text("caller,topic\n王芳,发热\n,空\n", encoding="utf-8")
    imported = run_import(db, cast["checkpoint"], "calls", sheet)
    assert (imported.rows_loaded, [p.column for p in imported.problems]) == (1, ["caller"])


def test_the_parts_command(hotline: ModuleType) -> None:
    command = build((*PARTS, hotline.PART))
    result = CliRunner().invoke(command, ["hotline", "ring"])
    assert result.exit_code == 0 and "叮" in result.output


def test_two_parts_declaring_the_same_permission_are_refused(hotline: ModuleType) -> None:
    with pytest.raises(PartError, match="take_calls"):
        build_parts((*PARTS, hotline.PART, hotline.PART.__class__(name="hotline2",
                                                                   permissions=hotline.PART.permissions)))
