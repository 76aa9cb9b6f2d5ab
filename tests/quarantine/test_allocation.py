"""A batch placed at once: nearest site first, a child with a parent, otherwise one per room, overrides."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from fangyi.quarantine import placing
from fangyi.quarantine.models import Placement, Room, TransportRequest
from fangyi.registry.models import Area
from tests.conftest import CHENGGUAN, SHIJIN
from tests.quarantine.world import add_person, add_site, local


def _request(db, cast, person):
    return placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                  reason="typed", last_exposure=local(2022, 3, 27, 12)).id


def _where(db, outcome):
    placements = db.scalars(select(Placement).where(Placement.id.in_(outcome.placements))).all()
    return {p.person_id: p for p in placements}


def test_nearest_site_first_and_one_per_room(db, cast):
    db.get(Area, SHIJIN).lat, db.get(Area, SHIJIN).lon = 27.10, 112.90  # 石金村
    db.get(Area, CHENGGUAN).lat, db.get(Area, CHENGGUAN).lon = 27.30, 113.10  # 城关社区, ~30 km away
    near = add_site(db, "NEAR", rooms=2, beds=2, lat=27.11, lon=112.91)
    far = add_site(db, "FAR", rooms=5, beds=2, lat=27.30, lon=113.10)
    villagers = [add_person(db, n, area=SHIJIN) for n in (1, 2, 3)]
    townsman = add_person(db, 4, area=CHENGGUAN)
    outcome = placing.allocate(db, cast["command_office"], [_request(db, cast, p) for p in (*villagers, townsman)])
    where = _where(db, outcome)
    sites = [where[p.id].site_id for p in villagers]
    # Two villagers fill the near site's two rooms (one each, though each has two beds); the third goes far.
    assert sorted(sites) == sorted([near.id, near.id, far.id])
    assert where[townsman.id].site_id == far.id
    assert len({where[p.id].room_id for p in (*villagers, townsman)}) == 4
    assert len(db.scalars(select(TransportRequest)).all()) == 4


def test_a_child_stays_with_a_parent_adults_apart(db, cast):
    add_site(db, rooms=3, beds=1)
    family_room = db.scalar(select(Room).where(Room.room == "103"))
    family_room.beds = 2
    mother = add_person(db, 1, household="H1", born=date(1990, 5, 1))
    child = add_person(db, 2, household="H1", born=date(2016, 6, 1))
    husband, wife = add_person(db, 3, household="H2"), add_person(db, 4, household="H2")
    outcome = placing.allocate(db, cast["command_office"], [_request(db, cast, p) for p in (mother, child)])
    where = _where(db, outcome)
    assert where[mother.id].room_id == where[child.id].room_id == family_room.id
    partial = placing.allocate(db, cast["command_office"], [_request(db, cast, p) for p in (husband, wife)],
                               partial=True)
    # Two adults of one household are one per room: two single rooms were free, both are used.
    assert len({p.room_id for p in _where(db, partial).values()}) == 2


def test_the_command_office_names_the_room(db, cast):
    site = add_site(db, rooms=3)
    chosen = db.scalar(select(Room).where(Room.site_id == site.id, Room.room == "103"))
    person = add_person(db, 1)
    request_id = _request(db, cast, person)
    outcome = placing.allocate(db, cast["command_office"], [request_id], rooms={request_id: chosen.id})
    assert _where(db, outcome)[person.id].room_id == chosen.id
    assert chosen.state == "occupied"
    # Kept at home by the command office, though the protocol would centralize a close contact.
    other = add_person(db, 2)
    kept = _request(db, cast, other)
    at_home = _where(db, placing.allocate(db, cast["command_office"], [kept], rooms={kept: "home"}))[other.id]
    assert (at_home.setting, at_home.room_id, at_home.address) == ("home", None, "石金村2号")


def test_home_quarantine_at_the_persons_address(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-9")  # a secondary contact stays at home under cn-9
    person = add_person(db, 7)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="secondary_contact",
                                     reason="typed", last_exposure=local(2022, 3, 28, 12))
    outcome = placing.allocate(db, cast["command_office"], [request.id])
    placed = _where(db, outcome)[person.id]
    assert (placed.setting, placed.room_id, placed.address) == ("home", None, "石金村7号")
    assert outcome.transports == []


def test_who_counts_as_a_child_is_the_editions(db, cast, tmp_path, monkeypatch):
    """A seventeen-year-old shares the family room with the parent under cn-8 (adult at 18), and
    is placed apart under a county edition that calls sixteen-year-olds adults."""
    (tmp_path / "county-16.toml").write_text(
        'edition = "county-16"\nextends = "cn-8"\ntitle = "县"\ntitle_en = "County"\n'
        'published = "2022-04-02"\n[placement]\nadult_age = 16\n', encoding="utf-8")
    add_site(db, rooms=4, beds=1)
    for room in db.scalars(select(Room).where(Room.room.in_(["103", "104"]))):
        room.beds = 2
    today = date.today()
    seventeen = today.replace(year=today.year - 17) - timedelta(days=30)

    def family(n: int, household: str) -> list[int]:
        parent = add_person(db, n, household=household, born=date(1980, 5, 1))
        child = add_person(db, n + 1, household=household, born=seventeen)
        outcome = placing.allocate(db, cast["command_office"], [_request(db, cast, p) for p in (parent, child)],
                                   partial=True)
        where = _where(db, outcome)
        return [where[parent.id].room_id, where[child.id].room_id]

    together = family(1, "H1")
    assert together[0] == together[1]
    monkeypatch.setenv("FANGYI_PROTOCOL", "county-16")
    monkeypatch.setenv("FANGYI_PROTOCOL_DIR", str(tmp_path))
    apart = family(3, "H2")
    assert apart[0] != apart[1]


def _family(db, cast):
    """cn-8: a parent and a child, close contacts last exposed on 27 March at 12:00, and a younger
    child, a secondary contact who last saw the parent on 28 March at 18:00."""
    today = date.today()
    parent = add_person(db, 1, household="F1", born=date(1985, 5, 1))
    elder = add_person(db, 2, household="F1", born=today.replace(year=today.year - 8))
    younger = add_person(db, 3, household="F1", born=today.replace(year=today.year - 5))
    requests = [placing.create_request(db, cast["command_office"], person_id=p.id, category=category,
                                       reason="家庭", last_exposure=exposed, linked_person_ids=linked).id
                for p, category, exposed, linked in (
                    (parent, "close_contact", local(2022, 3, 27, 12), []),
                    (elder, "close_contact", local(2022, 3, 27, 12), []),
                    (younger, "secondary_contact", local(2022, 3, 28, 18), [parent.id]))]
    return parent, elder, younger, requests


def _parent_turns(db, cast, parent, monkeypatch):
    from fangyi.quarantine import care

    monkeypatch.setattr(care, "now", lambda: local(2022, 4, 2, 10))  # taken out of the room then
    care.record_test(db, cast["site_manager"], person_id=parent.id, day=4, result="positive",
                     sampled_at=local(2022, 3, 31, 9))


def test_a_family_shares_a_family_room_and_the_children_clocks_move_when_the_parent_turns(db, cast, monkeypatch):
    from fangyi.quarantine import care

    add_site(db, rooms=4, beds=1)
    family_room = db.scalar(select(Room).where(Room.room == "104"))
    family_room.beds = 3
    parent, elder, younger, requests = _family(db, cast)
    where = _where(db, placing.allocate(db, cast["command_office"], requests))
    assert {where[p.id].room_id for p in (parent, elder, younger)} == {family_room.id}
    _parent_turns(db, cast, parent, monkeypatch)
    # Sharing the room with a case until 2 April 10:00: close contacts exposed that day, day 1 on
    # 3 April, 14 days to 16 April, out on 17 April (the elder's clock had said 11 April).
    for child in (elder, younger):
        placement = where[child.id]
        assert placement.category == "close_contact"
        assert care.clock_of(placement).release_date == date(2022, 4, 17)


def test_without_a_family_room_the_family_is_split_by_category(db, cast, monkeypatch):
    from fangyi.quarantine import care

    add_site(db, rooms=13, beds=1)
    for room in db.scalars(select(Room).where(Room.room.in_(["101", "102", "103"]))):
        room.beds = 2
    parent, elder, younger, requests = _family(db, cast)
    where = _where(db, placing.allocate(db, cast["command_office"], requests))  # no partial needed
    assert where[parent.id].room_id == where[elder.id].room_id != where[younger.id].room_id
    _parent_turns(db, cast, parent, monkeypatch)
    # The elder shared the parent's room: exposed until 2 April, out on 17 April. The younger, in a
    # room of their own, becomes a close contact by the last time they saw the parent (28 March):
    # day 14 is 11 April, out on 12 April.
    assert care.clock_of(where[elder.id]).release_date == date(2022, 4, 17)
    assert where[younger.id].category == "close_contact"
    assert care.clock_of(where[younger.id]).release_date == date(2022, 4, 12)
