"""A case ruled out: it leaves the counts from that day, its contacts stay but are flagged for
review in the queue, and whoever is in quarantine for it gets a review alert. Service, API, page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.audit.models import AuditEntry
from fangyi.config import get_settings
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.quarantine import placing
from fangyi.quarantine.models import Alert, Placement, PlacementRequest
from fangyi.tracing import review
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.contacts import confirm_contact
from fangyi.tracing.figures import case_figures
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.queue import hand_over, queue
from tests.quarantine.world import add_site
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row
from tests.web.conftest import csrf_of, sign_in

# 2022-04-02 10:00 in Hengdong: the ruling, three days after the case was confirmed.
RULED = datetime(2022, 4, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def ruled_at(monkeypatch):
    monkeypatch.setattr(review, "now", lambda: RULED)
    return RULED


@pytest.fixture
def traced(cast, db):
    """A case who ate with two others; one of them was confirmed, handed over and placed."""
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    placed, other = add_person(db, 2), add_person(db, 3)
    for person in (placed, other):
        add_stay(db, person, restaurant, at(12), at(13))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    contact = db.scalar(select(Contact).where(Contact.case_id == case.id, Contact.person_id == placed.id))
    confirm_contact(db, cast["tracer"], contact.id)
    hand_over(db, cast["tracer"], contact.id)
    add_site(db, rooms=2)
    request = db.scalar(select(PlacementRequest).where(PlacementRequest.person_id == placed.id))
    placement_id = placing.allocate(db, cast["command_office"], [request.id]).placements[0]
    return case, placed, other, db.get(Placement, placement_id)


def test_a_ruled_out_case_flags_everyone_downstream_and_leaves_the_counts(cast, db, traced, ruled_at):
    case, placed, other, placement = traced
    assert case_figures(db, date(2022, 4, 1), SYSTEM)["total"] == 1
    review.rule_out_case(db, cast["tracer"], case.case_no, "  复核阴性，排除病例 ")
    assert case.ruled_out_at == RULED and case.ruled_out_reason == "复核阴性，排除病例"
    # Whoever is in quarantine for it is flagged, not released.
    alerts = db.scalars(select(Alert).where(Alert.kind == "review")).all()
    assert [(a.person_id, a.detail["case_id"]) for a in alerts] == [(placed.id, case.id)]
    assert placement.status == "active"
    # The contacts are not deleted: the one not yet handed over is still in the queue.
    rows, _ = queue(db, cast["command_office"], case_id=case.id)
    assert [person.id for _, person, _ in rows] == [other.id]
    assert len(db.scalars(select(Contact).where(Contact.case_id == case.id)).all()) == 2
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "rule_out"))
    assert entry.entity_id == str(case.id) and entry.before == {"ruled_out_at": None, "ruled_out_reason": None}
    assert entry.after["ruled_out_reason"] == "复核阴性，排除病例"
    # Counts as of a day: right before the ruling, without the case from that day on.
    assert case_figures(db, date(2022, 3, 30), SYSTEM) == {"new": 1, "total": 1, "confirmed": 1, "asymptomatic": 0,
                                                         "imported": 1, "local": 0}
    assert case_figures(db, date(2022, 4, 1), SYSTEM)["total"] == 1
    assert case_figures(db, date(2022, 4, 2), SYSTEM)["total"] == 0
    assert case_figures(db, date(2022, 4, 3), SYSTEM)["total"] == 0


def test_refusals(cast, db, traced, ruled_at):
    case = traced[0]
    with pytest.raises(Invalid, match="reason"):
        review.rule_out_case(db, cast["tracer"], case.case_no, "   ")
    with pytest.raises(Forbidden):
        review.rule_out_case(db, cast["commander"], case.case_no, "复核阴性")  # reads cases, may not edit them
    with pytest.raises(NotFound):
        review.rule_out_case(db, cast["tracer"], "HD-NONE", "复核阴性")
    assert case.ruled_out_at is None and db.scalar(select(Alert.id).where(Alert.kind == "review")) is None
    review.rule_out_case(db, cast["tracer"], case.case_no, "复核阴性")
    with pytest.raises(Conflict, match="already"):
        review.rule_out_case(db, cast["tracer"], case.case_no, "再次")
    assert case.ruled_out_reason == "复核阴性"


def test_rule_out_over_the_api(client, cast, db, traced):
    case = traced[0]
    url = f"/api/v1/cases/{case.case_no}/rule-out"
    empty = client.post(url, json={"reason": ""}, headers=cast.headers("tracer"))
    assert empty.status_code == 422 and empty.headers["content-type"].startswith("application/problem+json")
    assert client.post(url, json={"reason": "x"}, headers=cast.headers("commander")).status_code == 403
    assert client.post("/api/v1/cases/HD-NONE/rule-out", json={"reason": "x"},
                       headers=cast.headers("tracer")).status_code == 404
    done = client.post(url, json={"reason": "复核阴性"}, headers=cast.headers("tracer"))
    assert done.status_code == 200, done.text
    assert done.json()["ruled_out_reason"] == "复核阴性" and done.json()["ruled_out_at"]
    again = client.post(url, json={"reason": "复核阴性"}, headers=cast.headers("tracer"))
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert "already" in again.json()["detail"]
    # Its contacts stay as they were: it is not derived again.
    derive = client.post(f"/api/v1/cases/{case.case_no}/derive", headers=cast.headers("tracer"))
    assert derive.status_code == 409 and "ruled out" in derive.json()["detail"]
    items = client.get("/api/v1/queue", headers=cast.headers("command_office")).json()["items"]
    assert items and all(item["review"] for item in items if item["case_no"] == case.case_no)
    assert client.get(f"/api/v1/cases/{case.case_no}", headers=cast.headers("tracer")).json()["ruled_out_reason"] \
        == "复核阴性"


def test_rule_out_on_the_case_page(client, cast, db, traced):
    case, _, other, _ = traced
    sign_in(client, "tracer")
    page = client.get(f"/tracing/cases/{case.case_no}").text
    assert 'id="rule-out"' in page and "排除病例" in page
    token = csrf_of(page)
    # No reason: the page comes back with the form and what was typed.
    refused = client.post(f"/tracing/cases/{case.case_no}/rule-out", data={"csrf": token, "reason": "   "})
    assert refused.status_code == 422 and 'id="rule-out"' in refused.text
    assert "a case is ruled out with a reason" in unescape(refused.text)
    done = client.post(f"/tracing/cases/{case.case_no}/rule-out", data={"csrf": token, "reason": "复核阴性"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=rule_out")
    shown = client.get(done.headers["location"]).text
    assert "复核阴性" in shown and 'id="rule-out"' not in shown and "下游人员已标记复核" in shown
    again = client.post(f"/tracing/cases/{case.case_no}/rule-out", data={"csrf": token, "reason": "又一次"})
    assert again.status_code == 409 and "already" in again.text
    assert db.scalar(select(Case.ruled_out_reason).where(Case.id == case.id)) == "复核阴性"
    # The queue flags its contacts for review.
    queue_page = client.get(f"/tracing/queue?case={case.case_no}").text
    assert other.name in queue_page and "病例已排除，待复核" in queue_page


def test_the_form_keeps_the_reason_when_refused(client, cast, db, traced):
    case = traced[0]
    sign_in(client, "tracer")
    token = csrf_of(client.get(f"/tracing/cases/{case.case_no}").text)
    long = "长" * 501
    refused = client.post(f"/tracing/cases/{case.case_no}/rule-out", data={"csrf": token, "reason": long})
    assert refused.status_code == 422 and f'value="{long}"' in refused.text
    assert db.scalar(select(Case.ruled_out_at).where(Case.id == case.id)) is None

