"""Protocols: the editions of the rule book, as data, and the reader every part asks."""

from __future__ import annotations

from fangyi.parts import Part
from fangyi.protocols import cli

PART = Part(name="protocols", cli=cli.register, public=("reader",))
