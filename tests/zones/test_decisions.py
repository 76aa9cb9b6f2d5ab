"""Proposing, approving, lifting: each refusal with its reason and nothing changed; the strictest
zone wins; a lift racing a new positive loses; every decision audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.zones import service
from fangyi.zones.models import Zone, ZoneArea, ZoneDecision
from tests.conftest import CHENGGUAN, COUNTY, MISHUI, SHIJIN, XIAOQUANWU
from tests.zones.world import ERZU, county, day, local


def state(db):
    return (tuple(db.execute(select(Zone.id, Zone.kind, Zone.state, Zone.pending).order_by(Zone.id))),
            db.scalar(select(func.count()).select_from(ZoneDecision)),
            db.scalar(select(func.count()).select_from(AuditEntry)))


def active(db, kind, areas, at="2022-03-30 12:00"):
    zone = service.propose(db, SYSTEM, kind=kind, area_codes=areas, reason="test", at=local(at))
    service.approve(db, SYSTEM, zone.id, at=local(at))
    return zone


def test_a_zone_over_an_unknown_area_is_refused_and_nothing_changes(cast, db):
    before = state(db)
    with pytest.raises(NotFound, match="430424101009"):
        service.propose(db, cast["command_office"], kind="sealed", area_codes=["430424101009"], reason="x")
    with pytest.raises(Invalid, match="digits"):
        service.propose(db, cast["command_office"], kind="sealed", area_codes=["43042"], reason="x")
    with pytest.raises(Invalid) as caught:
        service.propose(db, cast["command_office"], kind="sealed", area_codes=[SHIJIN], reason="  ")
    assert caught.value.extra["column"] == "reason"
    assert state(db) == before


def test_two_overlapping_proposals_of_different_kinds_are_refused(cast, db):
    office = cast["command_office"]
    first = service.propose(db, office, kind="controlled", area_codes=[SHIJIN], reason="村管控")
    before = state(db)
    with pytest.raises(Conflict, match=f"proposed zone #{first.id}"):
        service.propose(db, office, kind="sealed", area_codes=[SHIJIN], reason="村封控")
    assert state(db) == before


def test_the_strictest_wins_and_one_zone_is_in_force_per_area(cast, db):
    controlled = active(db, "controlled", [SHIJIN, CHENGGUAN])
    # The same kind again over an area in force: refused.
    with pytest.raises(Conflict, match="as strict or stricter"):
        service.propose(db, cast["command_office"], kind="controlled", area_codes=[SHIJIN], reason="again")
    sealed = service.propose(db, cast["command_office"], kind="sealed", area_codes=[SHIJIN], reason="stricter",
                             at=local("2022-03-31 08:00"))
    service.approve(db, cast["commander"], sealed.id, at=local("2022-03-31 09:00"))
    assert controlled.area_codes == [CHENGGUAN] and controlled.state == "active"
    held = db.execute(select(ZoneArea.zone_id).where(ZoneArea.area_code == SHIJIN, ZoneArea.in_force.is_(True)))
    assert [row[0] for row in held] == [sealed.id]


def test_approval_can_edit_the_areas(cast, db):
    zone = service.propose(db, cast["command_office"], kind="sealed", area_codes=[XIAOQUANWU], reason="组封控")
    service.approve(db, cast["commander"], zone.id, area_codes=[SHIJIN])
    assert zone.area_codes == [SHIJIN] and zone.state == "active"
    actions = db.scalars(select(ZoneDecision.action).where(ZoneDecision.zone_id == zone.id)
                         .order_by(ZoneDecision.id)).all()
    assert actions == ["propose", "edit", "approve"]


def test_approving_a_lifted_zone_and_lifting_early_without_an_override_are_refused(cast, db):
    commander = cast["commander"]
    zone = active(db, "sealed", [XIAOQUANWU])
    before = state(db)
    with pytest.raises(Conflict, match="a lift now needs an override") as caught:
        service.lift(db, commander, zone.id, at=local("2022-04-01 09:00"))
    assert "override" in caught.value.detail
    assert state(db) == before
    decision = service.lift(db, commander, zone.id, at=local("2022-04-01 09:00"), override="上级要求提前解除")
    assert decision.action == "override_lift" and zone.state == "lifted"
    trail = db.scalar(select(AuditEntry).where(AuditEntry.action == "zone_override_lift"))
    assert trail is not None and trail.note == "上级要求提前解除" and trail.actor == commander.username
    before = state(db)
    with pytest.raises(Conflict, match="already lifted"):
        service.approve(db, commander, zone.id)
    with pytest.raises(Conflict, match="only a zone in force"):
        service.lift(db, commander, zone.id, override="again")
    assert state(db) == before


def test_a_decision_in_the_future_or_before_the_proposal_is_refused(cast, db):
    zone = service.propose(db, SYSTEM, kind="sealed", area_codes=[XIAOQUANWU], reason="x", at=local("2022-03-30 09:00"))
    with pytest.raises(Invalid, match="future"):
        service.approve(db, cast["commander"], zone.id, at=local("2099-01-01 00:00"))
    with pytest.raises(Invalid, match="before it was proposed"):
        service.approve(db, cast["commander"], zone.id, at=local("2022-03-29 09:00"))


def test_a_new_positive_withdraws_a_proposed_lift_and_undoes_one_entered_after_it(cast, db):
    world = county(db)
    commander = cast["commander"]
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00")
    for zone in world.zones():
        service.approve(db, commander, zone.id, at=local("2022-03-30 12:00"))
    world.sample([world.mate], "2022-04-05 09:00")
    world.sample(world.everyone, "2022-04-12 08:00", round_code="SJ-0412")
    service.check(db, SYSTEM, day("2022-04-13"))
    group = world.zone("sealed", XIAOQUANWU)
    village = world.zone("controlled", SHIJIN)
    assert group.pending == village.pending == "lift"
    # A positive in the group arrives before the commander approves: the proposal is withdrawn.
    world.case(world.neighbour, "HD-2022-002", "2022-04-13 10:00", sampled="2022-04-13 07:00")
    assert group.pending is None and village.pending == "seal"
    with pytest.raises(Conflict, match="nothing to approve"):
        service.approve(db, commander, group.id, at=local("2022-04-13 15:00"))
    with pytest.raises(Conflict, match="positive result inside"):
        service.lift(db, commander, village.id, at=local("2022-04-13 15:00"), override="想提前解除")
    assert (group.state, village.state) == ("active", "active")


def test_a_lift_entered_before_a_positive_confirmed_earlier_is_undone(cast, db):
    world = county(db)
    zone = active(db, "sealed", [ERZU])
    service.lift(db, cast["commander"], zone.id, at=local("2022-04-13 15:00"), override="提前")
    # A case confirmed at 14:00 inside, entered after the lift: the result wins.
    world.case(world.erzu[0], "HD-2022-009", "2022-04-13 14:00", sampled="2022-04-13 07:00")
    assert zone.state == "active" and zone.lifted_at is None
    last = db.scalar(select(ZoneDecision).where(ZoneDecision.zone_id == zone.id).order_by(ZoneDecision.id.desc())
                     .limit(1))
    assert last is not None and last.action == "lift_undone" and "HD-2022-009" in (last.reason or "")
    assert db.scalar(select(ZoneArea.in_force).where(ZoneArea.zone_id == zone.id)) is True


def test_outside_the_jurisdiction_nothing_is_seen_or_done(cast, db):
    zone = active(db, "sealed", [CHENGGUAN])
    shitan_commander = accounts.create_user(db, SYSTEM, username="shitan-commander", password="commander-pass-2022",
                                            role="commander", area_code="430424101000")
    before = state(db)
    for act in (lambda: service.get_zone(db, shitan_commander, zone.id),
                lambda: service.approve(db, shitan_commander, zone.id),
                lambda: service.lift(db, shitan_commander, zone.id, override="x"),
                lambda: service.reject(db, shitan_commander, zone.id, reason="x"),
                lambda: service.propose(db, shitan_commander, kind="sealed", area_codes=[MISHUI], reason="x")):
        with pytest.raises((NotFound, Forbidden)):
            act()
    assert [v.zone.id for v in service.list_zones(db, shitan_commander, day("2022-04-01"))] == []
    with pytest.raises(NotFound):
        service.get_zone(db, cast["village_doctor"], zone.id)  # 石滩乡 only
    assert state(db) == before


def test_a_tracer_cannot_approve(cast, db):
    zone = service.propose(db, SYSTEM, kind="sealed", area_codes=[XIAOQUANWU], reason="x")
    with pytest.raises(Forbidden):
        service.approve(db, cast["tracer"], zone.id)
    with pytest.raises(Forbidden):
        service.check(db, cast["tracer"], day("2022-04-01"))
    assert zone.state == "proposed"


def test_a_county_edition_changes_the_default_proposal(cast, db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "hengdong-zones.toml").write_text(
        'edition = "hengdong-zones"\nextends = "hengyang-2022"\ntitle = "衡东县"\ntitle_en = "Hengdong"\n'
        'published = "2022-04-02"\n[zones]\nproposal = { sealed = "village", controlled = "township" }\n',
        encoding="utf-8")
    monkeypatch.setenv("FANGYI_PROTOCOL", "hengdong-zones")
    monkeypatch.setenv("FANGYI_PROTOCOL_DIR", str(tmp_path))
    world = county(db)
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00")
    assert {(z.kind, tuple(z.area_codes), z.edition) for z in world.zones() if z.kind in ("sealed", "controlled")} \
        == {("sealed", (SHIJIN,), "hengdong-zones"), ("controlled", ("430424101000",), "hengdong-zones")}
    # What the county edition does not restate is the national one's: the county precaution.
    assert [z.area_codes for z in world.zones() if z.kind == "precaution"] == [[COUNTY]]


def test_the_servers_daily_job_is_the_check_as_system(cast, db):
    from fangyi.parts import installed

    [job] = installed().part("zones").daily
    assert job.name == "zones-check"
    world = county(db)
    world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
               isolated="2022-03-29 20:00")
    for zone in world.zones():
        service.approve(db, cast["commander"], zone.id, at=local("2022-03-30 12:00"))
    world.sample([world.mate], "2022-04-05 09:00")
    world.sample(world.everyone, "2022-04-12 08:00", round_code="SJ-0412")
    job.run(db, day("2022-04-13"))
    group, village = world.zone("sealed", XIAOQUANWU), world.zone("controlled", SHIJIN)
    assert group.pending == village.pending == "lift"
    proposed = list(db.scalars(select(ZoneDecision).where(ZoneDecision.action == "propose_lift")))
    assert {d.zone_id for d in proposed} >= {group.id, village.id} and {d.actor for d in proposed} == {"system"}
    # The command's check the same day finds them proposed already: nothing more is written.
    before = state(db)
    service.check(db, SYSTEM, day("2022-04-13"))
    assert state(db) == before
