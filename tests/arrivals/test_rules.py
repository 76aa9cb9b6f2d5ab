"""Each shipped edition's `[arrivals]` reads, and names only quarantine categories the edition has."""

from __future__ import annotations

import pytest

from fangyi.arrivals.rules import origin_known, origin_names, rules_of
from fangyi.protocols.reader import available, load


@pytest.mark.parametrize("edition", available())
def test_every_edition_says_what_each_level_asks(edition):
    protocol = load(edition)
    rules = rules_of(protocol)
    assert set(rules.measures) == {"high", "medium", "local_cases"}
    assert all(category in protocol.quarantine for category in rules.measures.values())
    low, high = rules.plausible_celsius
    assert low < protocol.health_checks.fever_celsius < high


def test_the_shipped_origin_list():
    names = origin_names()
    provinces = [code for code in names if code.endswith("0000")]
    assert len(provinces) == 34
    hunan = [code for code in names if code.startswith("43") and code[4:] == "00" and code[2:4] != "00"]
    assert len(hunan) == 14  # 13 prefecture-level cities and 湘西州
    assert origin_known("430424") and origin_known("310115") and not origin_known("999999")
