"""Dorfman pool size advice: the chosen size is never beaten by another allowed size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangyi.protocols.reader import load
from fangyi.screening.advice import advise_pool_size
from fangyi.screening.advice import tests_per_person as cost_of

SIZES = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6, unique=True)
PREVALENCE = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(PREVALENCE, SIZES)
def test_the_advice_is_an_allowed_size_no_other_beats(prevalence: float, sizes: list[int]) -> None:
    advised = advise_pool_size(prevalence, sizes)
    assert advised in sizes
    best = cost_of(advised, prevalence)
    assert all(best <= cost_of(size, prevalence) for size in sizes)


@given(PREVALENCE, st.integers(min_value=2, max_value=50))
def test_a_pool_costs_between_its_share_and_one_plus_its_share(prevalence: float, size: int) -> None:
    cost = cost_of(size, prevalence)
    assert 1 / size - 1e-12 <= cost <= 1 + 1 / size + 1e-12


def test_the_protocol_sizes_give_the_textbook_answers() -> None:
    sizes = load("cn-8").screening.pool_sizes
    assert advise_pool_size(0.0001, sizes) == 20  # near zero prevalence: the biggest pool
    assert advise_pool_size(0.01, sizes) == 10  # Dorfman's optimum near 1/sqrt(p) = 10
    assert advise_pool_size(0.05, sizes) == 5
    assert advise_pool_size(0.5, sizes) == 1  # pooling no longer pays
    with pytest.raises(ValueError):
        cost_of(5, 1.5)
