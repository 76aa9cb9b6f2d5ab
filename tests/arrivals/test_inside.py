"""An origin inside the county (a place of its registry): its level is the zones part's, from the
zones or risk areas in force over it on the arrival date (cn-8: sealed reads as high, controlled as
medium, precaution as low)."""

from __future__ import annotations

from datetime import date

from fangyi.arrivals import service
from fangyi.protocols.reader import load
from fangyi.quarantine.models import PlacementRequest
from fangyi.zones import service as zones
from tests.arrivals.world import local, number
from tests.conftest import CHENGGUAN, SHIJIN, XIAOQUANWU


def test_a_move_out_of_a_sealed_group_is_from_a_high_risk_place(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    zone = zones.propose(db, cast["commander"], kind="sealed", area_codes=[XIAOQUANWU], reason="病例住所",
                         at=local(2022, 3, 30, 20))
    zones.approve(db, cast["commander"], zone.id, at=local(2022, 3, 30, 21))
    cn8 = load("cn-8")
    assert service.risk_level(db, XIAOQUANWU, date(2022, 4, 2), cn8) == "high"
    assert service.risk_level(db, XIAOQUANWU, date(2022, 3, 29), cn8) is None  # before it was sealed
    assert service.risk_level(db, SHIJIN, date(2022, 4, 2), cn8) is None  # the village around it is not sealed
    done = service.register_arrival(db, cast["command_office"], id_number=number(1), name="出封控区",
                                    origin=XIAOQUANWU, arrived_at=local(2022, 4, 2, 10),
                                    staying_area_code=CHENGGUAN)
    assert done.arrival.origin_known and done.arrival.risk_level == "high"
    assert db.get(PlacementRequest, done.arrival.placement_request_id).category == "arrival_high_risk"


def test_a_place_code_the_registry_lacks_is_kept_and_flagged(db, cast):
    done = service.register_arrival(db, cast["command_office"], id_number=number(1), name="甲",
                                    origin="430424199001", arrived_at=local(2022, 4, 2, 10),
                                    staying_area_code=SHIJIN)
    assert not done.arrival.origin_known and done.arrival.risk_level is None
