"""Derivation agrees with a brute-force reading of the rules on random small worlds."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st
from sqlalchemy import insert, select

from fangyi.config import get_settings
from fangyi.protocols.reader import current
from fangyi.registry.models import VENUE_KINDS, Checkin, Person
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.contacts import refresh
from fangyi.tracing.derivation import from_epoch
from fangyi.tracing.models import Contact, InvestigationPlace, NamedContact
from tests.conftest import SHIJIN
from tests.tracing.reference import Stay, World, reference, window
from tests.tracing.world import add_person, add_stay, add_venue, at, id_number

NOW = at(24 * 8)
PERSONS = 9
CODES = ("V1", "V2", "V3", "V4")
# Whole hours over a few days, and short stays: stays that touch at an end are common.
step = st.integers(min_value=-10, max_value=60)
KINDS = ("household", "restaurant", "workplace", "gathering", "market", "shop", "vehicle")


@st.composite
def worlds(draw: st.DrawFn) -> tuple[World, dict[str, object]]:
    venues = draw(st.integers(min_value=2, max_value=3))
    codes = CODES[:venues]
    kinds = {code: draw(st.sampled_from(KINDS + VENUE_KINDS)) for code in codes}
    default_stays = {code: draw(st.sampled_from([None, None, 45, 600])) for code in codes}
    households = {p: draw(st.sampled_from([None, None, None, "H1", "H2"])) for p in range(PERSONS)}
    stays: dict[tuple[int, str, int], Stay] = {}
    for _ in range(draw(st.integers(min_value=5, max_value=40))):
        # The case (person 0) moves about more than anyone.
        person = draw(st.sampled_from([0, 0, 0, *range(1, PERSONS)]))
        venue = draw(st.sampled_from(codes))
        start = int(at(draw(step)).timestamp())
        length = draw(st.sampled_from([None, 0, 3600, 3600, 7200, 3 * 3600, 10 * 3600]))
        stays[(person, venue, start)] = Stay(person, venue, start, None if length is None else start + length)
    places = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = int(at(draw(step)).timestamp())
        places.append(Stay(0, draw(st.sampled_from(codes)), start, start + draw(st.sampled_from([0, 3600, 7200]))))
    named = {p: int(at(draw(step)).timestamp())
             for p in draw(st.sets(st.integers(min_value=1, max_value=PERSONS - 1), max_size=2))}
    onset = draw(st.sampled_from([None, date(2022, 3, 27), date(2022, 3, 28), date(2022, 3, 29)]))
    sampled = at(48 + draw(st.integers(min_value=0, max_value=24)))
    confirmed = sampled + timedelta(hours=draw(st.integers(min_value=0, max_value=30)))
    isolated = draw(st.sampled_from([None, None, at(-30), at(20), at(40)]))
    case = {
        "classification": draw(st.sampled_from(["confirmed", "asymptomatic"])),
        "onset": onset, "sampled": sampled, "confirmed": confirmed,
        "isolated": isolated if isolated is None or isolated <= confirmed else None,
        "quarantine_hours": draw(st.lists(st.sampled_from([-20, 10, 30, 45, 60]), min_size=PERSONS, max_size=PERSONS)),
        "quarantine_who": draw(st.sets(st.integers(min_value=1, max_value=PERSONS - 1), max_size=4)),
    }
    return World(kinds, default_stays, households, list(stays.values()), places, named), case


def _stored(db, case_id: int, ids: dict[int, int]) -> dict[int, tuple[object, ...]]:
    back = {person_id: n for n, person_id in ids.items()}
    found = {}
    for contact in db.scalars(select(Contact).where(Contact.case_id == case_id)):
        # In the order formats.md gives, each once: reasons by (from, to, venue code), the home and
        # the named before the venues; via by person id (the order the report's readers see).
        key = [(r.get("from", 0), r.get("to", 0), r.get("venue_code", "")) for r in contact.reasons]
        assert key == sorted(key) and len(set(map(str, contact.reasons))) == len(contact.reasons)
        assert contact.via == sorted(set(contact.via))
        reasons = {
            (r["kind"],) if r["kind"] != "venue" else ("venue", r["venue_code"], r["from"], r["to"])
            for r in contact.reasons
        }
        found[back[contact.person_id]] = (
            contact.degree, int(contact.first_exposure.timestamp()), int(contact.last_exposure.timestamp()),
            reasons, {back[v] for v in contact.via},
        )
    return found


def _expected(world: World, case: dict[str, object], quarantined: dict[int, int]) -> dict[int, tuple[object, ...]]:
    protocol = current()
    win = window(case["onset"], case["sampled"], case["confirmed"], case["isolated"],  # type: ignore[arg-type]
                 str(case["classification"]), protocol, get_settings().tz)
    result = reference(world, 0, win, protocol, int(NOW.timestamp()), quarantined)
    return {p: (e.degree, e.first, e.last, e.reasons, e.via) for p, e in result.items()}


@pytest.fixture(params=["cn-8", "cn-9", "half-hour"])
def edition(request, monkeypatch, tmp_path: Path) -> str:
    name = request.param
    if name == "half-hour":
        # A county edition with a minimum overlap, so that the overlap rule has teeth.
        path = tmp_path / "half-hour.toml"
        path.write_text('edition = "half-hour"\nextends = "cn-8"\ntitle = "t"\ntitle_en = "t"\n'
                        'published = "2022-04-01"\n[contacts]\nmin_overlap_minutes = 30\n', encoding="utf-8")
        name = str(path)
    monkeypatch.setenv("FANGYI_PROTOCOL", name)
    return name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(drawn=worlds())
def test_derivation_matches_the_brute_force_reference(cast, db, edition, drawn):
    world, case = drawn
    savepoint = db.begin_nested()
    try:
        persons = [add_person(db, n, household=world.households[n]) for n in range(PERSONS)]
        ids = {n: p.id for n, p in enumerate(persons)}
        venues = {code: add_venue(db, code, kind, stay_minutes=world.default_stays[code])
                  for code, kind in world.kinds.items()}
        for stay in world.stays:
            end = None if stay.end is None else at(0) + timedelta(seconds=stay.end - int(at(0).timestamp()))
            start = at(0) + timedelta(seconds=stay.start - int(at(0).timestamp()))
            add_stay(db, persons[stay.person], venues[stay.venue], start, end)
        fields = CaseFields(
            "HD-P-1", persons[0].id_number, str(case["classification"]), case["onset"],  # type: ignore[arg-type]
            case["sampled"], case["confirmed"], "local", isolated_at=case["isolated"],  # type: ignore[arg-type]
        )
        created = create_case(db, cast["tracer"], fields)
        for place in world.places:
            db.add(InvestigationPlace(case_id=created.id, venue_id=venues[place.venue].id,
                                      start_at=from_epoch(place.start), end_at=from_epoch(place.end or place.start)))
        for n, moment in world.named.items():
            db.add(NamedContact(case_id=created.id, person_id=ids[n], relationship="同事",
                                last_contact_at=from_epoch(moment)))
        refresh(db, cast["tracer"], created, at=NOW)
        expected = _expected(world, case, {})
        target(float(len(expected)))
        assert _stored(db, created.id, ids) == expected

        # Quarantine cut-offs: some close contacts' secondary windows end early.
        quarantined: dict[int, int] = {}
        for contact in db.scalars(select(Contact).where(Contact.case_id == created.id, Contact.degree == "close")):
            n = next(k for k, v in ids.items() if v == contact.person_id)
            if n in case["quarantine_who"]:  # type: ignore[operator]
                moment = at(case["quarantine_hours"][n])  # type: ignore[index]
                contact.quarantined_at = moment
                quarantined[n] = int(moment.timestamp())
        refresh(db, cast["tracer"], created, at=NOW)
        assert _stored(db, created.id, ids) == _expected(world, case, quarantined)
        assert db.scalar(select(Person.id).where(Person.id == persons[0].id)) is not None
    finally:
        savepoint.rollback()


# Heavy cases (issue 20): a workplace of close contacts who then ate out among over a thousand
# others, so that secondary contacts number more than a thousand and `via` lists grow long.
HEAVY_CLOSE = 25
HEAVY = 1300  # persons in all


@st.composite
def heavy_worlds(draw: st.DrawFn) -> tuple[World, dict[str, object]]:
    kinds = {"W1": "workplace", "R1": "restaurant", "R2": draw(st.sampled_from(["restaurant", "gathering", "school"])),
             "M1": draw(st.sampled_from(["market", "workplace"]))}
    default_stays = {"W1": None, "R1": draw(st.sampled_from([None, 45])), "R2": None, "M1": 600}
    households = {p: (draw(st.sampled_from([None, "H1", "H2"])) if p < 40 else None) for p in range(HEAVY)}
    hour = 3600
    stays: dict[tuple[int, str, int], Stay] = {}

    def stay(person: int, venue: str, start: int, length: int | None) -> None:
        begin = int(at(0).timestamp()) + start
        stays[(person, venue, begin)] = Stay(person, venue, begin, None if length is None else begin + length)

    stay(0, "W1", 9 * hour, 8 * hour)
    for person in range(1, HEAVY_CLOSE + 1):
        stay(person, "W1", draw(st.integers(min_value=9, max_value=12)) * hour, draw(st.sampled_from([4, 8, 0])) * hour)
        stay(person, ("R1", "R2")[person % 2], draw(st.integers(min_value=30, max_value=31)) * hour,
             draw(st.sampled_from([3 * hour, 6 * hour, None])))
    # Over a thousand others: at the restaurants while the close contacts were (one in eight
    # staying no time: at an end of theirs, or inside); a few at the market, never met.
    offsets = draw(st.lists(st.integers(min_value=0, max_value=6), min_size=8, max_size=8))
    for person in range(HEAVY_CLOSE + 1, HEAVY):
        venue = "M1" if person % 97 == 0 else ("R1", "R2")[person % 2]
        start = 31 * hour + offsets[person % 8] * 900 + (person % 3) * 300
        stay(person, venue, start, 0 if person % 8 == 3 else [None, hour, 3 * hour][person % 3])
    case = {"classification": "confirmed", "onset": date(2022, 3, 28), "sampled": at(48), "confirmed": at(60),
            "isolated": None, "quarantine_hours": [0] * HEAVY, "quarantine_who": set()}
    return World(kinds, default_stays, households, list(stays.values()), [], {}), case


def _load_bulk(db, world: World) -> dict[int, int]:
    """The world's persons and stays, inserted a statement each (1,200 persons one by one is slow)."""
    persons = {n: add_person(db, n, household=h) for n, h in world.households.items() if h is not None}
    rows = [{"id_number": id_number(n), "doc_kind": "resident", "name": f"人{n}", "area_code": SHIJIN}
            for n in world.households if n not in persons]
    db.execute(insert(Person), rows)
    by_number = dict(db.execute(select(Person.id_number, Person.id).where(
        Person.id_number.in_([id_number(n) for n in world.households]))).all())
    ids = {n: by_number[id_number(n)] for n in world.households}
    venues = {code: add_venue(db, code, kind, stay_minutes=world.default_stays[code]).id
              for code, kind in world.kinds.items()}
    db.execute(insert(Checkin), [{"person_id": ids[s.person], "venue_id": venues[s.venue], "in_at": s.start,
                                  "out_at": s.end} for s in world.stays])
    return ids


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(drawn=heavy_worlds())
def test_heavy_derivation_matches_the_brute_force_reference(cast, db, edition, drawn):
    world, case = drawn
    savepoint = db.begin_nested()
    try:
        ids = _load_bulk(db, world)
        fields = CaseFields("HD-H-1", id_number(0), "confirmed", case["onset"],  # type: ignore[arg-type]
                            case["sampled"], case["confirmed"], "local")  # type: ignore[arg-type]
        created = create_case(db, cast["tracer"], fields)
        refresh(db, cast["tracer"], created, at=NOW)
        expected = _expected(world, case, {})
        assert _stored(db, created.id, ids) == expected
        secondary = [e for e in expected.values() if e[0] == "secondary"]
        assert len(secondary) > 1000
    finally:
        savepoint.rollback()
