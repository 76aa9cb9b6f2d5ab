"""Arrivals' records on each side: someone from a medium-risk city staying in the side's village,
arrived yesterday (so that they are due a visit and temperatures today), and a fever sentinel's report."""

from __future__ import annotations

from datetime import date, timedelta

from fangyi.access import SYSTEM
from fangyi.arrivals import sentinels, service
from fangyi.identity import make_id_number
from fangyi.timeutil import now
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    service.save_origin_risk(session, SYSTEM, area_code="420100", level="medium", valid_from=date(2020, 1, 1),
                             valid_to=None)
    for n, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        done = service.register_arrival(
            session, SYSTEM, id_number=make_id_number("420106", date(1991, 2, 3), 70 + n, "M"),
            name=f"{word}乡返乡者甲", origin="420106", arrived_at=now() - timedelta(days=1),
            staying_area_code=side.village, phone=f"1370000000{n}", plate=f"鄂A0000{n}")
        side.add("arrival", done.arrival, done.name, done.arrival.phone, done.arrival.plate)
        # A fever sentinel's report on each side: a clinic of the side's village, someone new to the registry.
        reported = sentinels.report_sentinel(
            session, SYSTEM, id_number=make_id_number("430424", date(1985, 6, 7), 80 + n, "F"),
            name=f"{word}乡发热者乙", area_code=side.village, symptoms=["cough"], temperature=38.4,
            reporter_kind="clinic", institution=f"{word}乡矩阵诊所")
        side.add("sentinel", reported.report, f"{word}乡发热者乙", f"{word}乡矩阵诊所")
    session.flush()
