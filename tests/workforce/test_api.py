"""The workforce API and pages over HTTP: a refusal is problem+json with its reason and the rules it
breaks; an absence keeps the suggestion off a person; the roster page prints on A4 landscape; the
assign form answers a refusal with the page and its reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fangyi.workforce.models import Assignment
from tests.web.conftest import csrf_of, sign_in
from tests.workforce.world import MONDAY, workforce


def test_rostering_over_the_api_refuses_with_reasons(cast, db, client):
    world = workforce(db)
    li = world.person("李医生", "13800000001", "sampler security")
    headers = cast.headers("command_office")
    body = {"staff_id": li.id, "post_id": world.posts["point"].id, "day": MONDAY.isoformat(), "shift": "day"}
    first = client.post("/api/v1/workforce/assignments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["warnings"] == []
    again = client.post("/api/v1/workforce/assignments", json=body | {"post_id": world.posts["gate"].id},
                        headers=headers)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert "overlaps" in again.json()["detail"]
    tired = client.post("/api/v1/workforce/assignments", json=body | {"shift": "evening"}, headers=headers)
    assert tired.status_code == 409 and [w["rule"] for w in tired.json()["warnings"]] == ["rest", "stretch"]
    saved = client.post("/api/v1/workforce/assignments", json=body | {"shift": "evening", "reason": "临时加班"},
                        headers=headers)
    assert saved.status_code == 201 and saved.json()["assignment"]["override"] == "临时加班"
    roster = client.get(f"/api/v1/workforce/posts/{world.posts['point'].id}/roster",
                        params={"week": MONDAY.isoformat()}, headers=headers)
    assert roster.status_code == 200
    monday_day = next(c for c in roster.json()["cells"] if c["day"] == MONDAY.isoformat() and c["shift"] == "day")
    assert monday_day["needs"] == {"sampler": 2} and monday_day["short"] == {"sampler": 1}
    assert client.get("/api/v1/workforce/duty", headers=cast.headers("tracer")).status_code == 403
    staff = client.get("/api/v1/workforce/staff", headers=cast.headers("commander")).json()
    assert staff[0]["phone"] == "138****0001"  # masked to a reader who does not manage the staff list


def test_an_absence_keeps_the_suggestion_off_a_person(cast, db, client):
    world = workforce(db)
    away = world.person("请假者", "13800000002", "security")
    other = world.person("值班者", "13800000003", "security")
    headers = cast.headers("command_office")
    answer = client.post(f"/api/v1/workforce/staff/{away.id}/absences", headers=headers,
                         json={"starts_at": f"{MONDAY}T00:00:00", "ends_at": f"{MONDAY + timedelta(days=7)}T00:00:00",
                               "reason": "病假"})
    assert answer.status_code == 201, answer.text
    suggested = client.post("/api/v1/workforce/suggest", headers=headers,
                            json={"week": MONDAY.isoformat(), "seconds": 2, "apply": True}).json()
    assert {p["staff_id"] for p in suggested["placed"] if p["qualification"] == "security"} == {other.id}
    # The checkpoint needs a security guard every night: one person may work 6 of the 7.
    assert [(u["qualification"], u["reason"]) for u in suggested["unmet"] if u["qualification"] == "security"] == [
        ("security", "limits")]
    assert suggested["saved"] == len(suggested["placed"])
    bad = client.post(f"/api/v1/workforce/staff/{away.id}/absences", headers=headers,
                      json={"starts_at": f"{MONDAY}T08:00:00", "ends_at": f"{MONDAY}T07:00:00", "reason": "x"})
    assert bad.status_code == 422


def test_the_roster_page_prints_and_the_board_answers_a_refusal(cast, db, client):
    world = workforce(db)
    li = world.person("李医生", "13800000001", "sampler security")
    sign_in(client, "command_office")
    page = client.get(f"/workforce/posts/{world.posts['point'].id}", params={"week": MONDAY.isoformat()})
    assert page.status_code == 200 and "size: A4 landscape" in page.text and "石金村采样点" in page.text
    board = client.get("/workforce")
    token = csrf_of(board.text)
    form = {"csrf": token, "post_id": str(world.posts["point"].id), "day": MONDAY.isoformat(), "shift": "day",
            "phone": li.phone}
    assert client.post("/workforce/assign", data=form, follow_redirects=False).status_code == 303
    refused = client.post("/workforce/assign", data=form | {"post_id": str(world.posts["gate"].id)})
    assert refused.status_code == 409 and "overlaps" in refused.text
    unknown = client.post("/workforce/assign", data=form | {"phone": "13000000000"})
    assert unknown.status_code == 404 and "13000000000" in unknown.text
    assert len(db.scalars(select(Assignment)).all()) == 1
    roster = client.get(f"/workforce/posts/{world.posts['point'].id}", params={"week": MONDAY.isoformat()})
    assert "李医生" in roster.text
