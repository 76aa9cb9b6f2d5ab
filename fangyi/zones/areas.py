"""Area codes as zones use them: a home's group, village or county; the areas a code lies in; the
narrowest area holding several."""

from __future__ import annotations

from collections.abc import Iterable

from fangyi.areacodes import LEVEL_DEPTH, level_of, parent_of


def ancestors(code: str) -> list[str]:
    """The code and every area above it, nearest first."""
    chain = [code]
    parent = parent_of(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(parent)
    return chain


def at_level(code: str, level: str) -> str:
    """The area at `level` holding `code` (a home above that level: the home itself)."""
    if LEVEL_DEPTH[level_of(code)] <= LEVEL_DEPTH[level]:
        return code
    for area in ancestors(code):
        if level_of(area) == level:
            return area
    return code


def holds(outer: str, inner: str) -> bool:
    """Whether area `outer` is `inner` or lies above it."""
    return outer in ancestors(inner)


def scope(codes: Iterable[str]) -> str:
    """The narrowest area holding every code."""
    chains = [ancestors(code) for code in codes]
    if not chains:
        raise ValueError("no area")
    common = set(chains[0]).intersection(*chains[1:])
    return max(common, key=lambda code: LEVEL_DEPTH[level_of(code)])
