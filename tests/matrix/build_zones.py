"""Zones' records on each side: a sealed zone in force over the side's group (with its notice) and a
controlled zone proposed over its village."""

from __future__ import annotations

from fangyi.access import SYSTEM
from fangyi.zones import service
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    for side in world.sides():
        word = "里" if side.name == "inside" else "外"
        active = service.propose(session, SYSTEM, kind="sealed", area_codes=[side.group],
                                 reason=f"{word}乡封控区理由")
        service.approve(session, SYSTEM, active.id)
        side.add("zone_active", active, active.reason)
        proposed = service.propose(session, SYSTEM, kind="controlled", area_codes=[side.village],
                                   reason=f"{word}乡管控区理由")
        side.add("zone_proposed", proposed, proposed.reason)
    session.flush()
