"""Workforce's records on each side: an institution, a person of its staff, a post with its need,
that person rostered there today, a team and a screening round; inside, besides, every matrix user
is on the staff list with a shift of today (for their own shifts and check-in)."""

from __future__ import annotations

from fangyi.access import SYSTEM, Role
from fangyi.screening.models import ScreeningRound
from fangyi.timeutil import now, to_local
from fangyi.workforce import service
from fangyi.workforce.models import Assignment
from fangyi.workforce.rules import rules, slots
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    found = rules()
    today = to_local(now()).date()
    current = next(s for s in slots(found, today, 1) if s.starts_at <= now() < s.ends_at)
    for n, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        home = service.create_institution(session, SYSTEM, code=f"WF-{side.name}", name=f"{word}乡卫生院甲",
                                          kind="township_health_centre", area_code=side.township)
        person = service.create_staff(session, SYSTEM, name=f"{word}乡采样员甲", phone=f"1360000000{n}",
                                      institution=home.code, qualifications="sampler security")
        post = service.create_post(session, SYSTEM, code=f"WF-P-{side.name}", name=f"{word}乡采样岗甲",
                                   kind="sampling_point", area_code=side.village,
                                   needs={code: {"sampler": 2} for code in found.codes})
        entry, _ = service.assign(session, SYSTEM, staff_id=person.id, post_id=post.id, day=current.day,
                                  shift=current.code)
        team = service.create_team(session, SYSTEM, name=f"{word}乡突击队甲", kind="commando", leader_id=person.id,
                                   post_id=post.id, member_ids=[])
        screening_round = ScreeningRound(code=f"WF-R-{side.name}", name=f"{word}乡排班轮次", area_codes=[side.village],
                                         starts_at=current.starts_at, deadline_at=current.ends_at, pool_size=10)
        session.add(screening_round)
        session.flush()
        side.add("wf_institution", home, home.name)
        side.add("wf_staff", person, person.name, person.phone)
        side.add("wf_post", post, post.name)
        side.add("wf_assignment", entry)
        side.add("wf_team", team, team.name)
        side.add("wf_round", screening_round, screening_round.name)
    inside = world.inside
    for n, role in enumerate(Role):
        mine = service.create_staff(session, SYSTEM, name=f"矩阵{role.value}", phone=f"1350000{n:04d}",
                                    institution=inside["wf_institution"].code, qualifications="volunteer",
                                    user_id=world.users[role.value].id)
        shift = Assignment(staff_id=mine.id, post_id=inside["wf_post"].id, qualification="volunteer",
                           day=current.day, shift=current.code, starts_at=current.starts_at, ends_at=current.ends_at,
                           source="hand", created_by="system")
        session.add(shift)
        session.flush()
        inside.add(f"wf_own_{role.value}", shift)
    session.flush()
