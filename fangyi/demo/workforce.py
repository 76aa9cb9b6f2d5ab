"""The demo county's workforce: 35 institutions, about 500 staff (loaded as the staff file of
formats.md, through the import), the posts that need them (the round's sampling points, a sampling
post per township, checkpoints, the quarantine sites, labs, fever clinics, the tracing team, the
command office, vehicle crews), two teams, and a roster for the outbreak's week and for the week
the demo is served in.

The rosters come from the greedy fill (fangyi.workforce.roster.greedy), not the solver: it takes a
fraction of a second for a week, and the demo is built often; the command office can ask the
solver for a better one from the API (`POST /api/v1/workforce/suggest`).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.demo.places import COUNTY_CODE, COUNTY_NAME, SEAT, SHITAN, TOWNSHIPS
from fangyi.imports.service import run_import
from fangyi.quarantine.models import QuarantineSite
from fangyi.registry.models import Area
from fangyi.screening.models import Lab, SamplingPoint
from fangyi.workforce import service
from fangyi.workforce.models import Post
from fangyi.workforce.rules import rules

CLAN = "刘陈王李谭罗彭周肖曾邓赵颜蒋廖文阳康许尹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅建国志文斌燕"
# (institution kind, staff, qualifications drawn from, with weights)
PROFILES: dict[str, list[tuple[str, int]]] = {
    "hospital": [("nurse sampler", 5), ("doctor", 3), ("lab", 1), ("driver", 1), ("nurse", 2)],
    "cdc": [("tracer", 5), ("lab", 2), ("tracer sampler", 2), ("driver", 1)],
    "township_health_centre": [("sampler nurse", 5), ("doctor", 2), ("tracer", 1), ("driver", 1), ("sampler", 2)],
    "village_clinic": [("doctor sampler", 1)],
    "government": [("cadre", 4), ("cadre driver", 1), ("security", 3)],
    "volunteers": [("volunteer", 3), ("volunteer security", 2)],
}
# Demo users who are on the staff list: (username, institution kind, qualification).
USERS = (("sampler", "township_health_centre", "sampler nurse"), ("village_doctor", "village_clinic",
         "doctor sampler"), ("tracer", "cdc", "tracer"), ("driver", "government", "driver"),
         ("checkpoint", "volunteers", "security volunteer"))


@dataclass
class Built:
    institutions: int
    staff: int
    posts: int
    assignments: int
    uncovered: int


def _township(name: str) -> str:
    return next(f"{COUNTY_CODE}{digits}000" for town, digits, *_ in TOWNSHIPS if town == name)


def _institutions(session: Session, rng: random.Random) -> list[tuple[str, str, str, int]]:
    """(code, name, kind, staff) of 35 institutions, created through the service."""
    seat = _township(SEAT)
    made = [("HD-RMYY", f"{COUNTY_NAME}人民医院", "hospital", seat, 80),
            ("HD-ZYY", f"{COUNTY_NAME}中医医院", "hospital", seat, 45),
            ("HD-FYBJY", f"{COUNTY_NAME}妇幼保健院", "hospital", seat, 30),
            ("HD-CDC", f"{COUNTY_NAME}疾病预防控制中心", "cdc", seat, 40),
            ("HD-WJJ", f"{COUNTY_NAME}卫生健康局", "government", seat, 10),
            ("HD-ZFB", f"{COUNTY_NAME}人民政府办公室", "government", seat, 20),
            ("HD-ZYZ", f"{COUNTY_NAME}志愿者协会", "volunteers", seat, 60)]
    for town, digits, *_ in TOWNSHIPS:
        made.append((f"HD-WSY-{digits}", f"{town}卫生院", "township_health_centre", f"{COUNTY_CODE}{digits}000", 12))
    villages = list(session.execute(select(Area.code, Area.name).where(Area.level == "village").order_by(Area.code)))
    shitan = [v for v in villages if v[0].startswith(_township(SHITAN)[:9])]
    others = [v for v in villages if v not in shitan]
    chosen = shitan[:4] + rng.sample(others, min(len(others), 35 - len(made) - len(shitan[:4])))
    for code, name in chosen:
        made.append((f"HD-WSS-{code}", f"{name}卫生室", "village_clinic", code, 2))
    for code, name, kind, area, _ in made:
        service.create_institution(session, SYSTEM, code=code, name=name, kind=kind, area_code=area)
    return [(code, name, kind, count) for code, name, kind, _, count in made]


def _staff_file(rng: random.Random, institutions: list[tuple[str, str, str, int]]) -> bytes:
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(("name", "phone", "institution", "qualification", "user"))
    n = 0
    linked: dict[str, str] = {}
    for code, _, kind, count in institutions:
        choices, weights = zip(*PROFILES[kind], strict=True)
        for _ in range(count):
            n += 1
            user = ""
            for username, user_kind, _quals in USERS:
                if user_kind == kind and username not in linked and (kind != "township_health_centre"
                                                                     or code.endswith("201")):
                    user, linked[username] = username, code
                    break
            quals = next(q for u, _, q in USERS if u == user) if user else rng.choices(choices, weights)[0]
            name = rng.choice(CLAN) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            rows.writerow((name, f"1397{n:07d}", code, quals, user))
    return out.getvalue().encode()


def _posts(session: Session) -> int:
    found = rules()
    every = found.codes
    day = next((s.code for s in found.shifts if not s.night and s.start < "12:00"), every[0])
    made = 0

    def post(code: str, name: str, kind: str, area: str, needs: dict[str, dict[str, int]], **link: str) -> None:
        nonlocal made
        service.create_post(session, SYSTEM, code=code, name=name, kind=kind, area_code=area, needs=needs, **link)
        made += 1

    for point in session.scalars(select(SamplingPoint).order_by(SamplingPoint.code)):
        post(f"WF-{point.code}", point.name, "sampling_point", point.area_code,
             {code: ({"sampler": 4, "volunteer": 1} if code == day else {"sampler": 1}) for code in every},
             point_code=point.code)
    for town, digits, *_ in TOWNSHIPS:
        if town != SHITAN:
            post(f"WF-CY-{digits}", f"{town}卫生院采样点", "sampling_point", f"{COUNTY_CODE}{digits}000",
                 {day: {"sampler": 2}})
    for n, (town, digits, *_) in enumerate(TOWNSHIPS[:8], start=1):
        post(f"WF-KK-{n:02d}", f"{town}交通卡口", "checkpoint", f"{COUNTY_CODE}{digits}000",
             {code: {"security": 1, "nurse": 1} | ({"cadre": 1} if code == day else {}) for code in every})
    for site in session.scalars(select(QuarantineSite).order_by(QuarantineSite.code)):
        post(f"WF-{site.code}", site.name, "quarantine_site", site.area_code,
             {code: {"nurse": 1, "security": 1} | ({"doctor": 1} if code == day else {}) for code in every},
             site_code=site.code)
    seat = _township(SEAT)
    for lab in session.scalars(select(Lab).order_by(Lab.code)):
        post(f"WF-{lab.code}", lab.name, "lab", seat, {code: {"lab": 2} for code in every})
    for code, name in (("RMYY", "人民医院"), ("ZYY", "中医医院"), ("FYBJY", "妇幼保健院")):
        post(f"WF-FRMZ-{code}", f"{COUNTY_NAME}{name}发热门诊", "fever_clinic", seat,
             {shift: {"doctor": 1, "nurse": 1} for shift in every})
    post("WF-LDD", "县疾控中心流调队", "tracing_team", seat,
         {shift: {"tracer": 4 if shift == day else 1} for shift in every})
    post("WF-ZHB", "县疫情防控指挥部办公室", "command_office", seat,
         {shift: {"cadre": 2 if shift == day else 1} for shift in every})
    for n in range(1, 4):
        post(f"WF-ZY-{n:02d}", f"转运车组{n}", "vehicle_crew", seat, {shift: {"driver": 1} for shift in every})
    return made


def plant(session: Session, seed: int, until: date) -> Built:
    rng = random.Random(f"{seed}:workforce")
    institutions = _institutions(session, rng)
    report = run_import(session, SYSTEM, "staff", io.BytesIO(_staff_file(rng, institutions)),
                        filename="demo-staff.csv", strict=True)
    if report.status != "done":
        raise RuntimeError(f"demo staff did not load: {report.message or report.problems[:3]}")
    posts = _posts(session)
    point = session.scalar(select(Post).where(Post.code == "WF-ST-P02"))
    volunteers, _ = service.list_staff(session, SYSTEM, qualification="volunteer", limit=6)
    cadres, _ = service.list_staff(session, SYSTEM, qualification="cadre", limit=1)
    if point is not None and volunteers and cadres:
        service.create_team(session, SYSTEM, name=f"{SHITAN}党员突击队", kind="commando", leader_id=cadres[0].id,
                            post_id=point.id, member_ids=[v.id for v in volunteers])
    assignments = uncovered = 0
    for week in dict.fromkeys((until - timedelta(days=3), until)):
        found = service.suggest(session, SYSTEM, week, apply=True, method="greedy")
        assignments += len(found.saved)
        uncovered += found.plan.uncovered
    return Built(len(institutions), report.rows_loaded, posts, assignments, uncovered)
