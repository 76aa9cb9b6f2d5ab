"""What transport adds to the daily report, within the reader's jurisdiction (tasks by where they
are picked up, vehicles by their depot)."""

from __future__ import annotations

from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction
from fangyi.timeutil import aware, day_bounds
from fangyi.transport.models import LIVE, TASK_KINDS, VEHICLE_STATES, Task, Vehicle


def transport_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    """`as_of` is not rebuilt here (tasks and vehicles change in place): the command's report says so."""
    start, end = day_bounds(day)
    mine = in_jurisdiction(who, Task.area_code)
    done = dict(session.execute(select(Task.kind, func.count()).where(
        mine, Task.status == "done", Task.confirmed_at >= start, Task.confirmed_at < end).group_by(Task.kind)).all())
    live = dict(session.execute(select(Task.kind, func.count()).where(
        mine, Task.status.in_(LIVE), Task.created_at < end).group_by(Task.kind)).all())
    delivered = session.execute(select(Task.kind, Task.person_ids, Task.items, Task.earliest_at, Task.picked_up_at,
                                       Task.delivered_at, Task.latest_at).where(
        mine, Task.delivered_at >= start, Task.delivered_at < end)).all()
    delays = [(aware(r.picked_up_at) - aware(r.earliest_at)).total_seconds() / 60 for r in delivered
              if r.picked_up_at is not None]
    cases = [r for r in delivered if r.kind == "hospital"]
    states = dict(session.execute(select(Vehicle.state, func.count()).where(
        in_jurisdiction(who, Vehicle.depot_area_code)).group_by(Vehicle.state)).all())
    figures: dict[str, Any] = {}
    for kind in TASK_KINDS:
        figures[f"{kind}_done"] = int(done.get(kind, 0))
        figures[f"{kind}_open"] = int(live.get(kind, 0))
    figures["people_moved"] = sum(len(r.person_ids or []) for r in delivered)
    figures["tube_boxes_delivered"] = sum(1 for r in delivered if r.kind == "samples")
    figures["median_pickup_delay_minutes"] = round(median(delays)) if delays else "–"
    figures["case_transfers_in_time"] = (f"{sum(1 for r in cases if aware(r.delivered_at) <= aware(r.latest_at))}"
                                         f"/{len(cases)}")
    for state in VEHICLE_STATES:
        figures[f"vehicles_{state}"] = int(states.get(state, 0))
    return figures
