"""Scans arriving together: written in groups, each request answered as if it had come alone,
and the tube and round rules holding between transactions that run at the same time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.app import create_app
from fangyi.audit.models import AuditEntry
from fangyi.db.session import make_session, session_scope
from fangyi.deps import Credential, get_session, use_sessions
from fangyi.registry.models import Person
from fangyi.screening.intake import APPLICATION, Pending, write_group
from fangyi.screening.models import Control, Sample, Scan, Tube
from fangyi.screening.scans import Job, ScanInput, record_jobs
from fangyi.screening.schemas import ScanOut
from fangyi.screening.setup import RoundFields, create_point, create_round
from fangyi.timeutil import now
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, SHITAN, Cast, add_areas
from tests.screening.conftest import START, Ground, id_number

URL = "/api/v1/screening/scans"
AT = "2022-04-01T09:00:00+08:00"


T = TypeVar("T")


def run_apart(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on its own event loop in its own thread: a browser test of the same worker
    may have left a loop running in this one (Playwright's)."""
    done: dict[str, Any] = {}

    def target() -> None:
        try:
            done["value"] = asyncio.run(make())
        except BaseException as exc:  # handed to the test's thread
            done["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    if "error" in done:
        raise done["error"]
    return cast(T, done["value"])


def _post_together(db: Session, cast: Cast, bodies: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Send the requests at once, as many handhelds do, to one app on the test's session."""
    app = create_app()

    def same_session() -> Iterator[Session]:
        yield db

    use_sessions(app, same_session)

    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fangyi") as client:
            return await asyncio.gather(*[client.post(URL, json=body, headers=cast.headers("sampler"))
                                          for body in bodies])

    responses = run_apart(send)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    return [r.json()["results"] for r in responses]


def _scan(scan_id: str, action: str, barcode: str, **more: Any) -> dict[str, Any]:
    return {"scan_id": scan_id, "action": action, "barcode": barcode, "point_code": "P-SJ", "scanned_at": AT, **more}


def test_requests_sent_at_once_are_each_answered_as_if_alone(db: Session, cast: Cast, ground: Ground) -> None:
    _post_together(db, cast, [_scan("open-A-0001", "open", "TA000001", pool_size=5),
                              _scan("open-B-0001", "open", "TB000001", pool_size=5)])
    people = ground.people
    bodies = [_scan(f"a-person-{n:04d}", "person", "TA000001", id_number=people[n].id_number) for n in range(5)]
    bodies += [_scan(f"b-person-{n:04d}", "person", "TB000001", id_number=people[5 + n].id_number) for n in range(3)]
    # A handheld's resend of a scan still in flight, and a sixth person for a five-tube.
    bodies += [bodies[0], _scan("a-person-0006", "person", "TA000001", id_number=people[9].id_number)]
    answers = _post_together(db, cast, bodies)
    assert [len(a) for a in answers] == [1] * len(bodies)
    flat = [a[0] for a in answers]
    assert [a["status"] for a in flat[:8]] == ["ok"] * 8
    assert {a["person"]["name"] for a in flat[:5]} == {p.name for p in people[:5]}
    assert flat[8]["repeated"] is True and flat[8]["tube"] == flat[0]["tube"]
    assert (flat[9]["status"], flat[9]["code"]) == ("refused", "tube_not_open")
    assert db.scalar(select(Tube.state).where(Tube.barcode == "TA000001")) == "closed"
    count = select(func.count()).select_from(Sample).join(Tube)
    assert db.scalar(count.where(Tube.barcode == "TA000001")) == 5
    assert db.scalar(count.where(Tube.barcode == "TB000001")) == 3
    assert db.scalar(select(func.count()).select_from(Scan)) == 2 + 9  # the resend stored once
    # One audit row per request that wrote something, naming its scans.
    audited = db.scalars(select(AuditEntry.after).where(AuditEntry.action == "scan")).all()
    assert sorted(scan_id for row in audited for scan_id in row["scan_ids"]) == sorted(
        {b["scan_id"] for b in bodies} | {"open-A-0001", "open-B-0001"})


def test_a_person_scanned_at_two_points_at_the_same_moment_lands_in_one_tube(committed_db: str) -> None:
    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RC", "并发", [COUNTY], START))
        for code in ("P-1", "P-2"):
            create_point(session, SYSTEM, code=code, name=code, area_code=SHIJIN)
        number = id_number(500)
        session.add(Person(id_number=number, doc_kind="resident", name="赵六", area_code=SHIJIN))
    at = datetime(2022, 4, 1, 2, 0, tzinfo=UTC)
    with session_scope() as session:
        record_jobs(session, [Job(SYSTEM, [ScanInput("open-c-1", "open", barcode="TC000001", point_code="P-1",
                                                     scanned_at=at),
                                           ScanInput("open-c-2", "open", barcode="TC000002", point_code="P-2",
                                                     scanned_at=at)])])
    start = threading.Barrier(2)
    answers: dict[str, dict[str, Any]] = {}

    def scan_at(point: str, barcode: str) -> None:
        session = make_session()
        try:
            start.wait()
            outcome = record_jobs(session, [Job(SYSTEM, [ScanInput(f"same-{point}", "person", barcode=barcode,
                                                                   point_code=point, id_number=number,
                                                                   scanned_at=at)])])
            session.commit()
            answers[point] = outcome[0][0]
        finally:
            session.close()

    threads = [threading.Thread(target=scan_at, args=args) for args in (("P-1", "TC000001"), ("P-2", "TC000002"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a["status"] for a in answers.values()) == ["ok", "refused"]
    refused = next(a for a in answers.values() if a["status"] == "refused")
    assert refused["code"] == "in_other_tube"
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Sample)) == 1


def test_a_resend_racing_its_first_copy_in_another_worker_is_stored_once(committed_db: str) -> None:
    from fangyi.accounts import service as accounts

    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RR", "重发", [COUNTY], START))
        create_point(session, SYSTEM, code="P-R", name="P-R", area_code=SHIJIN)
        session.add(Person(id_number=id_number(600), doc_kind="resident", name="钱七", area_code=SHIJIN))
        sampler = accounts.create_user(session, SYSTEM, username="sampler-r", password="sampler-pass-1",
                                           role="sampler", area_code=COUNTY)
        token = accounts.issue_token(session, SYSTEM, sampler, "handheld")
    at = datetime(2022, 4, 1, 2, 0, tzinfo=UTC)
    with session_scope() as session:
        record_jobs(session, [Job(SYSTEM, [ScanInput("open-r-1", "open", barcode="TR000001", point_code="P-R",
                                                     scanned_at=at)])])
    loop = asyncio.new_event_loop()
    copies = [Pending(Credential(token=token), [ScanInput("race-0001", "person", barcode="TR000001",
                                                          point_code="P-R", id_number=id_number(600),
                                                          scanned_at=at)], loop.create_future())
              for _ in range(2)]
    start = threading.Barrier(2)

    def send(pending: Pending) -> None:
        start.wait()
        write_group(get_session, [pending])

    threads = [threading.Thread(target=send, args=(pending,)) for pending in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    loop.close()
    assert [pending.error for pending in copies] == [None, None]
    answers = [pending.outcome[0] for pending in copies if pending.outcome]
    assert sorted(a["repeated"] for a in answers) == [False, True]
    assert answers[0]["status"] == answers[1]["status"] == "ok"
    assert answers[0]["tube"]["members"] == answers[1]["tube"]["members"] == 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Sample)) == 1
        assert session.scalar(select(func.count()).select_from(Scan).where(Scan.scan_id == "race-0001")) == 1


def test_a_tube_held_elsewhere_answers_busy_and_does_not_hold_up_other_handhelds(committed_db: str) -> None:
    from fangyi.accounts import service as accounts

    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RH", "占用", [COUNTY], START))
        create_point(session, SYSTEM, code="P-H", name="P-H", area_code=SHIJIN)
        for n in (700, 701):
            session.add(Person(id_number=id_number(n), doc_kind="resident", name=f"居民{n}", area_code=SHIJIN))
        sampler = accounts.create_user(session, SYSTEM, username="sampler-h", password="sampler-pass-1",
                                           role="sampler", area_code=COUNTY)
        token = accounts.issue_token(session, SYSTEM, sampler, "handheld")
    at = datetime(2022, 4, 1, 2, 0, tzinfo=UTC)
    with session_scope() as session:
        record_jobs(session, [Job(SYSTEM, [ScanInput(f"open-h-{n}", "open", barcode=f"THOL000{n}", point_code="P-H",
                                                     scanned_at=at) for n in (1, 2)])])
    postgresql = committed_db.startswith("postgresql")
    # Another transaction (an offline batch being imported, say) holds tube 1. SQLite writes one
    # transaction at a time, so there it is held only briefly, as a real import commits in chunks.
    blocker = make_session()
    blocker.execute(text("UPDATE tubes SET flag = 'held' WHERE barcode = 'THOL0001'"))
    if not postgresql:
        threading.Timer(1.0, blocker.rollback).start()
    app = create_app()
    headers = {"Authorization": f"Bearer {token}"}

    def body(scan_id: str, barcode: str, n: int) -> dict[str, Any]:
        return {"scan_id": scan_id, "action": "person", "barcode": barcode, "point_code": "P-H",
                "id_number": id_number(n), "scanned_at": "2022-04-01T10:00:00+08:00"}

    async def send() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fangyi") as client:
            first = asyncio.create_task(client.post(URL, json=body("held-0001", "THOL0001", 700), headers=headers))
            await asyncio.sleep(0.3)
            other = await asyncio.wait_for(client.post(URL, json=body("free-0001", "THOL0002", 701),
                                                       headers=headers), 15)
            return await asyncio.wait_for(first, 15), other

    try:
        held, other = run_apart(send)
    finally:
        blocker.rollback()
        blocker.close()
    assert other.status_code == 200 and other.json()["results"][0]["status"] == "ok"
    if postgresql:
        assert held.status_code == 503, held.text
        assert "send them again" in held.json()["detail"]
    else:
        assert held.status_code == 200 and held.json()["results"][0]["status"] == "ok"


def test_scans_go_on_after_the_database_drops_the_intakes_connection(committed_db: str) -> None:
    """On PostgreSQL each worker keeps a connection for its scans (fangyi.screening.intake.Line);
    a database restart or an operator's kill must cost a handheld nothing but a slower answer."""
    import psycopg
    import pytest

    from fangyi.accounts import service as accounts

    if not committed_db.startswith("postgresql"):
        pytest.skip("SQLite keeps no connection of its own for scans")
    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RK", "断线", [COUNTY], START))
        create_point(session, SYSTEM, code="P-K", name="P-K", area_code=SHIJIN)
        sampler = accounts.create_user(session, SYSTEM, username="sampler-k", password="sampler-pass-1",
                                           role="sampler", area_code=COUNTY)
        token = accounts.issue_token(session, SYSTEM, sampler, "handheld")
    app = create_app()
    headers = {"Authorization": f"Bearer {token}"}
    dsn = committed_db.replace("postgresql+psycopg://", "postgresql://")

    def body(scan_id: str, barcode: str) -> dict[str, Any]:
        return {"scan_id": scan_id, "action": "open", "barcode": barcode, "point_code": "P-K",
                "scanned_at": "2022-04-01T10:00:00+08:00"}

    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fangyi") as client:
            before = await client.post(URL, json=body("kill-0001", "TKIL0001"), headers=headers)
            with psycopg.connect(dsn, autocommit=True) as admin:
                killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND application_name = %s",
                                       (APPLICATION,)).fetchone()
            assert killed is not None and killed[0] >= 1
            after = await client.post(URL, json=body("kill-0002", "TKIL0002"), headers=headers)
            again = await client.post(URL, json=body("kill-0003", "TKIL0003"), headers=headers)
            return [before, after, again]

    answers = run_apart(send)
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert [a.json()["results"][0]["code"] for a in answers] == ["tube_opened"] * 3
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Tube).where(Tube.barcode.like("TKIL%"))) == 3


