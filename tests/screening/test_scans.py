"""Registration by scan through the API: the tube's size, barcodes used once, exactly-once scan ids,
and every refusal answered with its reason."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.audit import chain
from fangyi.audit.models import AuditEntry, AuditSeal
from fangyi.screening.models import Control, Sample, Scan, Tube, UnverifiedPerson
from tests.conftest import Cast
from tests.screening.conftest import Ground, id_number

URL = "/api/v1/screening/scans"
AT = "2022-04-01T09:00:00+08:00"  # inside the round


def scan(client: TestClient, cast: Cast, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(URL, json=body, headers=cast.headers("sampler"))
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def one(client: TestClient, cast: Cast, scan_id: str, action: str, barcode: str, **more: Any) -> dict[str, Any]:
    body = {"scan_id": scan_id, "action": action, "barcode": barcode, "point_code": "P-SJ", "scanned_at": AT, **more}
    return scan(client, cast, body)[0]


def sampler_token(db: Session, username: str, area_code: str) -> str:
    """An API token of another sampler, whose jurisdiction is that area."""
    from fangyi.accounts import service as accounts

    sampler = accounts.create_user(db, SYSTEM, username=username, password="sampler-pass-2022",
                                       role="sampler", area_code=area_code)
    return accounts.issue_token(db, SYSTEM, sampler, "test")


def samples_in(db: Session, barcode: str) -> int:
    return int(db.scalar(select(func.count()).select_from(Sample).join(Tube).where(Tube.barcode == barcode)) or 0)


def test_a_ten_tube_fills_closes_itself_and_refuses_the_eleventh(client: TestClient, cast: Cast, ground: Ground,
                                                                  db: Session) -> None:
    opened = one(client, cast, "scan-open-0001", "open", "T0000001")
    assert (opened["status"], opened["code"], opened["tube"]["pool_size"]) == ("ok", "tube_opened", 10)
    for n, person in enumerate(ground.people[:10], start=1):
        answer = one(client, cast, f"scan-p-{n:04d}", "person", "T0000001", id_number=person.id_number)
        assert answer["status"] == "ok", answer
        assert answer["tube"]["members"] == n
        assert answer["person"]["name"] == person.name
        assert person.id_number not in str(answer)  # masked
    assert answer["code"] == "tube_closed_full" and answer["tube"]["state"] == "closed"
    eleventh = one(client, cast, "scan-p-0011", "person", "T0000001", id_number=ground.people[10].id_number)
    assert eleventh["status"] == "refused" and eleventh["code"] == "tube_not_open"
    assert "open a new tube" in eleventh["message"]
    assert samples_in(db, "T0000001") == 10
    # Each request's audit row, written in bulk with the scans, is a sealed link of the trail.
    scans_audited = db.scalars(select(AuditEntry.id).where(AuditEntry.action == "scan")).all()
    assert len(scans_audited) == 12
    assert set(scans_audited) <= set(db.scalars(select(AuditSeal.entry_id)))
    assert chain.verify(db).ok


def test_a_resent_scan_gets_the_first_answer_and_never_doubles(client: TestClient, cast: Cast, ground: Ground,
                                                              db: Session) -> None:
    one(client, cast, "scan-open-0002", "open", "T0000002", pool_size=5)
    first = one(client, cast, "scan-dup-0001", "person", "T0000002", id_number=ground.people[0].id_number)
    again = one(client, cast, "scan-dup-0001", "person", "T0000002", id_number=ground.people[0].id_number)
    assert first["repeated"] is False and again["repeated"] is True
    assert {k: v for k, v in again.items() if k != "repeated"} == {k: v for k, v in first.items() if k != "repeated"}
    # A batch as an offline handheld sends it: its queue, with the already-sent scan among it.
    batch = [{"scan_id": "scan-dup-0001", "action": "person", "barcode": "T0000002", "point_code": "P-SJ",
              "id_number": ground.people[0].id_number, "scanned_at": AT}]
    batch += [{"scan_id": f"scan-batch-{n:03d}", "action": "person", "barcode": "T0000002", "point_code": "P-SJ",
               "id_number": ground.people[n].id_number, "scanned_at": AT} for n in (1, 2, 3)]
    batch.append(dict(batch[-1]))  # the same scan twice in one batch
    results = scan(client, cast, {"scans": batch})
    assert [r["repeated"] for r in results] == [True, False, False, False, True]
    assert all(r["status"] == "ok" for r in results)
    assert samples_in(db, "T0000002") == 4
    assert db.scalar(select(func.count()).select_from(Scan).where(Scan.scan_id.like("scan-%"))) == 5
    assert scan(client, cast, {"scans": batch}) == [{**r, "repeated": True} for r in results]
    assert samples_in(db, "T0000002") == 4
    too_many = {"scans": [dict(batch[1], scan_id=f"scan-many-{n:03d}") for n in range(21)]}
    assert client.post(URL, json=too_many, headers=cast.headers("sampler")).status_code == 422


def test_each_bad_scan_is_refused_with_its_reason(client: TestClient, cast: Cast, ground: Ground,
                                                  db: Session) -> None:
    unreadable = one(client, cast, "scan-bad-0001", "open", "T#?")
    assert (unreadable["status"], unreadable["code"]) == ("refused", "unreadable_barcode")
    one(client, cast, "scan-bad-0002", "open", "T0000003")
    good = ground.people[0].id_number
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    checksum = one(client, cast, "scan-bad-0003", "person", "T0000003", id_number=bad)
    assert checksum["code"] == "bad_id" and "check" in checksum["message"]
    stranger = id_number(500)
    nameless = one(client, cast, "scan-bad-0004", "person", "T0000003", id_number=stranger)
    assert nameless["code"] == "unknown_person" and "name" in nameless["message"]
    named = one(client, cast, "scan-bad-0005", "person", "T0000003", id_number=stranger, name="过路人")
    assert named["status"] == "ok" and named["person"]["temporary"] is True
    assert db.scalar(select(func.count()).select_from(UnverifiedPerson)) == 1
    flagged = client.get("/api/v1/screening/unverified", headers=cast.headers("command_office")).json()
    assert [(p["name"], p["point_code"]) for p in flagged] == [("过路人", "P-SJ")]
    reused = one(client, cast, "scan-bad-0006", "open", "T0000001")
    assert reused["status"] == "ok"  # a first use
    one(client, cast, "scan-bad-0007", "person", "T0000001", id_number=good)
    one(client, cast, "scan-bad-0008", "close", "T0000001")
    again = one(client, cast, "scan-bad-0009", "open", "T0000001")
    assert again["code"] == "barcode_used"
    twice = one(client, cast, "scan-bad-0010", "person", "T0000003", id_number=ground.people[1].id_number)
    assert twice["status"] == "ok"
    elsewhere = one(client, cast, "scan-bad-0011", "open", "T0000004")
    assert elsewhere["status"] == "ok"
    other = one(client, cast, "scan-bad-0012", "person", "T0000004", id_number=ground.people[1].id_number)
    assert other["code"] == "in_other_tube" and "T0000003" in other["message"]
    db.add(Control(person_id=ground.people[2].id, reason="flagged", started_at=ground.round.starts_at))
    db.flush()
    controlled = one(client, cast, "scan-bad-0013", "person", "T0000004", id_number=ground.people[2].id_number)
    assert controlled["code"] == "under_control" and "single" in controlled["message"]
    one(client, cast, "scan-bad-0014", "open", "S0000001", pool_size=1)
    alone = one(client, cast, "scan-bad-0015", "person", "S0000001", id_number=ground.people[2].id_number)
    assert alone["status"] == "ok" and alone["code"] == "tube_closed_full"
    odd_size = one(client, cast, "scan-bad-0016", "open", "T0000005", pool_size=7)
    assert odd_size["code"] == "bad_pool_size"
    unknown_point = scan(client, cast, {"scan_id": "scan-bad-0017", "action": "open", "barcode": "T0000006",
                                        "point_code": "NOWHERE"})[0]
    assert unknown_point["status"] == "ok" and "NOWHERE" in unknown_point["flags"][0]


def test_a_role_that_does_not_sample_may_not_scan(client: TestClient, cast: Cast, ground: Ground) -> None:
    body = {"scan_id": "scan-role-001", "action": "open", "barcode": "T0000009", "point_code": "P-SJ"}
    response = client.post(URL, json=body, headers=cast.headers("driver"))
    assert response.status_code == 403


def test_a_point_outside_the_samplers_jurisdiction_is_refused(client: TestClient, cast: Cast, ground: Ground,
                                                              db: Session) -> None:
    from tests.conftest import MISHUI

    token = sampler_token(db, "sampler-mishui", MISHUI)
    body = {"scan_id": "scan-out-0001", "action": "open", "barcode": "T0000090", "point_code": "P-SJ"}
    answer = client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"}).json()["results"][0]
    assert answer["code"] == "outside" and "P-SJ" in answer["message"]
    assert db.scalar(select(func.count()).select_from(Tube).where(Tube.barcode == "T0000090")) == 0


def test_the_lane_and_the_documented_route_answer_alike(client: TestClient, cast: Cast, ground: Ground,
                                                        db: Session) -> None:
    """Scans go past the framework (fangyi.app.Fangyi); the route FastAPI would have run answers the
    same, refusals included, so a handheld cannot tell which one served it."""
    from fastapi import FastAPI

    app = client.app
    assert isinstance(app, FastAPI)

    async def without_lane(scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    routed = TestClient(without_lane, raise_server_exceptions=False)
    sampler = cast.headers("sampler")
    body = {"scan_id": "lane-0001", "action": "open", "barcode": "T0000077", "point_code": "P-SJ", "scanned_at": AT}
    oversized = {"scans": [dict(body, scan_id=f"lane-big-{n}", name="x" * 4000) for n in range(20)]}
    asks: list[tuple[dict[str, str], Any, str | None]] = [
        ({}, body, None),  # not signed in
        (sampler, None, "not json"),
        (sampler, None, '{"scan_id": 1'),
        (sampler, {"action": "open"}, None),  # no scan_id
        ({**sampler, "Content-Type": "text/plain"}, None, "{}"),
        (sampler, oversized, None),
    ]
    for headers, payload, raw in asks:
        kwargs: dict[str, Any] = {"json": payload} if raw is None else {"content": raw}
        through_lane = client.post(URL, headers=headers, **kwargs)
        through_route = routed.post(URL, headers=headers, **kwargs)
        assert through_lane.status_code == through_route.status_code >= 400, through_lane.text
        assert through_lane.headers["content-type"] == through_route.headers["content-type"]
        assert through_lane.json() == through_route.json()
    assert client.post(URL, headers=sampler, json=oversized).status_code == 413
    first = client.post(URL, headers=sampler, json=body)
    again = routed.post(URL, headers=sampler, json=body)
    assert first.status_code == again.status_code == 200
    assert again.json()["results"] == [{**first.json()["results"][0], "repeated": True}]
    assert samples_in(db, "T0000077") == 0 and db.scalar(
        select(func.count()).select_from(Tube).where(Tube.barcode == "T0000077")) == 1


def test_a_scan_id_sent_before_by_someone_out_of_sight_reveals_nothing(client: TestClient, cast: Cast,
                                                                        ground: Ground, db: Session) -> None:
    """A resent scan gets its first answer back (a name, a masked number), but only for its own
    sender or someone whose jurisdiction holds the point; anyone else learns nothing and writes nothing."""
    from tests.conftest import COUNTY, MISHUI

    one(client, cast, "scan-seen-0001", "open", "T0000088")
    first = one(client, cast, "scan-seen-0002", "person", "T0000088", id_number=ground.people[0].id_number)
    assert first["person"]["name"] == ground.people[0].name
    token = sampler_token(db, "sampler-far", MISHUI)
    body = {"scan_id": "scan-seen-0002", "action": "person", "barcode": "T0000090", "point_code": "P-SJ",
            "id_number": ground.people[1].id_number, "scanned_at": AT}
    response = client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})
    answer = response.json()["results"][0]
    assert (answer["status"], answer["code"], answer["person"], answer["tube"]) == (
        "refused", "scan_id_taken", None, None)
    assert ground.people[0].name not in response.text and "T0000088" not in response.text
    assert samples_in(db, "T0000088") == 1 and samples_in(db, "T0000090") == 0
    # Another sampler whose jurisdiction holds the point (the county) is answered as the sender is.
    near_token = sampler_token(db, "sampler-near", COUNTY)
    seen = client.post(URL, json=body, headers={"Authorization": f"Bearer {near_token}"}).json()["results"][0]
    assert seen == {**first, "repeated": True}
    assert one(client, cast, "scan-seen-0002", "person", "T0000088",
               id_number=ground.people[0].id_number) == {**first, "repeated": True}
    assert samples_in(db, "T0000088") == 1


def test_rounds_and_points_refuse_malformed_codes_and_blank_names_from_the_api_too(client: TestClient, cast: Cast,
                                                                         ground: Ground, db: Session) -> None:
    """A code goes into page addresses and handhelds' scans: the API refuses what the setup page refuses."""
    headers = cast.headers("admin")
    bad_round = client.post("/api/v1/screening/rounds", headers=headers, json={
        "code": "R 1/二", "name": "第二轮", "area_codes": [ground.round.area_codes[0]],
        "starts_at": "2022-04-02T07:00:00+08:00"})
    assert bad_round.status_code == 422 and "code" in bad_round.json()["detail"]
    bad_point = client.post("/api/v1/screening/points", headers=headers, json={
        "code": "P/SJ?2", "name": "二号点", "area_code": ground.point.area_code})
    assert bad_point.status_code == 422 and "code" in bad_point.json()["detail"]
    nameless = client.post("/api/v1/screening/points", headers=headers, json={
        "code": "P-SJ-2", "name": "  ", "area_code": ground.point.area_code})
    assert nameless.status_code == 422 and "name" in nameless.json()["detail"]
    good = client.post("/api/v1/screening/points", headers=headers, json={
        "code": "P-SJ-2", "name": "二号点", "area_code": ground.point.area_code})
    assert good.status_code == 201, good.text


