"""Benchmark: a week's suggested roster for 500 staff and 60 posts in three shifts.

    .venv/bin/python -m bench.workforce [--databases sqlite,postgresql] [--seconds 8] [--load 0.95]

One world per database, made through the services: 35 institutions, 500 staff with one or two of
the nine qualifications, one in ten of their shifts absent at random; 60 posts (sampling points,
checkpoints, quarantine sites, labs, fever clinics, the tracing team, the command office, vehicle
crews), each needing two or three qualifications per shift, more by day, so that the week asks for
about --load of what the staff can give within 48 h a week (their limits, not their number, are
what is short).

- suggest: `service.suggest` for the week with the CP-SAT solver (its time limit --seconds, the
  whole call, reading included, timed), not saved. Every person's week is checked against the
  limits afterwards.
- baseline, in the same run: the greedy fill (`method="greedy"`), the same needs and people.
The figure compared is the uncovered person-shifts; the target (issue 17) is under 10 s.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.common import fresh_database
from fangyi.access import SYSTEM
from fangyi.app import install
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.registry.models import Area
from fangyi.workforce import service
from fangyi.workforce.kinds import POST_KINDS, QUALIFICATIONS
from fangyi.workforce.limits import breaches
from fangyi.workforce.models import Absence, Need, Staff
from fangyi.workforce.rules import rules, slots

COUNTY = "430424"
MONDAY = date(2022, 3, 28)
STAFF, POSTS, INSTITUTIONS = 500, 60, 35
# What each kind of post needs, by qualification (the day shift gets more of the first).
POST_NEEDS = {
    "sampling_point": ("sampler", "volunteer"), "checkpoint": ("security", "nurse", "cadre"),
    "quarantine_site": ("nurse", "doctor", "security"), "lab": ("lab",), "fever_clinic": ("doctor", "nurse"),
    "tracing_team": ("tracer",), "command_office": ("cadre",), "vehicle_crew": ("driver",),
}


def _seed(session: Session, rng: random.Random, load: float) -> int:
    session.execute(insert(Area), [{"code": COUNTY, "name": "衡东县", "level": "county", "parent_code": None}])
    for n in range(INSTITUTIONS):
        service.create_institution(session, SYSTEM, code=f"I{n:02d}", name=f"单位{n}", kind="hospital",
                                   area_code=COUNTY)
    quals = list(QUALIFICATIONS)
    held = [sorted(rng.sample(quals, rng.choice((1, 1, 2)))) for _ in range(STAFF)]
    people: list[dict[str, Any]] = [
        {"name": f"人员{n}", "phone": f"1390000{n:04d}", "institution_id": 1 + n % INSTITUTIONS, "area_code": COUNTY,
         "qualifications": held[n], "active": True} for n in range(STAFF)]
    session.execute(insert(Staff), people)
    found = rules()
    week = slots(found, MONDAY, 7)
    # Roughly what the staff can give: 48 h a week of 8 h shifts each, per qualification held.
    holders: dict[str, float] = defaultdict(float)
    for qualifications in held:
        for q in qualifications:
            holders[q] += 1 / len(qualifications)
    kinds = list(POST_KINDS)
    posts = [service.create_post(session, SYSTEM, code=f"P{n:02d}", name=f"岗位{n}", kind=kinds[n % len(kinds)],
                                 area_code=COUNTY) for n in range(POSTS)]
    per_post: dict[str, list[int]] = defaultdict(list)
    for post in posts:
        for q in POST_NEEDS[post.kind]:
            per_post[q].append(post.id)
    shifts_each = found.max_week_hours // 8
    needs: list[dict[str, Any]] = []
    for q, ids in per_post.items():
        # The week's person-shifts for q, spread over its posts and 21 shifts, the day shift twice.
        total = holders[q] * shifts_each * load
        per_cell = total / (len(ids) * 7 * 4)
        for post_id in ids:
            for spec in found.shifts:
                weight = 2 if spec.code == "day" else 1
                count = max(1, round(per_cell * weight))
                needs.append({"post_id": post_id, "qualification": q, "shift": spec.code, "day": None,
                              "count": count})
    session.execute(insert(Need), needs)
    away = [{"staff_id": 1 + n, "starts_at": s.starts_at, "ends_at": s.ends_at, "reason": "轮休"}
            for n in range(STAFF) for s in week if rng.random() < 0.1]
    session.execute(insert(Absence), away)
    session.flush()
    return sum(int(n["count"]) for n in needs) * 7


def _limits_kept(found: service.Suggestion) -> bool:
    plan = found.plan
    per: dict[int, list[Any]] = defaultdict(list)
    for (person, t) in plan.placed:
        per[person].append((plan.slots[t].starts_at, plan.slots[t].ends_at))
    edition = rules()
    return all(not breaches(shifts, edition) for shifts in per.values())


def run(kind: str, workdir: Path, seconds: float, load: float, seed: int) -> dict[str, Any]:
    url = fresh_database(kind, workdir, "bench_workforce")
    upgrade(url=url)
    engine = engine_for(url)
    with Session(engine) as session:
        needed = _seed(session, random.Random(seed), load)
        session.commit()
    with Session(engine) as session:
        began = time.perf_counter()
        solved = service.suggest(session, SYSTEM, MONDAY, seconds=seconds)
        solver_s = time.perf_counter() - began
        began = time.perf_counter()
        greedy = service.suggest(session, SYSTEM, MONDAY, method="greedy")
        greedy_s = time.perf_counter() - began
        session.rollback()
    engine.dispose()
    return {"database": kind, "needed": needed, "status": solved.plan.status, "solver_s": solver_s,
            "solver_uncovered": solved.plan.uncovered, "greedy_s": greedy_s,
            "greedy_uncovered": greedy.plan.uncovered, "solver_nights": _most_nights(solved),
            "greedy_nights": _most_nights(greedy), "limits_kept": _limits_kept(solved) and _limits_kept(greedy),
            "reasons": dict(sorted(_reasons(solved).items()))}


def _most_nights(found: service.Suggestion) -> int:
    """The most night shifts anyone works in the week."""
    plan = found.plan
    nights: dict[int, int] = defaultdict(int)
    for (person, t) in plan.placed:
        nights[person] += int(plan.slots[t].night)
    return max(nights.values(), default=0)


def _reasons(found: service.Suggestion) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for unmet in found.plan.unmet:
        out[unmet.reason] += unmet.missing
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--load", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"))
    args = parser.parse_args(argv)
    install()
    print(f"load {args.load}")
    print("| database | person-shifts needed | solver s | solver uncovered | greedy s | greedy uncovered "
          "| most nights (solver / greedy) | limits kept | solver's unmet by reason |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for kind in args.databases.split(","):
        r = run(kind, args.workdir, args.seconds, args.load, args.seed)
        print(f"| {r['database']} | {r['needed']:,} | {r['solver_s']:.2f} ({r['status']}) | {r['solver_uncovered']} "
              f"| {r['greedy_s']:.2f} | {r['greedy_uncovered']} | {r['solver_nights']} / {r['greedy_nights']} "
              f"| {r['limits_kept']} | {r['reasons']} |", flush=True)


if __name__ == "__main__":
    main()
