"""A list read a page at a time is the report's list: same entries, same order, nothing twice."""

from __future__ import annotations

import io
import json
from datetime import date

from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.config import get_settings
from fangyi.identity import make_id_number, mask_id_number
from fangyi.registry.persons import merge_persons, undo_merge, update_person
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.models import Contact
from fangyi.tracing.trace import contact_page, trace_report, write_report
from tests.conftest import add_areas
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row, meal_then_office


def test_paging_through_a_list_gives_the_whole_report(db):
    add_areas(db)
    me, _ = meal_then_office(db, range(2, 9), range(9, 30))
    case = create_case(db, SYSTEM, clean_case(case_row(me), get_settings().tz))
    # A rejected contact is left out of the report, and so of its pages.
    rejected = db.scalars(select(Contact).where(Contact.case_id == case.id, Contact.degree == "close")).first()
    assert rejected is not None
    rejected.status = "rejected"
    db.flush()

    report = trace_report(db, case)
    for degree, size in (("close", 3), ("secondary", 4)):
        whole = report[f"{degree}_contacts"]
        paged, after = [], None
        while page := contact_page(db, case, degree, limit=size, after=after):
            paged += page
            after = page[-1]["id_number"]
        assert paged == whole and len(whole) == (6 if degree == "close" else 21)
    masked = contact_page(db, case, "secondary", limit=1, unmasked=False)[0]
    assert masked["id_number"] == mask_id_number(report["secondary_contacts"][0]["id_number"])
    assert masked["via"] == [mask_id_number(n) for n in report["secondary_contacts"][0]["via"]]


def test_the_streamed_report_is_the_report_as_fangyi_trace_json_printed_it(db):
    """`fangyi trace --json` writes the list a batch at a time; what a script reads is the same
    JSON, to the byte, as the whole report dumped at once (batches smaller than the lists here)."""
    add_areas(db)
    me = add_person(db, 1)
    restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
    add_stay(db, me, restaurant, at(12), at(13))
    for n in range(2, 7):
        person = add_person(db, n)
        add_stay(db, person, restaurant, at(12.5), at(14))
        add_stay(db, person, office, at(30), at(38))
    for n in range(7, 20):
        add_stay(db, add_person(db, n), office, at(31), at(33))
    case = create_case(db, SYSTEM, clean_case(case_row(me), get_settings().tz))
    for unmasked in (True, False):
        out = io.StringIO()
        write_report(db, case, out, unmasked=unmasked, batch=4)
        report = trace_report(db, case, unmasked=unmasked)
        assert out.getvalue() == json.dumps(report, ensure_ascii=False, indent=2)
        assert len(report["close_contacts"]) == 5 and len(report["secondary_contacts"]) == 13
    # A case without contacts: empty lists, as json.dumps writes them.
    alone = create_case(db, SYSTEM, clean_case(case_row(add_person(db, 40), case_no="HD-2022-040"), get_settings().tz))
    out = io.StringIO()
    write_report(db, alone, out)
    assert out.getvalue() == json.dumps(trace_report(db, alone), ensure_ascii=False, indent=2)


def test_a_corrected_identity_number_moves_the_contact_to_its_place_in_the_pages(db, cast):
    """The lists are in identity number order; a number corrected in the registry after the
    derivation (by the command office, through the registry's own service) reorders the pages and the
    report alike, without deriving the case again."""
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    close = [add_person(db, n) for n in range(2, 6)]
    for person in close:
        add_stay(db, person, restaurant, at(12.5), at(14))
    case = create_case(db, SYSTEM, clean_case(case_row(me), get_settings().tz))
    first = contact_page(db, case, "close", limit=1)[0]["id_number"]
    assert first == min(p.id_number for p in close)
    # The first in the list is given a number after everyone else's (another birth date, same area).
    moved = next(p for p in close if p.id_number == first)
    corrected = make_id_number(moved.id_number[:6], date(1999, 12, 31), 7, "M")
    assert corrected > max(p.id_number for p in close)
    update_person(db, cast["command_office"], moved.id, {"id_number": corrected, "birth_date": date(1999, 12, 31),
                                                     "sex": "M"})
    numbers = [entry["id_number"] for entry in contact_page(db, case, "close", limit=10)]
    assert numbers == sorted(p.id_number for p in close) and numbers[-1] == corrected
    assert [e["id_number"] for e in trace_report(db, case)["close_contacts"]] == numbers


def test_a_merged_contact_is_listed_and_paged_under_the_survivors_number(db, cast):
    """A merge moves the contact to the survivor: the lists order it by the survivor's number, and
    paging one at a time with `after` still gives every contact; so after the merge is undone."""
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    close = [add_person(db, n) for n in range(2, 7)]
    for person in close:
        add_stay(db, person, restaurant, at(12.5), at(14))
    case = create_case(db, SYSTEM, clean_case(case_row(me), get_settings().tz))
    lowest = min(close, key=lambda person: person.id_number)
    survivor = add_person(db, 40)  # not a contact, numbered above every contact
    assert survivor.id_number > max(person.id_number for person in close)

    def listed() -> tuple[list[str], list[str]]:
        whole = [entry["id_number"] for entry in contact_page(db, case, "close", limit=50)]
        paged: list[str] = []
        after = None
        while page := contact_page(db, case, "close", limit=1, after=after):
            paged += [entry["id_number"] for entry in page]
            after = page[-1]["id_number"]
            assert len(paged) <= len(close)
        return whole, paged

    merge = merge_persons(db, cast["command_office"], survivor_id=survivor.id, merged_id=lowest.id, reason="dup")
    db.flush()
    whole, paged = listed()
    numbers = sorted([p.id_number for p in close if p is not lowest] + [survivor.id_number])
    assert whole == numbers and paged == numbers

    undo_merge(db, cast["command_office"], merge.id)
    db.flush()
    whole, paged = listed()
    assert whole == sorted(p.id_number for p in close) and paged == whole
