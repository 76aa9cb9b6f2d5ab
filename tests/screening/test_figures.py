"""The daily report's testing figures count only what lies in the asker's jurisdiction: people where
they are registered, tubes at their own point."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.screening import figures
from fangyi.screening.models import Control, Sample, Tube
from fangyi.screening.setup import create_point
from tests.conftest import CHENGGUAN, COUNTY, MISHUI, SHITAN
from tests.screening.conftest import START, Ground

DAY = date(2022, 4, 1)


def _tube(db: Session, ground: Ground, barcode: str, point_id: int, people: list[int], **more: object) -> Tube:
    found = Tube(barcode=barcode, round_id=ground.round.id, point_id=point_id, pool_size=5, members=len(people),
                 opened_at=START, **({"state": "closed"} | more))
    db.add(found)
    db.flush()
    db.add_all([Sample(tube_id=found.id, person_id=ground.people[n].id, round_id=ground.round.id,
                       sampled_at=START + timedelta(hours=1)) for n in people])
    return found


def test_testing_figures_count_within_the_jurisdiction(db: Session, ground: Ground) -> None:
    far = create_point(db, SYSTEM, code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    _tube(db, ground, "TF000001", ground.point.id, [0, 1, 2])
    positive = _tube(db, ground, "TF000002", ground.point.id, [3, 4], result="positive", state="tested",
                     tested_at=START + timedelta(hours=6))
    _tube(db, ground, "TF000003", far.id, [12], result="positive", state="tested", tested_at=START + timedelta(hours=6))
    for n in (3, 4, 12):
        db.add(Control(person_id=ground.people[n].id, reason="pool_positive", tube_id=positive.id,
                       started_at=START + timedelta(hours=6)))
    db.flush()
    users = {area: accounts.create_user(db, SYSTEM, username=f"office-{area}", password="office-pass-2022",
                                        role="command_office", area_code=area) for area in (COUNTY, SHITAN, MISHUI)}
    everything = figures.testing_figures(db, DAY, SYSTEM)
    assert figures.testing_figures(db, DAY, users[COUNTY]) == everything
    assert everything | {"coverage": 0} == {
        "people_sampled": 6, "tubes": 3, "tubes_tested": 2, "tubes_pending": 1, "tubes_resulted": 2,
        "positive_pools": 2, "people_under_pool_control": 3, "coverage": 0}
    shitan = figures.testing_figures(db, DAY, users[SHITAN])
    assert shitan == {"people_sampled": 5, "tubes": 2, "tubes_tested": 1, "tubes_pending": 1, "tubes_resulted": 1,
                      "positive_pools": 1, "people_under_pool_control": 2, "coverage": round(5 / 12, 4)}
    mishui = figures.testing_figures(db, DAY, users[MISHUI])
    assert mishui == {"people_sampled": 1, "tubes": 1, "tubes_tested": 1, "tubes_pending": 0, "tubes_resulted": 1,
                      "positive_pools": 1, "people_under_pool_control": 1, "coverage": 1.0}


def test_the_days_positives_are_counted_against_the_days_results_not_its_swabs(db: Session, ground: Ground) -> None:
    """Swabbed on the 1st, its positive result on the 2nd: the 2nd counts the result and the positive
    together, the 1st neither; a result recorded after a moment does not count as of it."""
    late = START + timedelta(days=1, hours=2)
    _tube(db, ground, "TF000010", ground.point.id, [0, 1], result="positive", state="tested", tested_at=late)
    _tube(db, ground, "TF000011", ground.point.id, [2], result="negative", state="tested",
          tested_at=START + timedelta(hours=5))
    db.flush()
    first = figures.testing_figures(db, DAY, SYSTEM)
    second = figures.testing_figures(db, DAY + timedelta(days=1), SYSTEM)
    assert (first["tubes"], first["tubes_resulted"], first["positive_pools"]) == (2, 1, 0)
    assert (second["tubes"], second["tubes_resulted"], second["positive_pools"]) == (0, 1, 1)
    assert second["positive_pools"] <= second["tubes_resulted"]
    before = figures.testing_figures(db, DAY + timedelta(days=1), SYSTEM, as_of=late - timedelta(minutes=1))
    assert (before["tubes_resulted"], before["positive_pools"]) == (0, 0)
