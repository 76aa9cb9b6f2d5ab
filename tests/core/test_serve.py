"""The app as `fangyi serve` runs it."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from fangyi.app import serve_app


def test_a_served_app_answers_and_keeps_what_it_holds_out_of_full_collections(monkeypatch) -> None:
    # No daily job on whatever database this process would reach (tests/core/test_daily.py runs them).
    monkeypatch.setenv("FANGYI_ZONES_CHECK_AT", "off")
    gc.unfreeze()
    try:
        with TestClient(serve_app()) as client:
            # Frozen once started: a full collection no longer walks the app's own objects.
            assert gc.get_freeze_count() > 10_000
            assert client.get("/healthz").json()["status"] == "ok"
    finally:
        gc.unfreeze()


def test_several_workers_without_a_shared_key_are_refused_on_postgresql(monkeypatch):
    from typer.testing import CliRunner

    from fangyi.cli.main import app

    monkeypatch.delenv("FANGYI_SECRET_KEY", raising=False)
    monkeypatch.setenv("FANGYI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    refused = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code == 2 and "FANGYI_SECRET_KEY" in refused.output


def test_an_embedded_deployment_keeps_one_key_beside_its_database(tmp_path, monkeypatch):
    from fangyi.config import get_settings

    monkeypatch.delenv("FANGYI_SECRET_KEY", raising=False)
    monkeypatch.setenv("FANGYI_DATABASE_URL", f"sqlite:///{tmp_path / 'fangyi.db'}")
    first = get_settings().secret_key
    assert (tmp_path / "fangyi.secret").read_text() == first
    assert (tmp_path / "fangyi.secret").stat().st_mode & 0o777 == 0o600
    assert get_settings().secret_key == first  # every process and restart reads the same one
