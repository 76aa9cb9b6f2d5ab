"""Import runs on each side: one by a user of that township for each role that imports, of a kind
that role may load. A run records no area, so a township user reads only the runs they made: the
inside runs are the matrix users' own, the outside ones another township's users'."""

from __future__ import annotations

from fangyi.access import Role
from fangyi.auth.models import User
from fangyi.imports.models import ImportProblem, ImportRun
from fangyi.imports.service import kinds_of
from tests.matrix.world import World


def run_key(role: str) -> str:
    return f"import_run.{role}"


def build(world: World) -> None:
    session = world.session
    for role in Role:
        if not kinds_of(world.users[role.value]):
            continue
        outsider = User(username=f"m-outside-{role.value}", display_name="外乡用户", role=role.value,
                        area_code=world.outside.township, password_hash="x")
        session.add(outsider)
        session.flush()
        makers = {"inside": world.users[role.value], "outside": outsider}
        for side in world.sides():
            maker = makers[side.name]
            filename = f"{side.name}-{role.value}.csv"
            run = ImportRun(kind=kinds_of(maker)[0], filename=filename, actor_id=maker.id, status="partial",
                            rows_total=2, rows_loaded=1, rows_rejected=1)
            session.add(run)
            session.flush()
            session.add(ImportProblem(import_id=run.id, line=3, column="name", reason=f"{side.name} row refused"))
            side.add(run_key(role.value), run, filename)
            side.records.setdefault("import_run", run)
