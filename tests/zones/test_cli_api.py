"""`fangyi zones list|check|approve|lift` as formats.md has them (the JSON of check, --at, exit
statuses), the API's answers and problems, the pages, and the daily report's zones and risk_areas."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.cli.main import app
from fangyi.command.report import daily
from fangyi.daily import DailyRun
from fangyi.db.session import session_scope
from fangyi.zones import service
from fangyi.zones.models import Zone, ZoneDecision
from tests.conftest import SHIJIN, XIAOQUANWU, add_areas
from tests.web.conftest import csrf_of, sign_in
from tests.zones.world import county, day, local

KEYS = {"id", "kind", "areas", "venues", "state", "since", "criteria", "proposal"}


def _build() -> None:
    with session_scope() as db:
        add_areas(db)
        world = county(db)
        accounts.create_user(db, SYSTEM, username="chief", password="commander-pass-2022", role="commander",
                             area_code="430424")
        accounts.create_user(db, SYSTEM, username="tracy", password="tracer-pass-2022", role="tracer",
                             area_code="430424")
        world.case(world.case_person, "HD-2022-001", "2022-03-30 09:00", sampled="2022-03-29 10:00",
                   isolated="2022-03-29 20:00")


def _zone(kind: str) -> int:
    with session_scope() as db:
        return int(db.scalar(select(Zone.id).where(Zone.kind == kind)) or 0)


def test_the_commands_follow_the_contract(committed_db):
    _build()
    runner = CliRunner()
    listed = runner.invoke(app, ["zones", "list", "--date", "2022-03-30", "--json"])
    assert listed.exit_code == 0, listed.output
    objects = json.loads(listed.stdout)
    assert {o["kind"] for o in objects} == {"sealed", "controlled", "precaution", "medium"}
    assert all(set(o) == KEYS and o["state"] == "proposed" and o["proposal"] is None for o in objects)

    sealed = _zone("sealed")
    approved = runner.invoke(app, ["zones", "approve", str(sealed), "--as", "chief", "--at", "2022-03-30T12:00"])
    assert approved.exit_code == 0, approved.output
    with session_scope() as db:
        decision = db.scalar(select(ZoneDecision).where(ZoneDecision.zone_id == sealed,
                                                        ZoneDecision.action == "approve"))
        assert decision is not None and decision.at == local("2022-03-30 12:00") and decision.actor == "chief"

    checked = runner.invoke(app, ["zones", "check", "--date", "2022-04-13", "--json"])
    assert checked.exit_code == 0, checked.output
    found = {o["id"]: o for o in json.loads(checked.stdout)}
    assert set(found[sealed]) == KEYS and found[sealed]["state"] == "active" and found[sealed]["since"] == "2022-03-30"
    assert [c["name"] for c in found[sealed]["criteria"]] == ["no_new_case", "contacts_clear", "everyone_negative"]
    assert all(set(c) == {"name", "met", "since", "evidence"} for c in found[sealed]["criteria"])
    # Nobody was sampled: no lift proposed, and lifting needs an override.
    assert found[sealed]["proposal"] is None
    refused = runner.invoke(app, ["zones", "lift", str(sealed), "--as", "chief", "--at", "2022-04-13T15:00"])
    assert refused.exit_code == 3 and "override" in refused.stderr
    tracer = runner.invoke(app, ["zones", "lift", str(sealed), "--as", "tracy", "--override", "x"])
    assert tracer.exit_code == 3 and "may not" in tracer.stderr
    lifted = runner.invoke(app, ["zones", "lift", str(sealed), "--as", "chief", "--at", "2022-04-13T15:00",
                                 "--override", "全员核酸已于外县完成"])
    assert lifted.exit_code == 0, lifted.output
    again = runner.invoke(app, ["zones", "approve", str(sealed), "--as", "chief"])
    assert again.exit_code == 3 and "already lifted" in again.stderr
    assert runner.invoke(app, ["zones", "approve", "99999", "--as", "chief"]).exit_code == 2
    assert runner.invoke(app, ["zones", "check", "--date", "2022-13-01"]).exit_code == 2
    assert runner.invoke(app, ["zones", "approve", str(sealed), "--as", "chief", "--at", "yesterday"]).exit_code == 2
    assert runner.invoke(app, ["zones", "approve", str(sealed), "--as", "nobody"]).exit_code == 1


def test_api_propose_approve_and_problems(cast, db, client):
    commander, office = cast.headers("commander"), cast.headers("command_office")
    made = client.post("/api/v1/zones", json={"kind": "sealed", "areas": [XIAOQUANWU], "reason": "组封控",
                                              "at": "2022-03-30T10:00:00"}, headers=office)
    assert made.status_code == 201, made.text
    zone_id = made.json()["id"]
    assert made.json()["state"] == "proposed" and made.json()["timeline"][0]["action"] == "propose"
    overlap = client.post("/api/v1/zones", json={"kind": "controlled", "areas": [XIAOQUANWU], "reason": "x"},
                          headers=office)
    assert overlap.status_code == 409 and overlap.headers["content-type"].startswith("application/problem+json")
    unknown = client.post("/api/v1/zones", json={"kind": "sealed", "areas": ["430424101009"], "reason": "x"},
                          headers=office)
    assert unknown.status_code == 404 and "430424101009" in unknown.json()["detail"]
    bad = client.post("/api/v1/zones", json={"kind": "red", "areas": [SHIJIN], "reason": "x"}, headers=office)
    assert bad.status_code == 422
    assert client.post(f"/api/v1/zones/{zone_id}/approve", json={}, headers=cast.headers("tracer")).status_code == 403
    ok = client.post(f"/api/v1/zones/{zone_id}/approve", json={"at": "2022-03-30T12:00:00"}, headers=commander)
    assert ok.status_code == 200 and ok.json()["action"] == "approve"
    detail = client.get(f"/api/v1/zones/{zone_id}", headers=commander).json()
    assert detail["notices"][0]["title"] == "关于划定封控区的通告" and "小泉屋组" in detail["notices"][0]["body"]
    edited = client.put(f"/api/v1/zones/{zone_id}/notice", json={"title": "关于划定封控区的通告（修订）",
                                                                 "body": "正文"}, headers=office)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    early = client.post(f"/api/v1/zones/{zone_id}/lift", json={"at": "2022-04-01T09:00:00"}, headers=commander)
    assert early.status_code == 409 and early.json()["unmet"]
    report = daily(db, cast["commander"], day("2022-03-31"))
    assert report["zones"] == {"sealed": 1, "controlled": 0, "precaution": 0}
    assert report["risk_areas"] == {"high": 0, "medium": 0}
    assert daily(db, cast["commander"], day("2022-03-29"))["zones"]["sealed"] == 0


def test_pages_show_the_zone_and_refuse_a_tracer(cast, db, client):
    zone = service.propose(db, SYSTEM, kind="sealed", area_codes=[XIAOQUANWU], reason="组封控",
                           at=local("2022-03-30 10:00"))
    service.approve(db, SYSTEM, zone.id, at=local("2022-03-30 12:00"))
    sign_in(client, "tracer")
    page = client.get(f"/zones/{zone.id}")
    assert page.status_code == 200 and f'action="/zones/{zone.id}/lift"' not in page.text
    refused = client.post(f"/zones/{zone.id}/lift", data={"csrf": csrf_of(page.text), "override": "x"})
    assert refused.status_code == 403 and zone.state == "active"
    client.cookies.clear()
    sign_in(client, "commander")
    listing = client.get("/zones")
    assert listing.status_code == 200 and f"/zones/{zone.id}" in listing.text
    page = client.get(f"/zones/{zone.id}")
    assert page.status_code == 200 and "小泉屋组" in page.text
    notice = client.get(f"/zones/{zone.id}/notice")
    assert notice.status_code == 200 and "关于划定封控区的通告" in notice.text
    token = csrf_of(page.text)
    early = client.post(f"/zones/{zone.id}/lift", data={"csrf": token, "at": "2022-04-01T09:00"})
    assert early.status_code == 409 and "override" in early.text and zone.state == "active"
    done = client.post(f"/zones/{zone.id}/lift", data={"csrf": token, "at": "2022-04-01T09:00", "override": "特批"},
                       follow_redirects=False)
    assert done.status_code == 303 and zone.state == "lifted"
    notice = client.get(f"/zones/{zone.id}/notice")
    assert "关于解除小泉屋组封控区的通告" in notice.text or "解除" in notice.text


def test_the_zones_page_shows_the_servers_last_daily_check_to_who_may_run_it(cast, db, client):
    db.add(DailyRun(job="zones-check", day=day("2022-04-13"), state="failed", attempts=1, worker="host:1",
                    started_at=local("2022-04-13 23:55"), finished_at=local("2022-04-13 23:56"),
                    error="OperationalError: the database is away"))
    db.flush()
    sign_in(client, "commander")
    page = client.get("/zones")
    assert page.status_code == 200 and 'id="daily-run"' in page.text
    assert "2022-04-13" in page.text and "失败，将重试" in page.text and "the database is away" in page.text
    client.cookies.clear()
    sign_in(client, "tracer")
    page = client.get("/zones")
    assert page.status_code == 200 and 'id="daily-run"' not in page.text
