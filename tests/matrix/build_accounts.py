"""A user of each township (beside the matrix's own), with an audit entry of their own."""

from __future__ import annotations

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit import service as audit
from fangyi.auth.models import User
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    for side in world.sides():
        user = User(username=f"m-{side.name}-office", display_name=f"{side.name}办公室员", role="command_office",
                    area_code=side.township, password_hash="x")
        session.add(user)
        session.flush()
        side.add("user", user, *((user.username, user.display_name) if side.name == "outside" else ()))
        accounts.issue_token(session, SYSTEM, user, f"{side.name}-scanner")
        side.add("token", accounts.tokens_of(session, SYSTEM, user)[0], f"{side.name}-scanner"
                 if side.name == "outside" else None)
        audit.record(session, user, "update", "venue", None, note=f"{side.name}-audit-note")
        if side.name == "outside":
            side.markers.add(f"{side.name}-audit-note")
