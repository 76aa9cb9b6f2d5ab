"""Chains: cases linked by source links, by being each other's contacts, or by shared contacts."""

from __future__ import annotations

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.config import get_settings
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.chains import chain_figure, clusters
from tests.conftest import CHENGGUAN, MISHUI
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


def _case(db, cast, person, case_no, **over):
    return create_case(db, cast["tracer"], clean_case(case_row(person, case_no=case_no, **over), get_settings().tz))


def test_cases_fall_into_clusters(cast, db):
    a, b, c, d, e, shared = (add_person(db, n) for n in (1, 2, 3, 4, 5, 6))
    restaurant, shop = add_venue(db, "R1", "restaurant"), add_venue(db, "S1", "shop")
    add_stay(db, a, restaurant, at(12), at(13))
    add_stay(db, c, restaurant, at(12), at(13))  # c is a's close contact, and later a case
    add_stay(db, d, shop, at(30), at(31))
    add_stay(db, shared, shop, at(30.5), at(31))  # d and e share a contact at the shop
    add_stay(db, e, shop, at(30.5), at(31))
    _case(db, cast, a, "HD-1")
    _case(db, cast, b, "HD-2", infected_by="HD-1", confirmed_at="2022-03-30T12:00:00+08:00")
    _case(db, cast, c, "HD-3", confirmed_at="2022-03-30T13:00:00+08:00")
    _case(db, cast, d, "HD-4", source="local", confirmed_at="2022-03-30T14:00:00+08:00")
    _case(db, cast, e, "HD-5", source="local", confirmed_at="2022-03-30T15:00:00+08:00")
    found = clusters(db)
    assert [(cl.name, cl.cases) for cl in found] == [("HD-1", ["HD-1", "HD-2", "HD-3"]), ("HD-4", ["HD-4", "HD-5"])]
    kinds = {(link.source, link.target, link.kind) for link in found[0].links}
    assert {("HD-1", "HD-2", "source"), ("HD-1", "HD-3", "contact")} <= kinds
    assert any(link.kind == "shared_contact" and link.shared >= 1 for link in found[1].links)
    figure = chain_figure(found[0])
    assert figure["data"][-1]["text"] == ["HD-1", "HD-2", "HD-3"]


def test_chain_over_the_api(cast, db, client):
    a, b = add_person(db, 1), add_person(db, 2)
    _case(db, cast, a, "HD-1")
    _case(db, cast, b, "HD-2", infected_by="HD-1", confirmed_at="2022-03-30T12:00:00+08:00")
    chain = client.get("/api/v1/cases/HD-2/chain", headers=cast.headers("commander"))
    assert chain.status_code == 200, chain.text
    assert chain.json()["cluster"]["cases"] == ["HD-1", "HD-2"] and chain.json()["figure"]["data"]
    listed = client.get("/api/v1/clusters", headers=cast.headers("commander")).json()
    assert [(c["name"], c["size"]) for c in listed] == [("HD-1", 2)]
    assert client.get("/api/v1/clusters", headers=cast.headers("driver")).status_code == 403


def test_a_township_reads_its_share_of_a_cluster(cast, db, client):
    """A cluster across two townships: each township's tracer sees its own cases by number and the
    other township's only as a count, in the list, the chain and the figure."""
    a, b = add_person(db, 1), add_person(db, 2, area=CHENGGUAN)
    _case(db, cast, a, "HD-1")
    _case(db, cast, b, "HD-2", infected_by="HD-1", confirmed_at="2022-03-30T12:00:00+08:00")
    mishui = accounts.create_user(db, SYSTEM, username="mishui-tracer", password="mishui-pass-2022", role="tracer",
                                  area_code=MISHUI)
    headers = {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, mishui, 'test')}"}
    db.flush()
    listed = client.get("/api/v1/clusters", headers=headers)
    assert listed.status_code == 200
    assert [(c["name"], c["cases"], c["size"], c["hidden"]) for c in listed.json()] == [("HD-2", ["HD-2"], 2, 1)]
    chain = client.get("/api/v1/cases/HD-2/chain", headers=headers)
    assert chain.status_code == 200 and "HD-1" not in chain.text
    assert chain.json()["cluster"]["links"] == []
    assert client.get("/api/v1/cases/HD-1/chain", headers=headers).status_code == 404
    # The county sees the whole cluster.
    whole = client.get("/api/v1/clusters", headers=cast.headers("commander")).json()
    assert [(c["cases"], c["hidden"]) for c in whole] == [(["HD-1", "HD-2"], 0)]


