"""Persons: the field cross-checks, audited writes, and merges that can be undone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Forbidden, NotFound
from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person, PersonMerge, Venue
from fangyi.registry.persons import (
    FieldError,
    clean_person,
    merge_persons,
    save_person,
    search_persons,
    undo_merge,
)
from tests.conftest import CHENGGUAN, SHIJIN, XIAOQUANWU

LIU = make_id_number("430424", date(1985, 6, 1), 12, "M")


def person_row(**over: str) -> dict[str, str | None]:
    row: dict[str, str | None] = {"id_number": LIU, "name": "刘建国", "area_code": XIAOQUANWU}
    row.update(over)
    return row


def test_birth_date_contradicting_the_number_is_refused():
    with pytest.raises(FieldError) as caught:
        clean_person(person_row(birth_date="1985-06-02"))
    assert caught.value.column == "birth_date"
    # What the number says is not repeated: with a masked number, the birth date completes it.
    assert "contradicts the identity number" in caught.value.reason and "1985-06-01" not in caught.value.reason


def test_sex_contradicting_the_number_is_refused():
    with pytest.raises(FieldError, match="contradicts") as caught:
        clean_person(person_row(sex="女"))
    assert caught.value.column == "sex"


def test_sex_and_birth_date_are_read_from_the_number():
    fields = clean_person(person_row())
    assert (fields.sex, fields.birth_date) == ("M", date(1985, 6, 1))


def test_created_person_is_audited_with_after(cast, db):
    person = save_person(db, cast["admin"], clean_person(person_row(household="HD-1")))
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.entity_id == str(person.id)))
    assert entry is not None and entry.action == "create" and entry.actor == "admin"
    assert entry.after is not None and entry.after["id_number"] == LIU and entry.after["household"] == "HD-1"


def test_update_records_only_what_changed(cast, db):
    person = save_person(db, cast["admin"], clean_person(person_row()))
    save_person(db, cast["admin"], clean_person(person_row(phone="13812345678")), person)
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity_id == str(person.id))
    ).one()
    assert entry.before == {"phone": None}
    assert entry.after == {"phone": "13812345678"}


def test_same_number_twice_is_a_conflict(cast, db):
    save_person(db, cast["admin"], clean_person(person_row()))
    with pytest.raises(Conflict):
        save_person(db, cast["admin"], clean_person(person_row(name="刘建军")))


def test_village_doctor_cannot_register_outside_township(cast, db):
    with pytest.raises(NotFound):
        save_person(db, cast["village_doctor"], clean_person(person_row(area_code=CHENGGUAN)))


def test_search_stays_inside_jurisdiction(cast, db):
    save_person(db, cast["admin"], clean_person(person_row()))
    other = make_id_number("430424", date(1990, 1, 1), 3, "F")
    save_person(db, cast["admin"], clean_person(person_row(id_number=other, name="刘芳", area_code=CHENGGUAN)))
    names = {p.name for p in search_persons(db, cast["village_doctor"], q="刘")[0]}
    assert names == {"刘建国"}
    assert {p.name for p in search_persons(db, cast["commander"], q="刘")[0]} == {"刘建国", "刘芳"}


def _venue(db) -> Venue:
    venue = Venue(code="V-MARKET", name="石滩集市", kind="market", area_code=SHIJIN)
    db.add(venue)
    db.flush()
    return venue


def test_merge_moves_every_checkin_and_undo_restores_them(cast, db):
    admin = cast["admin"]
    survivor = save_person(db, admin, clean_person(person_row()))
    duplicate = save_person(
        db, admin, clean_person({"id_number": "P:E12345678", "name": "刘建国", "area_code": XIAOQUANWU,
                                 "phone": "13912345678"})
    )
    venue = _venue(db)
    db.add_all([
        Checkin(person_id=duplicate.id, venue_id=venue.id, in_at=1000, out_at=2000),
        Checkin(person_id=duplicate.id, venue_id=venue.id, in_at=5000, out_at=6000),
        Checkin(person_id=survivor.id, venue_id=venue.id, in_at=9000, out_at=9500),
    ])
    db.flush()

    merge = merge_persons(db, admin, survivor_id=survivor.id, merged_id=duplicate.id, reason="same man, passport")
    db.refresh(survivor)
    db.refresh(duplicate)
    assert db.scalar(select(func.count()).where(Checkin.person_id == survivor.id)) == 3
    assert duplicate.merged_into_id == survivor.id
    assert survivor.phone == "13912345678"  # filled from the merged record
    assert [p.id for p in search_persons(db, admin, q="刘建国")[0]] == [survivor.id]

    undo_merge(db, admin, merge.id)
    db.refresh(survivor)
    db.refresh(duplicate)
    assert db.scalar(select(func.count()).where(Checkin.person_id == survivor.id)) == 1
    assert db.scalar(select(func.count()).where(Checkin.person_id == duplicate.id)) == 2
    assert duplicate.merged_into_id is None and survivor.phone is None
    assert db.get(PersonMerge, merge.id).undone_at is not None
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(survivor.id))).all()
    assert {"merge", "unmerge"} <= set(actions)


def test_a_stay_recorded_under_both_documents_is_kept_not_lost(cast, db):
    admin = cast["admin"]
    survivor = save_person(db, admin, clean_person(person_row()))
    duplicate = save_person(db, admin, clean_person({"id_number": "O:HK-778899", "name": "刘建国",
                                                     "area_code": XIAOQUANWU}))
    venue = _venue(db)
    db.add_all([Checkin(person_id=p.id, venue_id=venue.id, in_at=1000) for p in (survivor, duplicate)])
    db.flush()
    merge_persons(db, admin, survivor_id=survivor.id, merged_id=duplicate.id, reason="dup")
    assert db.scalar(select(func.count()).select_from(Checkin)) == 2


def test_merge_needs_the_permission_and_refuses_itself(cast, db):
    person = save_person(db, cast["admin"], clean_person(person_row()))
    with pytest.raises(Forbidden):
        merge_persons(db, cast["sampler"], survivor_id=person.id, merged_id=person.id, reason="x")
    from fangyi.errors import Invalid

    with pytest.raises(Invalid):
        merge_persons(db, cast["admin"], survivor_id=person.id, merged_id=person.id, reason="x")


def test_merged_record_is_not_counted_in_the_registry_figures(cast, db):
    from fangyi.registry.figures import figures

    a = save_person(db, cast["admin"], clean_person(person_row()))
    b = save_person(db, cast["admin"], clean_person({"id_number": "P:E7654321", "name": "刘建国",
                                                     "area_code": XIAOQUANWU}))
    assert figures(db, date(2022, 4, 1), SYSTEM)["persons"] == 2
    merge_persons(db, cast["admin"], survivor_id=a.id, merged_id=b.id, reason="dup")
    assert figures(db, date(2022, 4, 1), SYSTEM)["persons"] == 1
    assert db.scalar(select(func.count()).select_from(Person)) == 2


def test_undo_keeps_a_correction_made_after_the_merge(cast, db):
    admin = cast["admin"]
    survivor = save_person(db, admin, clean_person(person_row()))
    duplicate = save_person(db, admin, clean_person({"id_number": "P:E12345678", "name": "刘建国",
                                                     "area_code": XIAOQUANWU, "phone": "13912345678"}))
    merge = merge_persons(db, admin, survivor_id=survivor.id, merged_id=duplicate.id, reason="dup")
    db.refresh(survivor)
    save_person(db, admin, clean_person(person_row(phone="13700001111")), survivor)  # corrected since
    undo_merge(db, admin, merge.id)
    db.refresh(survivor)
    assert survivor.phone == "13700001111"


def test_merges_are_undone_newest_first(cast, db):
    admin = cast["admin"]
    a = save_person(db, admin, clean_person(person_row()))
    b = save_person(db, admin, clean_person({"id_number": "P:E1111111", "name": "刘建国", "area_code": XIAOQUANWU}))
    c = save_person(db, admin, clean_person({"id_number": "O:HK-222222", "name": "刘建国", "area_code": XIAOQUANWU}))
    venue = _venue(db)
    db.add(Checkin(person_id=a.id, venue_id=venue.id, in_at=1000))
    db.flush()
    first = merge_persons(db, admin, survivor_id=b.id, merged_id=a.id, reason="dup")
    second = merge_persons(db, admin, survivor_id=c.id, merged_id=b.id, reason="dup")
    with pytest.raises(Conflict, match=f"undo merge {second.id} first"):
        undo_merge(db, admin, first.id)
    undo_merge(db, admin, second.id)
    undo_merge(db, admin, first.id)
    assert db.scalar(select(Checkin.person_id)) == a.id


def test_full_number_searches_by_masked_viewers_are_on_the_trail(cast, db):
    save_person(db, cast["admin"], clean_person(person_row()))
    assert [p.name for p in search_persons(db, cast["village_doctor"], q=LIU)[0]] == ["刘建国"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "search_identity"))
    assert entry is not None and entry.actor == "village_doctor" and LIU not in (entry.note or "")
    # The last four find the person; a longer tail (a guess at hidden digits) does not.
    assert len(search_persons(db, cast["village_doctor"], q=LIU[-4:])[0]) == 1
    assert search_persons(db, cast["village_doctor"], q=LIU[-8:])[0] == []
