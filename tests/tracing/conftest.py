"""Tracing's shared fixture: one Spark session for the whole test run (starting one takes seconds).

Skipped, with the reason, only where pyspark or Java is missing; CI installs both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fangyi.tracing.batch import engines


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    missing = engines.spark_available()
    if missing:
        pytest.skip(missing)
    session = engines.spark_session("local[2]", "fangyi-tests", partitions=2)
    yield session
    session.stop()
