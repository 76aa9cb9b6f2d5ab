"""When the index turns (a close contact in quarantine tests positive), the tracers are told:
the event, its placement and the secondary contacts it changed, within each tracer's
jurisdiction, until a tracer marks it handled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Forbidden, NotFound
from fangyi.quarantine import care, placing
from fangyi.quarantine.models import Alert, Placement
from fangyi.tracing import review
from tests.conftest import CHENGGUAN, SHIJIN, SHITAN
from tests.quarantine.world import add_person, add_site, local
from tests.web.conftest import csrf_of, sign_in


def _place(db, cast, person, category="close_contact", linked=()):
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category=category,
                                     reason="typed", last_exposure=local(2022, 3, 27, 12), linked_person_ids=linked)
    return db.get(Placement, placing.allocate(db, cast["command_office"], [request.id]).placements[0])


@pytest.fixture
def turned(cast, db):
    """A close contact in room 101 turns positive; of their two secondary contacts one lives in
    石金村 (石滩乡), the other in 城关社区 (洣水镇). A tracer for 石滩乡 only."""
    add_site(db, rooms=4)
    index = add_person(db, 1)
    near, far = add_person(db, 2, area=SHIJIN), add_person(db, 3, area=CHENGGUAN)
    _place(db, cast, index)
    _place(db, cast, near, "secondary_contact", [index.id])
    _place(db, cast, far, "secondary_contact", [index.id])
    care.record_test(db, cast["site_manager"], person_id=index.id, day=1, result="positive",
                     sampled_at=local(2022, 3, 28, 9))
    township = accounts.create_user(db, SYSTEM, username="tracer-shitan", password="password-123",
                                        role="tracer", area_code=SHITAN)
    return index, near, far, township


def test_the_tracers_see_whom_the_turn_changed_within_their_jurisdiction(cast, db, turned):
    index, near, far, township = turned
    [event] = review.index_turned(db, cast["tracer"])
    assert event.index.id == index.id and event.where == "隔离点GL-01 101"
    assert sorted(a.person.id for a in event.affected) == sorted([near.id, far.id])
    assert {a.placement.category for a in event.affected} == {"close_contact"}
    [mine] = review.index_turned(db, township)
    assert [a.person.id for a in mine.affected] == [near.id]
    with pytest.raises(Forbidden):
        review.index_turned(db, cast["sampler"])


def test_marking_handled_is_audited_and_per_jurisdiction(cast, db, turned):
    index, near, far, township = turned
    with pytest.raises(Forbidden):
        review.handle_index_turned(db, cast["commander"], index.id)
    with pytest.raises(NotFound):
        review.handle_index_turned(db, township, near.id)  # not someone who turned
    handled = review.handle_index_turned(db, township, index.id)
    assert [a.person_id for a in handled] == [near.id]
    assert review.index_turned(db, township) == []
    # The county's tracers still see the part outside 石滩乡.
    [rest] = review.index_turned(db, cast["tracer"])
    assert [a.person.id for a in rest.affected] == [far.id]
    with pytest.raises(Conflict, match="already"):
        review.handle_index_turned(db, township, index.id)
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "trace_handled")).all()
    assert [(e.entity, e.entity_id, e.actor) for e in entries] == [("quarantine_alert", str(handled[0].id),
                                                                     "tracer-shitan")]
    # The site's own handling of the alert is its own.
    assert db.get(Alert, handled[0].id).handled_at is None
    review.handle_index_turned(db, cast["tracer"], index.id)
    assert review.index_turned(db, cast["tracer"]) == []
    assert len(review.index_turned(db, cast["tracer"], include_handled=True)[0].affected) == 2


def test_the_queue_api_lists_and_handles_them(client, cast, db, turned):
    index, near, far, _ = turned
    answer = client.get("/api/v1/queue", headers=cast.headers("tracer"))
    assert answer.status_code == 200
    [event] = answer.json()["index_turned"]
    assert event["person_id"] == index.id and event["placement"] == "隔离点GL-01 101" and not event["handled"]
    assert event["id_number"] == index.id_number  # a tracer sees whom to call
    assert sorted(a["person_id"] for a in event["affected"]) == sorted([near.id, far.id])
    assert {a["category"] for a in event["affected"]} == {"close_contact"}
    url = f"/api/v1/queue/index-turned/{index.id}/handled"
    assert client.post(url, headers=cast.headers("commander")).status_code == 403
    missing = client.post(f"/api/v1/queue/index-turned/{near.id}/handled", headers=cast.headers("tracer"))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    done = client.post(url, headers=cast.headers("tracer"))
    assert done.status_code == 200 and done.json()["handled"] is True
    again = client.post(url, headers=cast.headers("tracer"))
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/queue", headers=cast.headers("tracer")).json()["index_turned"] == []


def test_the_queue_page_shows_them_until_handled(client, cast, db, turned):
    index, near, far, _ = turned
    sign_in(client, "tracer")
    page = client.get("/tracing/queue").text
    assert 'id="index-turned"' in page and "指数病例转阳" in page
    assert index.name in page and near.name in page and far.name in page and "隔离点GL-01 101" in page
    token = csrf_of(page)
    done = client.post(f"/tracing/index-turned/{index.id}/handled",
                       data={"csrf": token, "next": "/tracing/queue"}, follow_redirects=False)
    assert done.status_code == 303 and "done=index_turned" in done.headers["location"]
    after = client.get(done.headers["location"]).text
    assert 'id="index-turned"' not in after and "已标记处理" in after
    again = client.post(f"/tracing/index-turned/{index.id}/handled", data={"csrf": token, "next": "/tracing/queue"})
    assert again.status_code == 409 and "already" in again.text


def test_english_words(client, cast, db, turned):
    sign_in(client, "tracer")
    client.cookies.set("lang", "en")
    page = client.get("/tracing/queue").text
    assert "Index turned positive" in page and "Secondary contacts affected" in page and "Mark handled" in page
