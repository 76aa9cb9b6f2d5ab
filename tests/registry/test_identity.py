"""Identity documents and phones: what a registrar checks by hand."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangyi.identity import (
    IdentityError,
    check_character,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)


def test_published_example_number_is_valid_and_read():
    # The example from GB 11643's annex: born 1949-12-31, a woman.
    identity = parse_id_number("11010519491231002x")
    assert identity.id_number == "11010519491231002X"
    assert identity.birth_date == date(1949, 12, 31)
    assert identity.sex == "F"
    assert identity.doc_kind == "resident"


def test_bad_checksum_names_the_expected_character():
    with pytest.raises(IdentityError, match="checksum fails: last character should be X"):
        parse_id_number("110105194912310021")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("43042419900101123", "18 characters"),
        ("4304241990010112A4", "17 digits"),
        ("990424199001011234", "no province code"),
        ("430424199002301234", "impossible birth date"),
        ("P:12", "P:XXXX"),
    ],
)
def test_malformed_numbers_are_refused_with_reason(raw, reason):
    with pytest.raises(IdentityError, match=reason):
        parse_id_number(raw)


def test_passport_and_other_documents_keep_their_prefix():
    assert parse_id_number("p:e12345678").id_number == "P:E12345678"
    assert parse_id_number("O:HK-123456").doc_kind == "other"


@given(
    born=st.dates(min_value=date(1920, 1, 1), max_value=date(2021, 12, 31)),
    sequence=st.integers(min_value=0, max_value=499),
    sex=st.sampled_from(["M", "F"]),
)
def test_made_numbers_round_trip_birth_date_and_sex(born, sequence, sex):
    identity = parse_id_number(make_id_number("430424", born, sequence, sex))
    assert (identity.birth_date, identity.sex) == (born, sex)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_is_accepted(first17):
    accepted = [c for c in "0123456789X" if c == check_character(first17)]
    assert len(accepted) == 1


def test_masks_keep_area_and_last_four():
    assert mask_id_number("430424199001011234") == "430424********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert "E1234567" not in mask_id_number("P:E12345678")


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "86-13812345678"])
def test_mobile_numbers_are_normalised(raw):
    assert parse_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12812345678", "0734-5212345", "1381234567"])
def test_non_mobile_numbers_are_refused(raw):
    with pytest.raises(IdentityError, match="mainland mobile"):
        parse_phone(raw)


def test_a_number_born_today_in_local_time_is_accepted(monkeypatch):
    import fangyi.timeutil as timeutil

    born = date(2022, 3, 30)
    monkeypatch.setattr(timeutil, "today", lambda: born)
    assert parse_id_number(make_id_number("430424", born, 1, "F")).birth_date == born
    with pytest.raises(IdentityError, match="impossible birth date"):
        parse_id_number(make_id_number("430424", date(2022, 3, 31), 1, "F"))
