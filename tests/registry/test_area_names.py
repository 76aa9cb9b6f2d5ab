"""Areas by name where a person reads or types them: 乡镇/村/组 paths for codes, and a typed name (or
the end of a path) found within the user's jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from fangyi.errors import Invalid
from fangyi.registry import service
from fangyi.registry.models import Area
from tests.conftest import CHENGGUAN, COUNTY, MISHUI, SHIJIN, SHITAN, XIAOQUANWU, Cast


def test_codes_read_as_township_village_group_names(db: Session, cast: Cast) -> None:
    labels = service.area_labels(db, cast["tracer"], [XIAOQUANWU, SHIJIN, SHITAN, COUNTY, "430424999001", ""])
    assert labels == {XIAOQUANWU: "石滩乡/石金村/小泉屋组", SHIJIN: "石滩乡/石金村", SHITAN: "石滩乡",
                      COUNTY: "衡东县", "430424999001": "430424999001"}  # no such area: its digits
    assert service.area_labels(db, cast["tracer"], []) == {}


def test_the_list_to_choose_from_holds_the_jurisdiction_only(db: Session, cast: Cast) -> None:
    county_wide = service.area_label_choices(db, cast["tracer"])
    assert county_wide == ["石滩乡", "石滩乡/石金村", "洣水镇", "洣水镇/城关社区"]  # no county, no groups
    assert service.area_label_choices(db, cast["village_doctor"]) == ["石滩乡", "石滩乡/石金村"]


def test_a_typed_name_or_path_finds_its_area(db: Session, cast: Cast) -> None:
    tracer = cast["tracer"]
    assert service.find_area(db, tracer, "石金村") == SHIJIN
    assert service.find_area(db, tracer, " 石滩乡/石金村 ") == SHIJIN
    assert service.find_area(db, tracer, "石滩乡／石金村") == SHIJIN  # a full-width slash, as IMEs type it
    assert service.find_area(db, tracer, "石金村/小泉屋组") == XIAOQUANWU
    assert service.find_area(db, tracer, "洣水镇") == MISHUI
    assert service.find_area(db, tracer, CHENGGUAN) == CHENGGUAN  # a code is taken as it is
    assert service.find_area(db, tracer, "") == ""


def test_an_unknown_outside_or_ambiguous_name_is_refused_with_a_reason(db: Session, cast: Cast) -> None:
    with pytest.raises(Invalid, match="no area named '无此村'") as unknown:
        service.find_area(db, cast["tracer"], "无此村")
    assert unknown.value.extra == {"column": "area"}
    with pytest.raises(Invalid, match="no area named '洣水镇/石金村'"):
        service.find_area(db, cast["tracer"], "洣水镇/石金村")  # the name, but not under that township
    with pytest.raises(Invalid, match="no area named '城关社区' in your jurisdiction"):
        service.find_area(db, cast["village_doctor"], "城关社区")  # 洣水镇's: outside 石滩乡
    db.add(Area(code="430424102002", name="石金村", level="village", parent_code=MISHUI))
    db.flush()
    with pytest.raises(Invalid, match=r"2 areas are named '石金村' \(石滩乡/石金村; 洣水镇/石金村\)"):
        service.find_area(db, cast["tracer"], "石金村")
    assert service.find_area(db, cast["tracer"], "洣水镇/石金村") == "430424102002"
    assert service.find_area(db, cast["village_doctor"], "石金村") == SHIJIN  # the only one they may see
