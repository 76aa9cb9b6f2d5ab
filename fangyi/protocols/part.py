"""Protocols: the editions of the rule book, as data, and the reader every part asks."""

from __future__ import annotations

from fangyi.parts import Part

PART = Part(name="protocols", cli="fangyi.protocols.cli:register", public=("reader",))
