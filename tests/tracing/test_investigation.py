"""The case's own account: places (known or new) and named people count as exposures."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fangyi.config import get_settings
from fangyi.errors import Invalid
from fangyi.registry.models import Person, Venue
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.investigation import NewPlace, add_named_contact, add_place
from fangyi.tracing.models import Contact, InvestigationPlace, NamedContact
from fangyi.tracing.trace import trace_report
from tests.conftest import SHIJIN
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


@pytest.fixture
def case(cast, db):
    me = add_person(db, 1)
    return create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))


def test_a_place_from_the_interview_counts_like_a_checkin(cast, db, case):
    market, shopper = add_venue(db, "M1", "market"), add_person(db, 2)
    add_stay(db, shopper, market, at(9.5), None)  # no check-out: the market's default stay
    assert db.scalar(select(func.count()).select_from(Contact)) == 0
    add_place(db, cast["tracer"], case, venue_code="M1", start_at=at(10), end_at=at(10.5), note="买菜")
    contact = db.scalar(select(Contact))
    assert contact is not None and contact.person_id == shopper.id
    assert contact.reasons == [{"kind": "venue", "venue_code": "M1", "from": int(at(10).timestamp()),
                                "to": int(at(10.5).timestamp())}]


def test_a_new_place_becomes_a_venue(cast, db, case):
    place = add_place(db, cast["tracer"], case, new_place=NewPlace("老街茶馆", "restaurant", SHIJIN),
                      start_at=at(15), end_at=at(17))
    venue = db.get(Venue, place.venue_id)
    assert venue is not None and venue.code == "HD-2022-001-P1" and venue.kind == "restaurant"
    second = add_place(db, cast["tracer"], case, new_place=NewPlace("河边棋牌室", "gathering", SHIJIN),
                       start_at=at(18), end_at=at(19))
    assert db.get(Venue, second.venue_id).code == "HD-2022-001-P2"


def test_a_named_person_is_a_close_contact_within_the_window(cast, db, case):
    friend, old_friend = add_person(db, 3), add_person(db, 4)
    add_named_contact(db, cast["tracer"], case, id_number=friend.id_number, relationship="朋友",
                      last_contact_at=at(20))
    add_named_contact(db, cast["tracer"], case, id_number=old_friend.id_number, relationship="朋友",
                      last_contact_at=at(-72))  # before the window
    report = trace_report(db, case)
    assert [c["id_number"] for c in report["close_contacts"]] == [friend.id_number]
    assert report["close_contacts"][0]["reasons"] == [{"kind": "named", "relationship": "朋友"}]


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"venue_code": "NOPE"}, "venue_code"),
        ({}, "venue_code"),
        ({"venue_code": "M1", "end_at": at(9)}, "end_at"),
        ({"new_place": NewPlace("某地", "spaceship", SHIJIN)}, "kind"),
        ({"new_place": NewPlace("某地", "shop", "430424999999")}, "area_code"),
    ],
)
def test_bad_places_are_refused_and_nothing_saved(cast, db, case, kwargs, column):
    add_venue(db, "M1", "market")
    venues = db.scalar(select(func.count()).select_from(Venue))
    arguments = {"start_at": at(10), "end_at": at(11)} | kwargs
    with pytest.raises(Invalid) as caught:
        add_place(db, cast["tracer"], case, **arguments)
    assert caught.value.extra["column"] == column
    assert db.scalar(select(func.count()).select_from(InvestigationPlace)) == 0
    assert db.scalar(select(func.count()).select_from(Venue)) == venues


def test_the_case_cannot_name_themselves(cast, db, case):
    me = db.get(Person, case.person_id)
    with pytest.raises(Invalid, match="themselves") as caught:
        add_named_contact(db, cast["tracer"], case, id_number=me.id_number, relationship="本人",
                          last_contact_at=at(20))
    assert caught.value.extra["column"] == "id_number"
    assert db.scalar(select(func.count()).select_from(NamedContact)) == 0


def test_investigation_over_the_api(cast, db, client, case):
    add_venue(db, "M1", "market")
    friend = add_person(db, 3)
    headers = cast.headers("tracer")
    place = client.post("/api/v1/cases/HD-2022-001/places", headers=headers,
                        json={"venue_code": "M1", "start_at": "2022-03-27T10:00:00", "end_at": "2022-03-27T10:30:00"})
    assert place.status_code == 201, place.text
    named = client.post("/api/v1/cases/HD-2022-001/named-contacts", headers=headers,
                        json={"id_number": friend.id_number, "relationship": "同事",
                              "last_contact_at": "2022-03-27T20:00:00+08:00"})
    assert named.status_code == 201, named.text
    body = client.get("/api/v1/cases/HD-2022-001/investigation", headers=headers).json()
    assert [p["venue_code"] for p in body["places"]] == ["M1"]
    assert [(n["id_number"], n["relationship"]) for n in body["named"]] == [(friend.id_number, "同事")]
    bad = client.post("/api/v1/cases/HD-2022-001/named-contacts", headers=headers,
                      json={"id_number": friend.id_number, "relationship": "同事",
                            "last_contact_at": "2099-01-01T00:00:00+08:00"})
    assert bad.status_code == 422 and bad.json()["column"] == "last_contact_at"
