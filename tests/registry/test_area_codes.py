"""Area codes: shape by level, parent, and jurisdiction."""

from __future__ import annotations

import pytest

from fangyi.areacodes import AreaCodeError, level_of, parent_of, within
from fangyi.registry.fields import clean_area
from fangyi.registry.persons import FieldError


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("430424", "county", None),
        ("430424101000", "township", "430424"),
        ("430424101001", "village", "430424101000"),
        ("430424101001001", "group", "430424101001"),
    ],
)
def test_level_and_parent_follow_the_code(code, level, parent):
    assert level_of(code) == level
    assert parent_of(code) == parent


@pytest.mark.parametrize("code", ["43042", "430424000000", "430424101001000", "4304241010a1", "430424101000001"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(AreaCodeError):
        level_of(code)


def test_jurisdiction_of_a_township_covers_its_villages_and_groups_only():
    assert within("430424101001001", "430424101000")
    assert within("430424101000", "430424101000")
    assert not within("430424102001", "430424101000")
    assert within("430424102001", "430424")


def test_area_row_with_wrong_parent_names_the_column():
    with pytest.raises(FieldError) as caught:
        clean_area({"code": "430424101001", "name": "石金村", "level": "village", "parent_code": "430424102000"})
    assert caught.value.column == "parent_code"


def test_area_row_level_must_fit_the_code():
    with pytest.raises(FieldError, match="shaped as a village"):
        clean_area({"code": "430424101001", "name": "石金村", "level": "township"})