def _row_case(db, person, case_no, confirmed, source_case=None, onset=None):
    """A case written as a row, its contacts never derived (as an investigation entered later)."""
    from fangyi.tracing.models import Case

    case = Case(case_no=case_no, person_id=person.id, classification="confirmed", onset_date=onset,
                sampled_at=confirmed, confirmed_at=confirmed, source="local",
                infected_by_case_id=source_case.id if source_case is not None else None)
    db.add(case)
    db.flush()
    return case


def test_each_link_says_where_the_two_met(cast, db):
    """The contact list's reasons first (a shared home, a venue's kind), else a home the two share,
    else the venue where their check-ins overlapped longest in the fortnight before; the cluster
    counts its links' settings and keeps its first and last onset and confirmation."""
    from datetime import date

    a, mate, diner = add_person(db, 1, household="H-1"), add_person(db, 2, household="H-1"), add_person(db, 3)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, a, restaurant, at(12), at(13))
    add_stay(db, diner, restaurant, at(12), at(13))
    _case(db, cast, a, "HD-1")
    _case(db, cast, mate, "HD-2", confirmed_at="2022-03-30T12:00:00+08:00", onset_date="2022-03-29")
    _case(db, cast, diner, "HD-3", confirmed_at="2022-03-30T13:00:00+08:00", onset_date="2022-03-30")
    # Two cases of rows (no contact list): a pupil gave it to a classmate at school, a week before;
    # a shop's short overlap counts less than the school's.
    pupil, classmate = add_person(db, 4), add_person(db, 5)
    school, shop = add_venue(db, "SCH1", "school"), add_venue(db, "S1", "shop")
    for person in (pupil, classmate):
        add_stay(db, person, school, at(8), at(12))
        add_stay(db, person, shop, at(13), at(13.25))
    first = _row_case(db, pupil, "HD-4", at(72), onset=date(2022, 3, 29))
    _row_case(db, classmate, "HD-5", at(80), source_case=first)
    found = {c.name: c for c in clusters(db, settings=True)}
    one = found["HD-1"]
    placed = {(link.source, link.target): link.setting for link in one.links if link.kind == "contact"}
    assert placed[("HD-1", "HD-2")] == "household" and placed[("HD-1", "HD-3")] == "restaurant"
    assert one.settings == [("household", 1), ("restaurant", 1)]
    assert (one.first_onset, one.last_onset) == (date(2022, 3, 28), date(2022, 3, 30))
    assert one.last_confirmed is not None and one.last_confirmed > one.first_confirmed
    two = found["HD-4"]
    assert [(link.kind, link.setting) for link in two.links] == [("source", "school")]
    assert two.settings == [("school", 1)]
    # Without being asked, nothing is placed (the case pages' chains stay as cheap as they were).
    assert all(link.setting is None for c in clusters(db) for link in c.links)


def test_a_link_nothing_places_stays_unplaced(cast, db):
    a, b = add_person(db, 1), add_person(db, 2)
    first = _row_case(db, a, "HD-1", at(72))
    _row_case(db, b, "HD-2", at(80), source_case=first)
    (cluster,) = clusters(db, settings=True)
    assert [link.setting for link in cluster.links] == [None] and cluster.settings == []
