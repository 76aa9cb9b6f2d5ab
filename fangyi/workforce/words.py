"""The workforce part's interface words: (Chinese, English)."""

from __future__ import annotations

from fangyi.workforce.kinds import INSTITUTION_KINDS, POST_KINDS, QUALIFICATIONS, TEAM_KINDS

_QUALIFICATIONS = {
    "sampler": ("采样", "Sampler"), "tracer": ("流调", "Tracer"), "lab": ("检验", "Lab"),
    "nurse": ("护士", "Nurse"), "doctor": ("医生", "Doctor"), "driver": ("司机", "Driver"),
    "security": ("安保", "Security"), "cadre": ("干部", "Cadre"), "volunteer": ("志愿者", "Volunteer"),
}
_POSTS = {
    "sampling_point": ("采样点", "Sampling point"), "checkpoint": ("卡口", "Checkpoint"),
    "quarantine_site": ("隔离点", "Quarantine site"), "lab": ("实验室", "Lab"),
    "fever_clinic": ("发热门诊", "Fever clinic"), "tracing_team": ("流调队", "Tracing team"),
    "command_office": ("指挥部办公室", "Command office"), "vehicle_crew": ("转运车组", "Vehicle crew"),
}
_INSTITUTIONS = {
    "hospital": ("医院", "Hospital"), "cdc": ("疾控中心", "CDC"),
    "township_health_centre": ("乡镇卫生院", "Township health centre"),
    "village_clinic": ("村卫生室", "Village clinic"), "government": ("机关单位", "Government office"),
    "volunteers": ("志愿者组织", "Volunteers"),
}
_SHIFTS = {"night": ("夜班", "Night"), "day": ("白班", "Day"), "evening": ("小夜班", "Evening")}
_TEAMS = {"commando": ("党员突击队", "Commando team"), "branch": ("临时党支部", "Temporary branch")}

assert set(_QUALIFICATIONS) == set(QUALIFICATIONS) and set(_POSTS) == set(POST_KINDS)
assert set(_INSTITUTIONS) == set(INSTITUTION_KINDS) and set(_TEAMS) == set(TEAM_KINDS)

WORDS: dict[str, tuple[str, str]] = {
    "nav.workforce": ("人员排班", "Workforce"),
    "nav.my_shifts": ("我的班次", "My shifts"),
    "workforce.title": ("人员力量与排班", "Workforce and rosters"),
    "workforce.on_duty": ("当前在岗", "On duty now"),
    "workforce.short_now": ("当前缺人的岗位", "Posts short of people now"),
    "workforce.short_next": ("未来24小时缺人的岗位", "Posts short in the next 24 hours"),
    "workforce.overworked": ("超时工作人员", "People past their limits"),
    "workforce.unassigned": ("待重新安排的班次", "Shifts waiting for a post"),
    "workforce.none": ("暂无", "None"),
    "workforce.post": ("岗位", "Post"),
    "workforce.shift": ("班次", "Shift"),
    "workforce.day": ("日期", "Day"),
    "workforce.needs": ("需要", "Needs"),
    "workforce.short": ("缺", "Short"),
    "workforce.rostered": ("已排", "Rostered"),
    "workforce.person": ("人员", "Person"),
    "workforce.phone": ("手机号", "Phone"),
    "workforce.institution": ("单位", "Institution"),
    "workforce.qualification": ("资质", "Qualification"),
    "workforce.assign": ("安排", "Assign"),
    "workforce.assign_hint": ("输入人员手机号", "the person's phone number"),
    "workforce.reason": ("超限理由", "Reason, if over a limit"),
    "workforce.assigned": ("已安排", "Assigned"),
    "workforce.checked_in": ("已签到", "Checked in"),
    "workforce.not_checked_in": ("未签到", "Not checked in"),
    "workforce.check_in": ("签到", "Check in"),
    "workforce.week": ("周", "Week"),
    "workforce.roster": ("排班表", "Roster"),
    "workforce.print": ("打印", "Print"),
    "workforce.prev_week": ("上一周", "Previous week"),
    "workforce.next_week": ("下一周", "Next week"),
    "workforce.team": ("队伍", "Team"),
    "workforce.leader": ("负责人", "Leader"),
    "workforce.my_shifts": ("我的班次", "My shifts"),
    "workforce.no_staff_record": ("您的账号未关联人员名单。", "Your account is not on the staff list."),
    "workforce.posts": ("岗位", "Posts"),
    "workforce.refused": ("未能保存", "Not saved"),
    "workforce.warning": ("提醒", "Warning"),
    "workforce.former_post": ("原岗位", "Former post"),
    "workforce.covered": ("已满足", "Covered"),
    "workforce.exposed": ("混管阳性采样点的在岗人员", "Staff at a point where a positive pool was sampled"),
    "workforce.test_days": ("检测日", "Test days"),
    "imports.kind.staff": ("人员名单", "Staff"),
    "perm.read_workforce": ("查看人员排班", "read the workforce and rosters"),
    "perm.manage_workforce": ("管理人员排班", "manage the workforce and rosters"),
    "perm.own_shifts": ("查看本人班次", "read one's own shifts"),
    "report.fig.workforce.on_duty": ("当日在岗人数", "Staff on duty"),
    "report.fig.workforce.posts_uncovered": ("缺人的岗位班次", "Post shifts uncovered"),
    "report.fig.workforce.check_ins": ("签到人次", "Check-ins"),
    "report.fig.workforce.over_limits": ("超时工作人数", "People over their limits"),
    **{f"workforce.qual.{k}": v for k, v in _QUALIFICATIONS.items()},
    **{f"workforce.post_kind.{k}": v for k, v in _POSTS.items()},
    **{f"workforce.institution_kind.{k}": v for k, v in _INSTITUTIONS.items()},
    **{f"workforce.shift.{k}": v for k, v in _SHIFTS.items()},
    **{f"workforce.team_kind.{k}": v for k, v in _TEAMS.items()},
    **{f"report.fig.workforce.posted_{k}": (f"在岗{zh}人员", f"Posted: {en.lower()}")
       for k, (zh, en) in _QUALIFICATIONS.items()},
    **{f"report.fig.workforce.covered_{k}": (f"{zh}已满足岗位", f"{en} shifts covered")
       for k, (zh, en) in _SHIFTS.items()},
    **{f"report.fig.workforce.needed_{k}": (f"{zh}需要岗位", f"{en} shifts needed")
       for k, (zh, en) in _SHIFTS.items()},
}
