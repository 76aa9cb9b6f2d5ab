"""The app as `fangyi serve` runs it."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from fangyi.app import serve_app


def test_a_served_app_answers_and_keeps_what_it_holds_out_of_full_collections() -> None:
    gc.unfreeze()
    try:
        with TestClient(serve_app()) as client:
            # Frozen once started: a full collection no longer walks the app's own objects.
            assert gc.get_freeze_count() > 10_000
            assert client.get("/healthz").json()["status"] == "ok"
    finally:
        gc.unfreeze()