def test_the_intakes_connection_waits_briefly_and_plans_each_statement_afresh(committed_db: str) -> None:
    import pytest
    from sqlalchemy import text as sql

    from fangyi.screening.intake import Line

    if not committed_db.startswith("postgresql"):
        pytest.skip("SQLite keeps no connection of its own for scans")
    line = Line()
    try:
        for _ in range(2):  # the same connection, settings made once
            with contextmanager(line.sessions)() as session:
                settings = session.execute(sql("SELECT current_setting('lock_timeout'), "
                                               "current_setting('plan_cache_mode'), "
                                               "current_setting('application_name')")).one()
                session.commit()
            assert tuple(settings) == ("2s", "force_custom_plan", APPLICATION)
    finally:
        line.drop()


def test_a_failed_group_hands_the_intakes_settings_to_no_other_request(committed_db: str) -> None:
    """A group that fails keeps the intake's connection (rolled back) unless it was lost; once
    dropped, its 2 s lock timeout and its name must not reach the pool, where an import or a page
    would take them up (and give up on a lock after 2 s, or be killed with the intake's connections)."""
    import pytest
    from sqlalchemy import text as sql

    from fangyi.db.session import get_engine
    from fangyi.screening.intake import Line

    if not committed_db.startswith("postgresql"):
        pytest.skip("SQLite keeps no connection of its own for scans")
    line = Line()
    with pytest.raises(RuntimeError), contextmanager(line.sessions)() as session:
        session.execute(sql("SELECT 1"))
        raise RuntimeError("the group failed (a lock timeout, a raced resend)")
    kept = line.connection
    assert kept is not None and not kept.invalidated
    with contextmanager(line.sessions)() as session:  # the next group goes on on it
        assert session.execute(sql("SELECT current_setting('lock_timeout')")).scalar() == "2s"
    assert line.connection is kept
    line.drop()
    assert line.connection is None
    engine = get_engine()
    # Every connection the pool holds, and one more: the dropped one would be among them.
    held = [engine.connect() for _ in range(engine.pool.checkedin() + 1)]  # type: ignore[attr-defined]
    try:
        seen = {tuple(c.execute(sql("SELECT current_setting('lock_timeout'), "
                                    "current_setting('application_name')")).one()) for c in held}
    finally:
        for connection in held:
            connection.close()
    assert all(timeout != "2s" and name != APPLICATION for timeout, name in seen), seen


