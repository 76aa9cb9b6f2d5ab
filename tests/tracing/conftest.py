"""Tracing's shared fixture: one Spark session for the whole test run (starting one takes seconds).

Skipped, with the reason, only where pyspark or Java is missing, unless FANGYI_TEST_REQUIRE_SPARK=1
(CI installs both and sets it: there a missing engine fails the run)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from fangyi.tracing.batch import engines


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    missing = engines.spark_available()
    if missing:
        if os.environ.get("FANGYI_TEST_REQUIRE_SPARK") == "1":
            pytest.fail(f"FANGYI_TEST_REQUIRE_SPARK=1: {missing}")
        pytest.skip(missing)
    session = engines.spark_session("local[2]", "fangyi-tests", partitions=2)
    yield session
    session.stop()
