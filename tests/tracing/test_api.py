"""The tracing API: cases, the trace, decisions; masking and jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from fangyi.registry.models import Venue
from fangyi.tracing.models import Case, Contact, NamedContact
from fangyi.tracing.schemas import TraceReport
from fangyi.tracing.trace import trace_report
from tests.conftest import CHENGGUAN
from tests.tracing.world import add_person, add_stay, add_venue, at


def _body(person, **over):
    body = {"case_no": "HD-2022-001", "id_number": person.id_number, "classification": "confirmed",
            "onset_date": "2022-03-28", "sampled_at": "2022-03-29T08:00:00", "confirmed_at": "2022-03-30T10:00:00",
            "source": "imported", "origin": "上海"}
    return body | over


def _world(db):
    me, diner, colleague = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
    add_stay(db, me, restaurant, at(12), at(13))
    add_stay(db, diner, restaurant, at(12), at(13))
    add_stay(db, diner, office, at(30), at(38))
    add_stay(db, colleague, office, at(30), at(38))
    return me, diner, colleague


def test_create_then_trace_over_the_api(cast, db, client):
    me, diner, _ = _world(db)
    created = client.post("/api/v1/cases", json=_body(me), headers=cast.headers("tracer"))
    assert created.status_code == 201, created.text
    assert created.json()["close_contacts"] == 1 and created.json()["secondary_contacts"] == 1
    # A time without an offset is local time.
    assert datetime.fromisoformat(created.json()["confirmed_at"]) == datetime(2022, 3, 30, 2, 0, tzinfo=UTC)
    trace = client.get("/api/v1/cases/HD-2022-001/trace", headers=cast.headers("tracer")).json()
    assert trace["window"] == {"from": "2022-03-26T00:00:00+08:00", "to": "2022-03-30T10:00:00+08:00"}
    assert [c["id_number"] for c in trace["close_contacts"]] == [diner.id_number]
    assert "via" not in trace["close_contacts"][0]
    assert trace["secondary_contacts"][0]["via"] == [diner.id_number]
    assert trace["close_contacts"][0]["reasons"] == [
        {"kind": "venue", "venue_code": "R1", "from": "2022-03-27T12:00:00+08:00", "to": "2022-03-27T13:00:00+08:00"}
    ]
    # The command office sees the same trace with numbers masked.
    masked = client.get("/api/v1/cases/HD-2022-001/trace", headers=cast.headers("command_office")).json()
    assert masked["close_contacts"][0]["id_number"] == diner.id_number[:6] + "********" + diner.id_number[-4:]
    listing = client.get("/api/v1/cases", headers=cast.headers("command_office")).json()
    assert listing["total"] == 1 and listing["items"][0]["masked"] is True
    assert "*" in listing["items"][0]["id_number"]


def test_bad_case_is_a_problem_naming_the_field(cast, db, client):
    me, _, _ = _world(db)
    answer = client.post("/api/v1/cases", json=_body(me, onset_date="2022-03-31"), headers=cast.headers("tracer"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["column"] == "onset_date"
    assert client.get("/api/v1/cases/HD-2022-001", headers=cast.headers("tracer")).status_code == 404
    refused = client.post("/api/v1/cases", json=_body(me), headers=cast.headers("sampler"))
    assert refused.status_code == 403


def test_cases_outside_the_jurisdiction_are_not_found(cast, db, client):
    town = add_person(db, 9, area=CHENGGUAN)  # in 洣水镇, outside the village doctor's 石滩乡
    assert client.post("/api/v1/cases", json=_body(town), headers=cast.headers("tracer")).status_code == 201
    assert client.get("/api/v1/cases/HD-2022-001", headers=cast.headers("tracer")).status_code == 200
    assert client.get("/api/v1/cases/HD-2022-001", headers=cast.headers("driver")).status_code == 403


def test_decisions_over_the_api(cast, db, client):
    me, diner, _ = _world(db)
    client.post("/api/v1/cases", json=_body(me), headers=cast.headers("tracer"))
    contact = db.scalar(select(Contact).where(Contact.person_id == diner.id))
    headers = cast.headers("tracer")
    confirmed = client.post(f"/api/v1/contacts/{contact.id}/confirm", headers=headers)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    reach = client.post(f"/api/v1/contacts/{contact.id}/reach", json={"outcome": "no_answer"}, headers=headers)
    assert reach.status_code == 201 and reach.json()["outcome"] == "no_answer"
    cut = client.post(f"/api/v1/contacts/{contact.id}/quarantine",
                      json={"quarantined_at": "2022-03-28T00:00:00+08:00"}, headers=headers)
    assert cut.status_code == 200 and cut.json()["status"] == "confirmed"
    trace = client.get("/api/v1/cases/HD-2022-001/trace", headers=headers).json()
    assert trace["secondary_contacts"] == []  # the office day came after the quarantine start
    bad = client.post(f"/api/v1/contacts/{contact.id}/reject", json={"reason": ""}, headers=headers)
    assert bad.status_code == 422
    listed = client.get("/api/v1/cases/HD-2022-001/contacts", headers=headers).json()
    assert [(c["person_id"], c["status"]) for c in listed] == [(diner.id, "confirmed")]
    patched = client.patch("/api/v1/cases/HD-2022-001", json={"onset_date": "2022-03-29"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["onset_date"] == "2022-03-29"


def test_the_trace_a_page_at_a_time(cast, db, client):
    me, diner, _ = _world(db)
    others = [add_person(db, n) for n in range(10, 15)]
    add_stay(db, diner, add_venue(db, "G1", "gathering"), at(50), at(52))
    gathering = db.scalars(select(Venue).where(Venue.code == "G1")).one()
    for person in others:
        add_stay(db, person, gathering, at(50), at(51))
    assert client.post("/api/v1/cases", json=_body(me), headers=cast.headers("tracer")).status_code == 201
    whole = client.get("/api/v1/cases/HD-2022-001/trace", headers=cast.headers("tracer")).json()
    pages, offset = [], 0
    while offset is not None:
        page = client.get(f"/api/v1/cases/HD-2022-001/trace/secondary?offset={offset}&limit=2",
                          headers=cast.headers("tracer")).json()
        assert page["case_no"] == "HD-2022-001" and page["degree"] == "secondary" and page["offset"] == offset
        pages += page["contacts"]
        offset = page.get("next_offset")
    assert pages == whole["secondary_contacts"] and len(pages) == 6
    masked = client.get("/api/v1/cases/HD-2022-001/trace/close", headers=cast.headers("command_office")).json()
    assert masked["contacts"][0]["id_number"] == diner.id_number[:6] + "********" + diner.id_number[-4:]
    assert "next_offset" not in masked  # one page holds the list
    assert client.get("/api/v1/cases/HD-2022-001/trace/tertiary", headers=cast.headers("tracer")).status_code == 422


def test_the_whole_trace_is_the_report_in_the_documented_shape(cast, db, client):
    """The trace is written as text a batch at a time, without the response model; what a client
    reads is what TraceReport makes of the report: every kind of reason, via on secondary contacts
    only, masked numbers for whoever may not see them, the same after a derivation."""
    me, diner, _ = _world(db)
    me.household_id = add_person(db, 20, household="H1").household_id  # a close contact at home
    diner.household_id = add_person(db, 21, household="H2").household_id  # a secondary one at the diner's
    friend = add_person(db, 22)
    assert client.post("/api/v1/cases", json=_body(me), headers=cast.headers("tracer")).status_code == 201
    case = db.scalars(select(Case).where(Case.case_no == "HD-2022-001")).one()
    db.add(NamedContact(case_id=case.id, person_id=friend.id, relationship="朋友",
                        last_contact_at=datetime(2022, 3, 28, 4, 0, tzinfo=UTC)))
    db.flush()
    derived = client.post("/api/v1/cases/HD-2022-001/derive", headers=cast.headers("tracer"))
    assert derived.status_code == 200 and derived.headers["content-type"] == "application/json"
    for role, unmasked in (("tracer", True), ("command_office", False)):
        answer = client.get("/api/v1/cases/HD-2022-001/trace", headers=cast.headers(role))
        expected = TraceReport.model_validate(trace_report(db, case, unmasked=unmasked)).model_dump(
            mode="json", by_alias=True, exclude_none=True)
        assert answer.json() == expected
        kinds = {degree: sorted(reason["kind"] for entry in expected[f"{degree}_contacts"]
                                for reason in entry["reasons"]) for degree in ("close", "secondary")}
        assert kinds == {"close": ["household", "named", "venue"], "secondary": ["household", "venue"]}
    assert derived.json() == TraceReport.model_validate(trace_report(db, case)).model_dump(
        mode="json", by_alias=True, exclude_none=True)