def test_a_fast_clock_on_one_handheld_hides_no_control_from_another(db: Session, cast: Cast, ground: Ground) -> None:
    person = ground.people[0]
    moment = now()
    db.add(Control(person_id=person.id, reason="pool_positive", started_at=moment - timedelta(days=1),
                   ended_at=moment + timedelta(minutes=30)))
    db.flush()
    record_jobs(db, [Job(SYSTEM, [ScanInput("open-ctl-1", "open", barcode="TCTL0001", point_code="P-SJ",
                                            pool_size=5)])])
    fast = ScanInput("fast-clk-1", "close", barcode="TNONE001", point_code="P-SJ",
                     scanned_at=moment + timedelta(hours=1))
    mine = ScanInput("p-group-1", "person", barcode="TCTL0001", point_code="P-SJ", id_number=person.id_number)
    answers = record_jobs(db, [Job(SYSTEM, [fast]), Job(SYSTEM, [mine])])
    assert answers[1][0]["code"] == "under_control"


def test_answers_carry_every_field_and_a_tube_is_scanned_only_in_its_points_area(
        client: TestClient, cast: Cast, ground: Ground, db: Session) -> None:
    refused = client.post(URL, json=_scan("x-0000001", "close", "TNONE001"), headers=cast.headers("sampler"))
    assert set(refused.json()["results"][0]) == set(ScanOut.model_fields)
    assert client.post(URL, json={"scan_id": "x-0000002"}).status_code == 401  # signed in first, then checked
    plain = client.post(URL, content=b'{"scan_id":"x-0000003","action":"close","barcode":"TNONE001"}',
                        headers={**cast.headers("sampler"), "content-type": "text/plain"})
    assert plain.status_code == 422
    # A tube opened at 城关's point cannot be filled by a sampler of 石滩 naming a point of their own.
    from fangyi.accounts import service as accounts

    local = accounts.create_user(db, SYSTEM, username="sampler-st", password="sampler-pass-1", role="sampler",
                                     area_code=SHITAN)
    token = accounts.issue_token(db, SYSTEM, local, "handheld")
    create_point(db, cast["admin"], code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    db.flush()
    record_jobs(db, [Job(SYSTEM, [ScanInput("open-cg-1", "open", barcode="TCG00001", point_code="P-CG")])])
    body = _scan("cg-person-1", "person", "TCG00001", id_number=ground.people[0].id_number)
    answer = client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"}).json()["results"][0]
    # Its own code and words: the tube is not found there (nothing told of it but its barcode, sent).
    assert (answer["status"], answer["code"]) == ("refused", "tube_outside")
    assert "城关" not in str(answer)
    assert db.scalar(select(func.count()).select_from(Sample).join(Tube).where(Tube.barcode == "TCG00001")) == 0


def test_a_busy_intake_seals_the_trail_now_and_then_and_every_entry_in_the_end(committed_db: str) -> None:
    from fangyi.accounts import service as accounts
    from fangyi.audit import chain
    from fangyi.screening.intake import Seals

    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RS", "封链", [COUNTY], START))
        create_point(session, SYSTEM, code="P-S", name="P-S", area_code=SHIJIN)
        sampler = accounts.create_user(session, SYSTEM, username="sampler-s", password="sampler-pass-1",
                                       role="sampler", area_code=COUNTY)
        token = accounts.issue_token(session, SYSTEM, sampler, "handheld")
    loop = asyncio.new_event_loop()
    busy = [True]
    seals = Seals(quiet=lambda: not busy[0])  # others wait behind every group but the last
    at = datetime(2022, 4, 1, 2, 0, tzinfo=UTC)

    def send(n: int) -> Pending:
        pending = Pending(Credential(token=token), [ScanInput(f"seal-open-{n}", "open", barcode=f"TS{n:06d}",
                                                              point_code="P-S", scanned_at=at)],
                          loop.create_future())
        write_group(get_session, [pending], seals)
        assert pending.error is None and pending.outcome and pending.outcome[0]["status"] == "ok"
        return pending

    def unsealed() -> int:
        with session_scope() as session:
            verdict = chain.verify(session)
            assert verdict.ok, verdict.broken  # waiting a moment for a seal is not a broken chain
            return verdict.awaiting

    send(1)
    send(2)
    assert len(seals.marked) == 2 and unsealed() == 2  # committed, their seals not written yet
    seals.last -= 1.5  # SEAL_EVERY has gone by: the next group seals everything before it
    send(3)
    assert seals.marked == [] and unsealed() == 0
    send(4)
    assert unsealed() == 1
    busy[0] = False  # nobody waits behind the last group: it seals at once
    send(5)
    loop.close()
    with session_scope() as session:
        verdict = chain.verify(session)
        scans = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "scan"))
    assert verdict.ok and verdict.awaiting == 0 and scans == 5
    assert verdict.sealed >= scans


