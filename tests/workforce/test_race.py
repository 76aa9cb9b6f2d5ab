"""Two requests at once rostering one person (a live server on a database whose commits stick, on
SQLite and PostgreSQL): at two posts in the same shift, one is saved and the other refused with
409, never both and never a 500; the same for ten at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.db.session import engine_for
from fangyi.workforce import service
from fangyi.workforce.models import Assignment
from tests.conftest import CHENGGUAN, SHIJIN, add_areas
from tests.live import live_server
from tests.workforce.world import MONDAY

pytestmark = pytest.mark.slow


@pytest.fixture
def server(committed_db: str) -> Iterator[str]:
    with live_server() as base:
        yield base


def _seed(url: str, posts: int) -> tuple[str, int, list[int]]:
    with Session(engine_for(url), expire_on_commit=False) as session:
        add_areas(session)
        office = accounts.create_user(session, SYSTEM, username="office", password="office-pass-2022",
                                      role="command_office", area_code="430424")
        token = accounts.issue_token(session, SYSTEM, office, "race")
        service.create_institution(session, SYSTEM, code="XRMYY", name="县人民医院", kind="hospital",
                                   area_code=SHIJIN)
        person = service.create_staff(session, SYSTEM, name="李医生", phone="13800000001", institution="XRMYY",
                                      qualifications="sampler security")
        made = [service.create_post(session, SYSTEM, code=f"P{n}", name=f"岗位{n}", kind="checkpoint",
                                    area_code=SHIJIN if n % 2 else CHENGGUAN) for n in range(posts)]
        session.commit()
        return token, person.id, [p.id for p in made]


def _burst(base: str, token: str, bodies: list[dict[str, object]]) -> list[httpx.Response]:
    def one(body: dict[str, object]) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=60) as client:
            return client.post("/api/v1/workforce/assignments", json=body,
                               headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


@pytest.mark.parametrize("posts", [2, 10])
def test_one_person_rostered_at_once_at_several_posts_in_one_shift_is_saved_once(committed_db: str, server: str,
                                                                                posts: int) -> None:
    token, staff_id, post_ids = _seed(committed_db, posts)
    bodies: list[dict[str, object]] = [{"staff_id": staff_id, "post_id": post, "day": MONDAY.isoformat(),
                                        "shift": "day"} for post in post_ids]
    answers = _burst(server, token, bodies)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: posts - 1}, [a.text for a in answers]
    with Session(engine_for(committed_db)) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1

