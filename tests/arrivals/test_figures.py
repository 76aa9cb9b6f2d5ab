"""The daily report's `arrivals`: registered that day and in total, under measures, the village's
work due and done, each with its Chinese and English words; counted inside the reader's jurisdiction."""

from __future__ import annotations

from datetime import date

from fangyi.arrivals import service
from fangyi.arrivals.words import WORDS
from fangyi.parts import installed
from tests.arrivals.world import WUHAN_WUCHANG, local, number
from tests.conftest import CHENGGUAN, SHIJIN

CORE = ("today", "total", "under_measures", "visits_due", "visits_done")


def test_the_days_figures(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    office, doctor = cast["command_office"], cast["village_doctor"]
    service.save_origin_risk(db, office, area_code="420100", level="medium", valid_from=date(2022, 3, 1),
                             valid_to=None)
    mine = service.register_arrival(db, office, id_number=number(1), name="一", origin=WUHAN_WUCHANG,
                                    arrived_at=local(2022, 4, 2, 10), staying_area_code=SHIJIN).arrival
    service.register_arrival(db, office, id_number=number(2), name="二", origin="440300",
                             arrived_at=local(2022, 4, 3, 9), staying_area_code=CHENGGUAN)
    service.record_work(db, doctor, arrival_id=mine.id, kind="first_visit", day=date(2022, 4, 3))
    service.record_work(db, doctor, arrival_id=mine.id, kind="temperature", day=date(2022, 4, 3), temperature=36.4)
    report = dict(installed().figures)["arrivals"]

    def figures(day, who):
        return {key: value for key, value in report(db, day, who).items() if key in CORE}

    # County-wide on 3 April: the second came that day; the first is on day 1 of monitoring (first
    # visit, two temperatures, the day-1 test), the second is due a first visit.
    assert figures(date(2022, 4, 3), office) == {"today": 1, "total": 2, "under_measures": 1,
                                                     "visits_due": 5, "visits_done": 2}
    # The village doctor's township holds only the first.
    assert figures(date(2022, 4, 3), doctor) == {"today": 0, "total": 1, "under_measures": 1,
                                                     "visits_due": 4, "visits_done": 2}
    # As of 1 April nobody had come.
    assert figures(date(2022, 4, 1), office) == {"today": 0, "total": 0, "under_measures": 0,
                                                     "visits_due": 0, "visits_done": 0}
    # By origin risk: Wuhan was listed medium, Shenzhen not listed at all.
    by_risk = {key: value for key, value in report(db, date(2022, 4, 3), office).items() if key.startswith("origin_")}
    assert by_risk == {"origin_high": 0, "origin_medium": 1, "origin_low": 0, "origin_local_cases": 0,
                       "origin_none": 1}
    # Every figure named by a key has its words (a village's coverage is under the village's own name).
    assert all(f"report.fig.arrivals.{key}" in WORDS
               for key in report(db, date(2022, 4, 3), office) if key.isascii())