def test_a_request_about_a_record_in_flight_waits_for_its_group_and_others_go_beside_it() -> None:
    """A worker writes several groups at once (fangyi.screening.intake.Slot); a request naming a
    tube, person or scan id that a group in flight names waits for that group, and so does every
    later request naming what it names: a person is never scanned into a tube whose opening has
    not committed yet."""
    from fangyi.screening.intake import Intake, Slot, names

    def never() -> Iterator[Session]:
        raise AssertionError("nothing is written here")
        yield

    loop = asyncio.new_event_loop()
    try:
        def pending(*scans: ScanInput) -> Pending:
            return Pending(Credential(token="t"), list(scans), loop.create_future(), keys=names(list(scans)))

        intake = Intake([Slot(never), Slot(never)])
        opening = pending(ScanInput("s-1", "open", barcode="tab00001", point_code="P"))
        intake.slots[0].keys = opening.keys  # its group is being written
        into = pending(ScanInput("s-2", "person", barcode=" TAB00001 ", id_number=id_number(1)))
        elsewhere = pending(ScanInput("s-3", "open", barcode="TAB00002", point_code="P"))
        same_person = pending(ScanInput("s-4", "person", barcode="TAB00002", id_number=id_number(1)))
        resent = pending(ScanInput("s-1", "open", barcode="tab00001", point_code="P"))
        other = pending(ScanInput("s-5", "person", barcode="TAB00003", id_number=id_number(2)))
        intake.waiting = [into, elsewhere, same_person, resent, other]
        assert intake._take() == [elsewhere, other]
        assert intake.waiting == [into, same_person, resent]
        intake.slots[0].keys = None  # the opening committed
        assert intake._take() == [into, same_person, resent]
        for item in (opening, into, elsewhere, same_person, resent, other):
            item.future.cancel()
    finally:
        loop.close()


