"""A stay of any length is found, however it was written: derivation bounds how early a stay can
have begun by the venue's longest stay, which triggers on check-ins keep in venue_stays
(statement-level on PostgreSQL, migration 0535; row-level on SQLite, migration 0795)."""

from __future__ import annotations

from sqlalchemy import text

from fangyi.config import get_settings
from fangyi.tracing.cases import clean_case, create_case
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row


def _close(db, cast, me) -> set[int]:
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    return set(db.scalars(text("SELECT person_id FROM contacts WHERE case_id = :c AND degree = 'close'"),
                          {"c": case.id}))


def test_a_stay_longer_than_any_before_at_its_venue_is_found(cast, db):
    me, short, long = (add_person(db, n) for n in (1, 2, 3))
    hall = add_venue(db, "H1", "restaurant")
    add_stay(db, short, hall, at(30), at(31))
    # Fifty hours: begun long before the case came, and longer than any stay there until now.
    add_stay(db, long, hall, at(-10), at(40))
    add_stay(db, me, hall, at(30), at(31))
    assert _close(db, cast, me) == {short.id, long.id}


def test_a_check_out_filled_in_later_makes_the_stay_long_and_it_is_found(cast, db):
    me, late = add_person(db, 1), add_person(db, 2)
    hall = add_venue(db, "H1", "restaurant")
    stay = add_stay(db, late, hall, at(0), None)  # without a check-out: the venue's default stay, an hour
    add_stay(db, me, hall, at(30), at(31))
    stay.out_at = int(at(40).timestamp())  # as a re-import fills in the check-out
    db.flush()
    assert _close(db, cast, me) == {late.id}


def test_a_long_stay_among_many_written_by_one_statement_is_found(cast, db):
    me, long, together, earlier, elsewhere = (add_person(db, n) for n in range(1, 6))
    hall, other = add_venue(db, "H1", "restaurant"), add_venue(db, "H2", "restaurant")
    add_stay(db, me, hall, at(30), at(31))
    # One INSERT of several stays at two venues, as an import writes them; one lasts two days.
    rows = [(together.id, hall.id, at(30), at(31)), (earlier.id, hall.id, at(20), at(21)),
            (elsewhere.id, other.id, at(30), at(31)), (long.id, hall.id, at(-8), at(40))]
    values = ", ".join(f"({p}, {v}, {int(s.timestamp())}, {int(e.timestamp())})" for p, v, s, e in rows)
    db.execute(text(f"INSERT INTO checkins (person_id, venue_id, in_at, out_at) VALUES {values}"))
    assert _close(db, cast, me) == {long.id, together.id}


def test_a_shorter_stay_or_a_deleted_one_leaves_the_bound_as_it_was(cast, db):
    person = add_person(db, 1)
    hall = add_venue(db, "H1", "restaurant")
    stay = add_stay(db, person, hall, at(0), at(20))
    add_stay(db, person, hall, at(21), at(22))
    longest = "SELECT longest FROM venue_stays WHERE venue_id = :v"
    assert db.scalar(text(longest), {"v": hall.id}) == 20 * 3600
    db.delete(stay)
    db.flush()
    # An upper bound: too high only makes the join read a little more, never miss a stay.
    assert db.scalar(text(longest), {"v": hall.id}) == 20 * 3600


def test_a_stay_moved_to_another_venue_makes_that_venues_bound_and_is_found(cast, db):
    me, moved = add_person(db, 1), add_person(db, 2)
    hall, shop = add_venue(db, "H1", "restaurant"), add_venue(db, "S1", "shop")
    stay = add_stay(db, moved, shop, at(-10), at(40))  # two days and more, at first in the shop
    add_stay(db, me, hall, at(30), at(31))
    stay.venue_id = hall.id  # corrected: it was the hall
    db.flush()
    assert _close(db, cast, me) == {moved.id}


def test_stays_written_by_the_imports_bulk_path_keep_the_bound(cast, db):
    from fangyi.registry.imports.writer import write

    me, long, short = (add_person(db, n) for n in (1, 2, 3))
    hall = add_venue(db, "H1", "restaurant")
    add_stay(db, me, hall, at(30), at(31))
    epoch = [int(at(h).timestamp()) for h in (-20, 40, 30, 31)]
    rows = [(short.id, hall.id, epoch[2], epoch[3], 2), (long.id, hall.id, epoch[0], epoch[1], 3),
            (long.id, hall.id, epoch[0], epoch[1], 4)]  # a row repeated, as platforms send them
    driver = db.connection().connection.driver_connection
    assert write(driver, db.get_bind().dialect.name == "postgresql", rows, 1) == (2, [])
    assert db.scalar(text("SELECT longest FROM venue_stays WHERE venue_id = :v"), {"v": hall.id}) == 60 * 3600
    assert _close(db, cast, me) == {long.id, short.id}
