"""Two dispatchers assign one vehicle at the same moment, on both databases: one wins, the other is
told 409 (the vehicle's version moved on), and the vehicle carries only the winner's task."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.db.session import begin_writing, make_session, session_scope
from fangyi.errors import Conflict
from fangyi.registry.models import Area
from fangyi.transport import service
from fangyi.transport.models import Task, Vehicle
from tests.conftest import AREAS, CHENGGUAN, SHIJIN
from tests.transport.world import POINTS


@dataclass(frozen=True)
class Dispatcher:
    id: int
    username: str
    role: str = "dispatcher"
    area_code: str = "430424"


def test_two_dispatchers_assigning_one_vehicle_at_once(committed_db: str) -> None:
    with session_scope() as session:
        for code, name, level, parent in AREAS:
            lat, lon = POINTS[code]
            session.add(Area(code=code, name=name, level=level, parent_code=parent, lat=lat, lon=lon))
        session.flush()
        vehicle = Vehicle(plate="湘D12345", kind="van", seats=6, institution="县120", depot_area_code=CHENGGUAN)
        session.add(vehicle)
        session.flush()
        tasks = [service.create_task(session, SYSTEM, service.TaskFields(
            kind="supplies", rider_class="supplies", from_area_code=SHIJIN, to_area_code=CHENGGUAN,
            items=[f"BOX-{n}"])).id for n in (1, 2)]
        vehicle_id, version = vehicle.id, vehicle.version
    start = threading.Barrier(2)
    answers: dict[str, str] = {}

    def assign(name: str, task_id: int) -> None:
        session = make_session()
        try:
            start.wait(timeout=30)
            begin_writing(session)  # as the request's dependency does for a POST (SQLite: one writer)
            try:
                service.assign(session, Dispatcher(0, name), vehicle_id, version, [[task_id]])
                session.commit()
                answers[name] = "won"
            except Conflict:
                session.rollback()
                answers[name] = "409"
        finally:
            session.close()

    threads = [threading.Thread(target=assign, args=(f"d{n}", task_id)) for n, task_id in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers.values()) == ["409", "won"]
    with session_scope() as session:
        carried = session.scalars(select(Task).where(Task.vehicle_id == vehicle_id)).all()
        assert len(carried) == 1 and carried[0].status == "assigned"
        assert session.get(Vehicle, vehicle_id).version == version + 1
