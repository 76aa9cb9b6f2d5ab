"""Zones: sealed, controlled and precaution zones and risk areas around cases, checked every day."""

from __future__ import annotations

from fangyi.parts import Part
from fangyi.zones import models  # noqa: F401

PART = Part(name="zones")