def test_many_handhelds_at_once_on_the_workers_own_connections_every_scan_once_and_sealed(
        committed_db: str) -> None:
    """PostgreSQL: the intake's slots write groups side by side and its sealer seals them apart.
    Twelve handhelds fill a tube each, a third of the requests sent twice at once: each scan is
    stored once, each tube holds its ten, and every scan's trail entry is sealed in the chain."""
    import time

    import pytest

    from fangyi.accounts import service as accounts
    from fangyi.audit import chain
    from fangyi.audit.models import AuditSeal

    if not committed_db.startswith("postgresql"):
        pytest.skip("SQLite writes its scans on the app's sessions, one transaction at a time")
    handhelds = 12
    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("RM", "多机", [COUNTY], START))
        for n in range(handhelds):
            create_point(session, SYSTEM, code=f"P-M{n}", name=f"P-M{n}", area_code=SHIJIN)
        for n in range(handhelds * 10):
            session.add(Person(id_number=id_number(5000 + n), doc_kind="resident", name=f"居民{n}",
                               area_code=SHIJIN))
        sampler = accounts.create_user(session, SYSTEM, username="sampler-m", password="sampler-pass-1",
                                       role="sampler", area_code=COUNTY)
        token = accounts.issue_token(session, SYSTEM, sampler, "handheld")
    app = create_app()
    headers = {"Authorization": f"Bearer {token}"}

    async def handheld(client: httpx.AsyncClient, n: int) -> list[str]:
        barcode = f"TMH{n:05d}"
        bodies = [{"scan_id": f"mh{n:03d}-open", "action": "open", "barcode": barcode, "point_code": f"P-M{n}",
                   "scanned_at": AT}]
        bodies += [{"scan_id": f"mh{n:03d}-{k:03d}", "action": "person", "barcode": barcode, "point_code": f"P-M{n}",
                    "id_number": id_number(5000 + n * 10 + k), "scanned_at": AT} for k in range(10)]
        codes = []
        for k, body in enumerate(bodies):
            copies = 2 if k % 3 == 0 else 1  # the answer "lost": sent again before it came
            answers = await asyncio.gather(*[client.post(URL, json=body, headers=headers) for _ in range(copies)])
            assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
            results = [a.json()["results"][0] for a in answers]
            assert len({(r["status"], r.get("code")) for r in results}) == 1, results  # a resend answered as one
            codes.append(results[0]["code"])
        return codes

    async def send() -> list[list[str]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fangyi", timeout=60) as client:
            return await asyncio.gather(*[handheld(client, n) for n in range(handhelds)])

    codes = run_apart(send)
    assert codes == [["tube_opened"] + ["added"] * 9 + ["tube_closed_full"]] * handhelds
    deadline = time.monotonic() + 10
    while True:  # the sealer seals a fifth of a second after the commits, or so
        with session_scope() as session:
            verdict = chain.verify(session)
            scans = set(session.scalars(select(AuditEntry.id).where(AuditEntry.action == "scan")))
            sealed = set(session.scalars(select(AuditSeal.entry_id).where(AuditSeal.entry_id.in_(scans))))
            stored = session.scalar(select(func.count()).select_from(Scan).where(Scan.scan_id.like("mh%")))
            members = set(session.scalars(select(Tube.members).where(Tube.barcode.like("TMH%"))))
        if sealed == scans or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert verdict.ok, verdict.broken
    assert stored == handhelds * 11 and members == {10}
    assert scans and sealed == scans
