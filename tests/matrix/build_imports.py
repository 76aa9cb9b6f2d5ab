"""An import run on each side, by a user of that township."""

from __future__ import annotations

from fangyi.imports.models import ImportProblem, ImportRun
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    owners = {"inside": world.users["command_office"].id, "outside": world.outside["user"].id}
    for side in world.sides():
        run = ImportRun(kind="persons", filename=f"{side.name}-persons.csv", actor_id=owners[side.name],
                        status="partial", rows_total=2, rows_loaded=1, rows_rejected=1)
        session.add(run)
        session.flush()
        session.add(ImportProblem(import_id=run.id, line=3, column="name", reason=f"{side.name} row refused"))
        side.add("import_run", run, f"{side.name}-persons.csv")
