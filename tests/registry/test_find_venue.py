"""A venue as a person types it: its name (picked from the completion list, or typed whole), or its
code, within their jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from fangyi.errors import Invalid, NotFound
from fangyi.registry.models import Venue
from fangyi.registry.service import find_venue
from tests.conftest import CHENGGUAN, SHIJIN, Cast


def _venues(db: Session) -> None:
    db.add_all([Venue(code="HD0000305", name="石滩饭店", kind="restaurant", area_code=SHIJIN),
                Venue(code="HD0000306", name="好运超市", kind="supermarket", area_code=SHIJIN),
                Venue(code="HD0000900", name="好运超市", kind="supermarket", area_code=CHENGGUAN)])
    db.flush()


def test_a_venue_is_found_by_its_name_its_listed_choice_or_its_code(db: Session, cast: Cast) -> None:
    _venues(db)
    tracer = cast["tracer"]
    assert find_venue(db, tracer, "石滩饭店").code == "HD0000305"
    assert find_venue(db, tracer, " HD0000305 ").code == "HD0000305"
    assert find_venue(db, tracer, "好运超市（HD0000900）").code == "HD0000900"
    assert find_venue(db, tracer, "好运超市(HD0000306)").code == "HD0000306"
    with pytest.raises(Invalid) as several:
        find_venue(db, tracer, "好运超市")
    assert "HD0000306" in several.value.detail and "HD0000900" in several.value.detail
    with pytest.raises(NotFound):
        find_venue(db, tracer, "没有的店")


def test_a_township_account_finds_no_venue_of_another_township(db: Session, cast: Cast) -> None:
    _venues(db)
    doctor = cast["village_doctor"]  # 石滩乡
    assert find_venue(db, doctor, "好运超市").code == "HD0000306"  # the only one it can see
    with pytest.raises(NotFound):
        find_venue(db, doctor, "HD0000900")
    with pytest.raises(NotFound):
        find_venue(db, doctor, "好运超市（HD0000900）")