def test_the_setup_service_refuses_a_code_with_a_trailing_newline_and_a_name_with_nul(ground: Ground,
                                                                                        db: Session) -> None:
    """Called from the demo or the command line, with no API schema before it, the service alone checks."""
    import pytest

    from fangyi.errors import Invalid
    from fangyi.screening.setup import create_lab, create_point

    with pytest.raises(Invalid, match="code"):
        create_point(db, SYSTEM, code="P-SJ-3\n", name="三号点", area_code=ground.point.area_code)
    with pytest.raises(Invalid, match="name"):
        create_lab(db, SYSTEM, "LAB-3", "三号\x00实验室")
    assert create_lab(db, SYSTEM, "LAB-3", "三号实验室").code == "LAB-3"


def test_a_stored_answer_is_kept_from_a_sampler_who_holds_the_named_point_but_not_the_tubes(
        client: TestClient, cast: Cast, ground: Ground, db: Session) -> None:
    from fangyi.screening.setup import create_point
    from tests.conftest import CHENGGUAN, SHITAN

    create_point(db, cast["admin"], code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    db.flush()
    opened = scan(client, cast, {"scan_id": "scan-two-0001", "action": "open", "barcode": "T0000066",
                                 "point_code": "P-CG", "scanned_at": AT})[0]
    assert opened["status"] == "ok"
    # The county's sampler names 石金村's point but swabs into 城关's tube.
    first = one(client, cast, "scan-two-0002", "person", "T0000066", id_number=ground.people[3].id_number)
    assert first["status"] == "ok"
    token = sampler_token(db, "sampler-shitan", SHITAN)
    body = {"scan_id": "scan-two-0002", "action": "person", "barcode": "T0000066", "point_code": "P-SJ",
            "id_number": ground.people[3].id_number, "scanned_at": AT}
    response = client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.json()["results"][0]["code"] == "scan_id_taken"
    assert ground.people[3].name not in response.text
    assert samples_in(db, "T0000066") == 1


def test_every_answer_a_scan_can_get_is_typed_and_has_its_words(client: TestClient) -> None:
    """The codes are one Literal (ScanOut.code): the OpenAPI lists them, and each has its words."""
    from typing import get_args

    from fangyi.screening.common import ScanCode
    from fangyi.screening.words import SCAN_WORDS

    def flat(kind: object) -> set[str]:
        return {code for arg in get_args(kind) for code in (flat(arg) if get_args(arg) else {arg})}

    codes = flat(ScanCode)
    assert {"added", "tube_closed_full", "under_control", "tube_outside", "person_outside"} <= codes
    assert {key.removeprefix("scan.code.") for key in SCAN_WORDS} == codes
    document = client.get("/api/v1/openapi.json").json()
    scan_out = document["components"]["schemas"]["ScanOut"]["properties"]
    listed = {code for option in scan_out["code"]["anyOf"] for code in option.get("enum", ())}
    assert listed == codes
    answers = document["paths"]["/api/v1/screening/scans"]["post"]
    assert answers["x-permission"] == "scan_samples"
    assert answers["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ScanResults")


def test_the_intake_writes_through_the_sessions_the_app_is_given(db: Session, cast: Cast, ground: Ground) -> None:
    """Not through the routes' dependency overrides: through the app's state (fangyi.deps.use_sessions)."""
    from collections.abc import Iterator

    from fangyi.app import create_app
    from fangyi.deps import use_sessions

    app = create_app()
    opened: list[Session] = []

    def recorded() -> Iterator[Session]:
        opened.append(db)
        yield db

    use_sessions(app, recorded)
    app.dependency_overrides.clear()  # the lane never reads them
    with TestClient(app) as fresh:
        body = {"scan_id": "seam-0001", "action": "open", "barcode": "T0000055", "point_code": "P-SJ"}
        assert fresh.post(URL, json=body, headers=cast.headers("sampler")).json()["results"][0]["status"] == "ok"
    assert opened
    assert db.scalar(select(func.count()).select_from(Tube).where(Tube.barcode == "T0000055")) == 1
