"""The separation rules hold on every suggested plan: a property test over random task sets and
fleets, on the planner itself (no database)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangyi.protocols.reader import load
from fangyi.transport.planner import Car, Job, greedy, separation_holds, solve

RULES = load("cn-8").transport
CLASSES = ("case", "suspected", "close_contact", "secondary_contact", "other", "tubes", "supplies")
KINDS = ("negative_pressure", "ambulance", "bus", "courier", "van")
POINT = st.tuples(st.floats(26.9, 27.4), st.floats(112.7, 113.3))


@st.composite
def jobs(draw: st.DrawFn) -> list[Job]:
    n = draw(st.integers(1, 14))
    out = []
    for i in range(1, n + 1):
        rider = draw(st.sampled_from(CLASSES))
        earliest = draw(st.integers(0, 120))
        out.append(Job(
            id=i, rider_class=rider, seats=draw(st.integers(1, 5)), pick=draw(st.sampled_from(PLACES)),
            drop=draw(st.sampled_from(PLACES)), earliest=earliest, latest=earliest + draw(st.integers(20, 400)),
            priority=0 if rider == "case" else 5, household_id=draw(st.sampled_from((None, 1, 2))),
            pick_key=str(draw(st.integers(0, 2))), drop_key=str(draw(st.integers(0, 1)))))
    # Tasks sharing a key share the place the key names, as the service makes them.
    return [Job(j.id, j.rider_class, j.seats, PLACES[int(j.pick_key)], PLACES[3 + int(j.drop_key)], j.earliest,
                j.latest, j.priority, j.household_id, j.pick_key, j.drop_key) for j in out]


PLACES = [(27.10, 112.90), (27.20, 113.00), (26.95, 112.95), (27.30, 113.10), (27.00, 112.80)]


@st.composite
def cars(draw: st.DrawFn) -> list[Car]:
    n = draw(st.integers(1, 6))
    return [Car(id=100 + i, kind=draw(st.sampled_from(KINDS)), seats=draw(st.integers(1, 12)),
                at=draw(POINT), ready=draw(st.integers(0, 60))) for i in range(n)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs(), cars())
def test_separation_rules_hold_on_every_suggested_plan(tasks: list[Job], fleet: list[Car]) -> None:
    plan = solve(RULES, tasks, fleet, seconds=0.1)
    assert separation_holds(RULES, plan, tasks, fleet) == []
    planned = {i for trips in plan.routes.values() for trip in trips for i in trip.job_ids}
    assert planned | set(plan.unplanned) == {t.id for t in tasks}
    assert not planned & set(plan.unplanned)
    assert set(plan.unplanned.values()) <= {"seats", "window", "busy", "time"}
    # Seeded from the greedy plan: never fewer tasks planned than the baseline.
    baseline = greedy(RULES, tasks, fleet)
    assert separation_holds(RULES, baseline, tasks, fleet) == []
    assert plan.planned() >= baseline.planned()


def test_the_dispatcher_sees_why_a_task_is_left_out() -> None:
    here, there = (27.10, 112.90), (27.30, 113.10)
    fleet = [Car(1, "negative_pressure", 4, here), Car(2, "bus", 30, here)]
    tasks = [
        Job(1, "close_contact", 40, here, there, 0, 600, household_id=7),  # 40 people of one household
        Job(2, "case", 1, there, here, 0, 5),  # five minutes to cross the county
        Job(3, "tubes", 1, here, there, 0, 600),  # no courier nor van
    ]
    plan = solve(RULES, tasks, fleet, seconds=0.2)
    assert plan.unplanned == {1: "seats", 2: "window", 3: "seats"}
