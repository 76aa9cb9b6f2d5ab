"""Pool size advice: Dorfman's two-stage scheme.

A pool of k is tested once; when positive, each of its k members is tested
again. With prevalence p, independent, the expected tests per person are
1/k + 1 − (1 − p)^k for k > 1, and 1 for single tubes. The advice is the
allowed size with the fewest expected tests per person (the smaller size on a tie).
"""

from __future__ import annotations

from collections.abc import Iterable

from fangyi.access import Principal, require


def tests_per_person(size: int, prevalence: float) -> float:
    if size < 1:
        raise ValueError("a pool holds at least one swab")
    if not 0.0 <= prevalence <= 1.0:
        raise ValueError("prevalence is a fraction between 0 and 1")
    if size == 1:
        return 1.0
    return 1.0 / size + 1.0 - (1.0 - prevalence) ** size


def advise_pool_size(prevalence: float, allowed: Iterable[int]) -> int:
    sizes = sorted(set(allowed))
    if not sizes:
        raise ValueError("no allowed pool sizes")
    return min(sizes, key=lambda size: (tests_per_person(size, prevalence), size))


def advice_for(who: Principal, prevalence: float, allowed: Iterable[int]) -> dict[int, float]:
    """Expected tests per person for each allowed size, for someone who reads screening."""
    require(who, "read_screening")
    return {size: tests_per_person(size, prevalence) for size in sorted(set(allowed))}
