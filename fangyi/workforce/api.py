"""The workforce JSON API under /api/v1/workforce: institutions, staff, posts and their needs, a
round's sampling needs, roster entries by hand, the suggested roster, a post's week, duty now and
uncovered posts, teams, one's own shifts and check-in.

Each route declares the permission its service checks (`needs`) and calls the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security

from fangyi.access import Principal, can
from fangyi.deps import ApiUser, SessionDep
from fangyi.identity import mask_phone
from fangyi.timeutil import aware, today
from fangyi.web.http import API_TOKEN, needs, problems
from fangyi.workforce import service
from fangyi.workforce.models import Assignment, Post, Staff
from fangyi.workforce.schemas import (
    AbsenceIn,
    AbsenceOut,
    AssignedOut,
    AssignIn,
    AssignmentOut,
    BoardOut,
    CellOut,
    DutyOut,
    ExposedOut,
    GridOut,
    InstitutionIn,
    InstitutionOut,
    NeedsIn,
    OverOut,
    PlacedOut,
    PostIn,
    PostOut,
    RemovedOut,
    RoundNeedsOut,
    ShortOut,
    StaffIn,
    StaffOut,
    SuggestIn,
    SuggestionOut,
    TeamIn,
    TeamOut,
    UnmetOut,
    WarningOut,
)

router = APIRouter(prefix="/api/v1/workforce", tags=["workforce"], dependencies=[Security(API_TOKEN)],
                   responses=problems(401, 403, 422))

Id = Annotated[int, Path(ge=1, le=2**62)]
Week = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 1, 1),
                                    description="any day of the week (default this week)")]
RoundCode = Annotated[str, Path(min_length=1, max_length=40)]


def staff_out(person: Staff, reader: Principal) -> StaffOut:
    phone = person.phone if can(reader, "manage_workforce") else mask_phone(person.phone)
    return StaffOut(id=person.id, name=person.name, phone=phone, institution_id=person.institution_id,
                    area_code=person.area_code, qualifications=list(person.qualifications),
                    has_account=person.user_id is not None)


def post_out(post: Post) -> PostOut:
    return PostOut.model_validate(post, from_attributes=True)


def entry_out(entry: Assignment) -> AssignmentOut:
    return AssignmentOut.model_validate(entry, from_attributes=True)


def _person(entry: Assignment, person: Staff) -> dict[str, Any]:
    return {"assignment_id": entry.id, "staff_id": person.id, "name": person.name,
            "qualification": entry.qualification, "checked_in": entry.checked_in_at is not None,
            "override": entry.override}


def _short(found: service.Short) -> ShortOut:
    return ShortOut(post_id=found.post.id, post=found.post.name, day=found.slot.day, shift=found.slot.code,
                    starts_at=found.slot.starts_at, short=found.short, rostered=found.rostered, needed=found.needed)


@router.get("/institutions", response_model=list[InstitutionOut], summary="Institutions of the jurisdiction",
            openapi_extra=needs("read_workforce"))
def get_institutions(session: SessionDep, user: ApiUser) -> list[InstitutionOut]:
    return [InstitutionOut.model_validate(i, from_attributes=True) for i in service.list_institutions(session, user)]


@router.post("/institutions", response_model=InstitutionOut, status_code=201, responses=problems(404, 409),
             summary="Add an institution", openapi_extra=needs("manage_workforce"))
def post_institution(body: InstitutionIn, session: SessionDep, user: ApiUser) -> InstitutionOut:
    found = service.create_institution(session, user, code=body.code, name=body.name, kind=body.kind,
                                       area_code=body.area_code)
    session.commit()
    return InstitutionOut.model_validate(found, from_attributes=True)


@router.get("/staff", response_model=list[StaffOut], summary="Staff of the jurisdiction",
            openapi_extra=needs("read_workforce"))
def get_staff(session: SessionDep, user: ApiUser, offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[StaffOut]:
    people, _ = service.list_staff(session, user, offset=offset, limit=limit)
    return [staff_out(p, user) for p in people]


@router.post("/staff", response_model=StaffOut, status_code=201, responses=problems(404, 409),
             summary="Add a person to the staff list", openapi_extra=needs("manage_workforce"))
def post_staff(body: StaffIn, session: SessionDep, user: ApiUser) -> StaffOut:
    person = service.create_staff(session, user, name=body.name, phone=body.phone, institution=body.institution,
                                  qualifications=list(body.qualifications))
    session.commit()
    return staff_out(person, user)


@router.post("/staff/{staff_id}/absences", response_model=AbsenceOut, status_code=201, responses=problems(404),
             summary="A time a person cannot be rostered (leave, sick)", openapi_extra=needs("manage_workforce"))
def post_absence(staff_id: Id, body: AbsenceIn, session: SessionDep, user: ApiUser) -> AbsenceOut:
    found = service.add_absence(session, user, staff_id, starts_at=aware(body.starts_at), ends_at=aware(body.ends_at),
                                reason=body.reason)
    session.commit()
    return AbsenceOut.model_validate(found, from_attributes=True)


@router.get("/posts", response_model=list[PostOut], summary="Posts of the jurisdiction",
            openapi_extra=needs("read_workforce"))
def get_posts(session: SessionDep, user: ApiUser) -> list[PostOut]:
    return [post_out(p) for p in service.list_posts(session, user)]


@router.post("/posts", response_model=PostOut, status_code=201, responses=problems(404, 409),
             summary="Add a post and what it needs per shift", openapi_extra=needs("manage_workforce"))
def post_post(body: PostIn, session: SessionDep, user: ApiUser) -> PostOut:
    post = service.create_post(session, user, code=body.code, name=body.name, kind=body.kind,
                               area_code=body.area_code, point_code=body.point, site_code=body.site,
                               needs={shift: dict(per) for shift, per in body.needs.items()})
    session.commit()
    return post_out(post)


@router.put("/posts/{post_id}/needs", response_model=PostOut, responses=problems(404),
            summary="Replace a post's standing needs per shift", openapi_extra=needs("manage_workforce"))
def put_needs(post_id: Id, body: NeedsIn, session: SessionDep, user: ApiUser) -> PostOut:
    service.set_needs(session, user, post_id, {shift: dict(per) for shift, per in body.needs.items()})
    post = service.get_post(session, user, post_id)
    session.commit()
    return post_out(post)


@router.delete("/posts/{post_id}", response_model=RemovedOut, responses=problems(404, 409),
               summary="Remove a post: its people's shifts move to unassigned",
               openapi_extra=needs("manage_workforce"))
def delete_post(post_id: Id, session: SessionDep, user: ApiUser) -> RemovedOut:
    moved = service.remove_post(session, user, post_id)
    session.commit()
    return RemovedOut(post_id=post_id, unassigned=moved)


@router.get("/posts/{post_id}/roster", response_model=GridOut, responses=problems(404),
            summary="A post's week: needs and people per shift", openapi_extra=needs("read_workforce"))
def get_roster(post_id: Id, session: SessionDep, user: ApiUser, week: Week = None) -> GridOut:
    grid = service.week_grid(session, user, post_id, week or today())
    cells = [CellOut(day=cell.slot.day, shift=cell.slot.code, needs=cell.needs, short=cell.short,
                     people=[_person(e, p) for e, p in cell.people])
             for cell in sorted(grid.cells.values(), key=lambda c: c.slot.starts_at)]
    return GridOut(post=post_out(grid.post), week=grid.week, cells=cells)


@router.post("/rounds/{round_code}/needs", response_model=RoundNeedsOut, responses=problems(404),
             summary="Set a screening round's sampling posts' needs from its size",
             openapi_extra=needs("manage_workforce"))
def post_round_needs(round_code: RoundCode, session: SessionDep, user: ApiUser) -> RoundNeedsOut:
    found = service.round_needs(session, user, round_code)
    session.commit()
    codes = {p.id: p.code for p in found.posts}
    return RoundNeedsOut(round=found.round.code, residents=found.residents, samplers=found.samplers,
                         points_needed=found.points_needed, posts=[p.code for p in found.posts],
                         points_short=found.points_short,
                         needs=[{"post": codes[post], "day": day.isoformat(), "shift": shift, "samplers": n}
                                for (post, day, shift), n in found.needs.items()])


@router.post("/assignments", response_model=AssignedOut, status_code=201, responses=problems(404, 409),
             summary="Roster a person at a post for a shift (two posts at once: refused; a limit broken: "
                     "refused unless a reason is given)", openapi_extra=needs("manage_workforce"))
def post_assignment(body: AssignIn, session: SessionDep, user: ApiUser) -> AssignedOut:
    entry, broken = service.assign(session, user, staff_id=body.staff_id, post_id=body.post_id, day=body.day,
                                   shift=body.shift, qualification=body.qualification, reason=body.reason)
    session.commit()
    return AssignedOut(assignment=entry_out(entry), warnings=[WarningOut(rule=b.rule, detail=b.detail)
                                                              for b in broken])


@router.delete("/assignments/{assignment_id}", status_code=204, responses=problems(404, 409),
               summary="Take a shift off the roster", openapi_extra=needs("manage_workforce"))
def delete_assignment(assignment_id: Id, session: SessionDep, user: ApiUser) -> None:
    service.unassign(session, user, assignment_id)
    session.commit()


@router.post("/suggest", response_model=SuggestionOut, summary="Suggest a week's roster (CP-SAT); saved when apply",
             openapi_extra=needs("manage_workforce"))
def post_suggest(body: SuggestIn, session: SessionDep, user: ApiUser) -> SuggestionOut:
    found = service.suggest(session, user, body.week, apply=body.apply, seconds=body.seconds, method=body.method)
    session.commit()
    plan = found.plan
    return SuggestionOut(
        week=found.week, status=plan.status, seconds=round(plan.seconds, 3),
        needed=len(plan.placed) + plan.uncovered, saved=len(found.saved),
        placed=[PlacedOut(staff_id=staff, post_id=post, day=plan.slots[t].day, shift=plan.slots[t].code,
                          qualification=q) for (staff, t), (post, q) in sorted(plan.placed.items())],
        unmet=[UnmetOut(post_id=u.need.post, day=plan.slots[u.need.slot].day, shift=plan.slots[u.need.slot].code,
                        qualification=u.need.qualification, missing=u.missing, reason=u.reason,  # type: ignore[arg-type]
                        detail=u.detail) for u in plan.unmet])


@router.get("/duty", response_model=BoardOut, summary="On duty now, posts short now and in 24 h, people past "
                                                      "their limits, shifts waiting for a post",
            openapi_extra=needs("read_workforce"))
def get_duty(session: SessionDep, user: ApiUser) -> BoardOut:
    board = service.on_duty(session, user)
    return BoardOut(
        at=board.at,
        on_duty=[DutyOut(post_id=d.post.id, post=d.post.name, shift=d.slot.code,
                         people=[_person(e, p) for e, p in d.people], short=d.short) for d in board.duty],
        short_now=[_short(s) for s in board.short_now], short_next=[_short(s) for s in board.short_next],
        overworked=[OverOut(staff_id=o.staff.id, name=o.staff.name,
                            breaches=[WarningOut(rule=b.rule, detail=b.detail) for b in o.breaches])
                    for o in board.overworked],
        unassigned=[entry_out(e) for e, _ in board.unassigned])


@router.get("/uncovered", response_model=list[ShortOut], summary="Posts' shifts short of people",
            openapi_extra=needs("read_workforce"))
def get_uncovered(session: SessionDep, user: ApiUser,
                  start: Annotated[datetime | None, Query(ge=datetime(2000, 1, 1), le=datetime(2100, 1, 1))] = None,
                  hours: Annotated[int, Query(ge=1, le=24 * 14)] = 24) -> list[ShortOut]:
    return [_short(s) for s in service.uncovered(session, user, start=aware(start), hours=hours)]


@router.get("/teams", response_model=list[TeamOut], summary="Commando teams and temporary branches",
            openapi_extra=needs("read_workforce"))
def get_teams(session: SessionDep, user: ApiUser) -> list[TeamOut]:
    return [TeamOut(id=t.id, name=t.name, kind=t.kind, post_id=t.post_id, leader_id=t.leader_id, members=members)
            for t, members in service.list_teams(session, user)]


@router.post("/teams", response_model=TeamOut, status_code=201, responses=problems(404),
             summary="Form a team with a leader at a post", openapi_extra=needs("manage_workforce"))
def post_team(body: TeamIn, session: SessionDep, user: ApiUser) -> TeamOut:
    team = service.create_team(session, user, name=body.name, kind=body.kind, leader_id=body.leader_id,
                               post_id=body.post_id, member_ids=body.members)
    session.commit()
    members = next(m for t, m in service.list_teams(session, user) if t.id == team.id)
    return TeamOut(id=team.id, name=team.name, kind=team.kind, post_id=team.post_id, leader_id=team.leader_id,
                   members=members)


@router.get("/positive-pool-staff", response_model=list[ExposedOut],
            summary="Staff posted where a positive pool was sampled, with their test days",
            openapi_extra=needs("read_workforce"))
def get_exposed(session: SessionDep, user: ApiUser,
                since: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 1, 1))] = None,
                ) -> list[ExposedOut]:
    found = service.positive_pool_staff(session, user, since=since or today())
    return [ExposedOut(staff_id=e.staff.id, name=e.staff.name, post=e.post.name, sampled_on=e.sampled_on,
                       test_days=e.test_days) for e in found]


@router.get("/me/shifts", response_model=list[AssignmentOut], summary="My shifts of the next two weeks",
            openapi_extra=needs("own_shifts"))
def get_my_shifts(session: SessionDep, user: ApiUser) -> list[AssignmentOut]:
    _, found = service.my_shifts(session, user, start=today())
    return [entry_out(e) for e in found]


@router.post("/me/shifts/{assignment_id}/check-in", response_model=AssignmentOut, responses=problems(404, 409),
             summary="Check in for my shift", openapi_extra=needs("own_shifts"))
def post_check_in(assignment_id: Id, session: SessionDep, user: ApiUser) -> AssignmentOut:
    entry = service.check_in(session, user, assignment_id)
    session.commit()
    return entry_out(entry)
