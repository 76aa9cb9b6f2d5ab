"""The planner: separation rules, travel times, loads, OR-Tools' routing solver and the greedy
baseline. Plain data in, plain data out (no session): the service, the property tests and the
benchmark call it alike.

Tasks are first put into *loads*: the tasks that may ride together under the edition's rules (a case
or suspected case alone; close contacts with their own household only; secondary contacts, tubes,
supplies each with their own kind, from one pick-up to one drop-off). The routing solver then gives
each vehicle an order of loads as pick-up and delivery pairs, one load on board at a time, within
each task's time window, on a vehicle kind the rules allow and with the seats the load needs, and
with the disinfection minutes after a load that calls for it. One load at a time is what makes the
separation rules hold on every plan by construction; the price is that two groups of secondary
contacts from different villages are not pooled on one bus.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fangyi.protocols.reader import RiderRule, Transport

if TYPE_CHECKING:  # NumPy is loaded when a plan is made, not with the transport service
    import numpy as np

HORIZON = 7 * 24 * 60  # minutes: nothing is planned further than a week ahead
BIG = 10_000_000
SLACK = 60  # minutes a load's shared window keeps beyond its ride


@dataclass(frozen=True)
class Job:
    """A task as the planner sees it. Times are minutes from the planning moment."""

    id: int
    rider_class: str
    seats: int
    pick: tuple[float, float]
    drop: tuple[float, float]
    earliest: int
    latest: int
    priority: int = 5
    household_id: int | None = None
    pick_key: str = ""
    drop_key: str = ""


@dataclass(frozen=True)
class Car:
    id: int
    kind: str
    seats: int
    at: tuple[float, float]
    ready: int = 0  # minutes from now until it can set off (busy, disinfecting)


class Load:
    """Tasks riding together; its seats and shared window are worked out once."""

    __slots__ = ("earliest", "first", "jobs", "latest", "priority", "seats")

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.first = jobs[0]
        self.seats = sum(job.seats for job in jobs)
        self.earliest = max(job.earliest for job in jobs)
        self.latest = min(job.latest for job in jobs)
        self.priority = min(job.priority for job in jobs)


@dataclass
class Trip:
    job_ids: list[int]
    pickup: int  # minutes from now
    dropoff: int


@dataclass
class Plan:
    routes: dict[int, list[Trip]] = field(default_factory=dict)  # car id -> trips in order
    unplanned: dict[int, str] = field(default_factory=dict)  # job id -> why (seats, window, busy, time)
    solver: str = "or-tools"

    def planned(self) -> int:
        return sum(len(trip.job_ids) for trips in self.routes.values() for trip in trips)


def rule(rules: Transport, rider_class: str) -> RiderRule:
    found = rules.riders.get(rider_class)
    if found is None:
        raise KeyError(f"the edition has no transport rule for {rider_class!r}")
    return found


def may_share(rules: Transport, a: Job, b: Job) -> bool:
    """Whether two tasks may be on board one vehicle at the same time."""
    if a.id == b.id:
        return True
    if a.rider_class != b.rider_class:
        return False  # people of different kinds, or people with tubes or supplies, never
    shares = rule(rules, a.rider_class).shares
    if shares == "alone":
        return False
    if shares == "household":
        return a.household_id is not None and a.household_id == b.household_id
    return True


def may_carry(rules: Transport, car: Car, load: Load) -> bool:
    return car.kind in rule(rules, load.first.rider_class).vehicles and car.seats >= load.seats


def minutes_apart(rules: Transport, a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(_km(a[0], a[1], b[0], b[1]) * rules.road_factor / rules.speed_kmh * 60)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def travel_matrix(rules: Transport, points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Minutes between every two points: great-circle distance × road factor at the edition's speed."""
    import numpy as np
    lat = np.radians(np.array([p[0] for p in points], dtype=float))
    lon = np.radians(np.array([p[1] for p in points], dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    minutes: np.ndarray = np.ceil(km * rules.road_factor / rules.speed_kmh * 60).astype(np.int64)
    return minutes


def _minutes_from(rules: Transport, lats: np.ndarray, lons: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """Minutes from each of many points to one (the travel matrix's formula, one row of it)."""
    import numpy as np
    lat1, lon1 = np.radians(lats), np.radians(lons)
    lat2, lon2 = math.radians(point[0]), math.radians(point[1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    minutes: np.ndarray = np.ceil(km * rules.road_factor / rules.speed_kmh * 60).astype(np.int64)
    return minutes


def _able(rules: Transport, loads: Sequence[Load], cars: Sequence[Car]) -> list[np.ndarray]:
    """For each load, the indexes of the cars that may carry it (kind and seats)."""
    import numpy as np
    seats = np.array([car.seats for car in cars], dtype=np.int64)
    kinds = {name: np.array([car.kind in r.vehicles for car in cars], dtype=bool) for name, r in rules.riders.items()}
    return [np.flatnonzero(kinds[load.first.rider_class] & (seats >= load.seats)) for load in loads]


def make_loads(rules: Transport, jobs: Sequence[Job], max_seats: Mapping[str, int]) -> list[Load]:
    """Tasks that may ride together, from one pick-up to one drop-off, within the seats of the largest
    vehicle their class may use; each window-compatible."""
    loads: list[Load] = []
    groups: dict[tuple[object, ...], list[Job]] = {}
    for job in sorted(jobs, key=lambda j: (j.latest, j.id)):
        shares = rule(rules, job.rider_class).shares
        if shares == "alone" or (shares == "household" and job.household_id is None):
            loads.append(Load([job]))
            continue
        key: tuple[object, ...] = (job.rider_class, job.pick_key, job.drop_key,
                                   job.household_id if shares == "household" else None)
        groups.setdefault(key, []).append(job)
    for (rider_class, *_), members in groups.items():
        room = max_seats.get(str(rider_class), 0)
        # A load keeps a window a vehicle can still meet: the ride, the stops and an hour to get there.
        needs = minutes_apart(rules, members[0].pick, members[0].drop) + 2 * rules.stop_minutes + SLACK
        current: list[Job] = []
        for job in members:
            trial = Load([*current, job])
            if current and (trial.seats > room or trial.latest - trial.earliest < needs):
                loads.append(Load(current))
                current = []
            current.append(job)
        if current:
            loads.append(Load(current))
    return loads


def _max_seats(rules: Transport, cars: Sequence[Car]) -> dict[str, int]:
    return {name: max((c.seats for c in cars if c.kind in r.vehicles), default=0) for name, r in rules.riders.items()}


def _service(rules: Transport, load: Load) -> int:
    return rules.stop_minutes + rule(rules, load.first.rider_class).disinfect_minutes


def why_not(rules: Transport, load: Load, cars: Sequence[Car], able: np.ndarray | None = None) -> str:
    """Why a load could not be planned: no vehicle with the seats, a window no vehicle can meet from
    where it stands, or every suitable vehicle busy meanwhile."""
    import numpy as np
    which = _able(rules, [load], cars)[0] if able is None else able
    if not len(which):
        return "seats"
    ride = minutes_apart(rules, load.first.pick, load.first.drop)
    lats = np.array([cars[i].at[0] for i in which])
    lons = np.array([cars[i].at[1] for i in which])
    ready = np.array([cars[i].ready for i in which], dtype=np.int64)
    soonest = int(np.maximum(ready + _minutes_from(rules, lats, lons, load.first.pick), load.earliest).min())
    if soonest + rules.stop_minutes + ride > load.latest or load.earliest > load.latest:
        return "window"
    return "busy"


def solve(rules: Transport, jobs: Sequence[Job], cars: Sequence[Car], *, seconds: float = 1.0) -> Plan:
    """A plan from OR-Tools' routing solver (pick-up and delivery pairs, capacities, time windows)."""
    import numpy as np
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    plan = Plan()
    if not jobs:
        return plan
    loads = make_loads(rules, jobs, _max_seats(rules, cars))
    able = _able(rules, loads, cars)
    for load, which in zip(loads, able, strict=True):
        if not len(which):
            plan.unplanned.update({job.id: "seats" for job in load.jobs})
    kept = []
    for load, which in zip(loads, able, strict=True):
        ride = minutes_apart(rules, load.first.pick, load.first.drop)
        if not len(which):
            continue
        if min(load.latest, HORIZON) - ride - rules.stop_minutes < max(0, load.earliest):
            plan.unplanned.update({job.id: "window" for job in load.jobs})
            continue
        kept.append((load, which))
    if not cars or not kept:
        for load, _ in kept:
            plan.unplanned.update({job.id: "busy" for job in load.jobs})
        return plan
    n_cars = len(cars)
    # Nodes: 0 the common end (no cost to reach), 1..V the vehicles' starts, then pick/drop per load.
    points = [(0.0, 0.0), *[car.at for car in cars]]
    for load, _ in kept:
        points += [load.first.pick, load.first.drop]
    travel = travel_matrix(rules, points)
    travel[:, 0] = 0
    travel[0, :] = 0
    service = np.zeros(len(points), dtype=np.int64)
    for k, (load, _) in enumerate(kept):
        service[n_cars + 1 + 2 * k] = rules.stop_minutes
        service[n_cars + 2 + 2 * k] = _service(rules, load)
    times = travel + service[:, None]
    manager = pywrapcp.RoutingIndexManager(len(points), n_cars, list(range(1, n_cars + 1)), [0] * n_cars)
    routing = pywrapcp.RoutingModel(manager)
    time_cb = routing.RegisterTransitMatrix(times.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(time_cb)
    routing.AddDimension(time_cb, HORIZON, HORIZON, False, "time")
    clock = routing.GetDimensionOrDie("time")
    clock.SetSpanCostCoefficientForAllVehicles(1)  # vehicle-hours, waiting included
    demand = [0] * len(points)
    for k in range(len(kept)):
        demand[n_cars + 1 + 2 * k], demand[n_cars + 2 + 2 * k] = 1, -1
    load_cb = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(load_cb, 0, [1] * n_cars, True, "loads")
    solver = routing.solver()
    for v, car in enumerate(cars):
        clock.CumulVar(routing.Start(v)).SetRange(max(0, car.ready), HORIZON)
    for k, (load, which) in enumerate(kept):
        pick = manager.NodeToIndex(n_cars + 1 + 2 * k)
        drop = manager.NodeToIndex(n_cars + 2 + 2 * k)
        routing.AddPickupAndDelivery(pick, drop)
        solver.Add(routing.VehicleVar(pick) == routing.VehicleVar(drop))
        solver.Add(clock.CumulVar(pick) <= clock.CumulVar(drop))
        ride = int(travel[n_cars + 1 + 2 * k, n_cars + 2 + 2 * k])
        latest = min(load.latest, HORIZON)
        earliest = max(0, load.earliest)
        clock.CumulVar(pick).SetRange(earliest, latest - ride - rules.stop_minutes)
        clock.CumulVar(drop).SetRange(earliest, latest)
        if len(which) < n_cars:
            # -1: left out (the disjunction below); SetAllowedVehiclesForIndex's binding takes no list.
            allowed = [-1, *(int(v) for v in which)]
            routing.VehicleVar(pick).SetValues(allowed)
            routing.VehicleVar(drop).SetValues(allowed)
        penalty = BIG // (1 + min(load.priority, 9)) * len(load.jobs)
        routing.AddDisjunction([pick], penalty)
        routing.AddDisjunction([drop], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(max(100, int(seconds * 1000)))
    # Started from the greedy plan, so that the solver's answer is never worse than the baseline's.
    _, seed = _greedy(rules, [load for load, _ in kept], cars)
    routes = [[manager.NodeToIndex(n_cars + 1 + 2 * k + step) for k in seed.get(car.id, []) for step in (0, 1)]
              for car in cars]
    routing.CloseModelWithParameters(params)
    start = routing.ReadAssignmentFromRoutes(routes, True)
    found = routing.SolveFromAssignmentWithParameters(start, params) if start is not None else None
    if found is None:
        found = routing.SolveWithParameters(params)
    if found is None:
        for load, _ in kept:
            if load.first.id not in plan.unplanned:
                reason = why_not(rules, load, cars, _able(rules, [load], cars)[0])
                plan.unplanned.update({job.id: reason if reason != "busy" else "time" for job in load.jobs})
        return plan
    placed: set[int] = set()
    for v, car in enumerate(cars):
        index = routing.Start(v)
        trips: list[Trip] = []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node > n_cars and (node - n_cars - 1) % 2 == 0:
                k = (node - n_cars - 1) // 2
                load = kept[k][0]
                drop = manager.NodeToIndex(node + 1)
                trips.append(Trip([job.id for job in load.jobs], found.Min(clock.CumulVar(index)),
                                  found.Min(clock.CumulVar(drop))))
                placed.add(k)
            index = found.Value(routing.NextVar(index))
        if trips:
            plan.routes[car.id] = trips
    for k, (load, _) in enumerate(kept):
        if k not in placed and load.first.id not in plan.unplanned:
            plan.unplanned.update({job.id: why_not(rules, load, cars) for job in load.jobs})
    return plan


def greedy(rules: Transport, jobs: Sequence[Job], cars: Sequence[Car]) -> Plan:
    """The baseline: the most urgent load first, each to the suitable vehicle that reaches its pick-up
    soonest and can still meet its window."""
    loads = make_loads(rules, jobs, _max_seats(rules, cars))
    plan, _ = _greedy(rules, loads, cars)
    return plan


def _greedy(rules: Transport, loads: Sequence[Load], cars: Sequence[Car]) -> tuple[Plan, dict[int, list[int]]]:
    """The greedy plan, and each vehicle's loads (indexes into `loads`) in order."""
    import numpy as np
    plan = Plan(solver="greedy")
    order: dict[int, list[int]] = {}
    if not cars:
        for load in loads:
            plan.unplanned.update({job.id: "seats" for job in load.jobs})
        return plan, order
    lats = np.array([car.at[0] for car in cars], dtype=float)
    lons = np.array([car.at[1] for car in cars], dtype=float)
    ready = np.array([max(0, car.ready) for car in cars], dtype=np.int64)
    able = _able(rules, loads, cars)
    for k in sorted(range(len(loads)), key=lambda i: (loads[i].priority, loads[i].latest, i)):
        load, which = loads[k], able[k]
        ride = minutes_apart(rules, load.first.pick, load.first.drop)
        if len(which):
            start = np.maximum(ready[which] + _minutes_from(rules, lats[which], lons[which], load.first.pick),
                               max(load.earliest, 0))
            fits = np.flatnonzero(start + rules.stop_minutes + ride <= min(load.latest, HORIZON))
        else:
            fits = which
        if not len(fits):
            plan.unplanned.update({job.id: why_not(rules, load, cars, which) for job in load.jobs})
            continue
        best = fits[int(np.argmin(start[fits]))]
        v = int(which[best])
        begin = int(start[best])
        drop = begin + rules.stop_minutes + ride
        car = cars[v]
        plan.routes.setdefault(car.id, []).append(Trip([job.id for job in load.jobs], begin, drop))
        order.setdefault(car.id, []).append(k)
        lats[v], lons[v] = load.first.drop
        ready[v] = drop + _service(rules, load)
    return plan, order


def vehicle_hours(rules: Transport, plan: Plan, jobs: Sequence[Job], cars: Sequence[Car]) -> float:
    """Hours the vehicles spend on the plan: from setting off for the first pick-up to the end of the
    last drop-off (with its disinfection), waiting included; the same measure for every planner."""
    by_id = {job.id: job for job in jobs}
    total = 0
    for car in cars:
        trips = plan.routes.get(car.id)
        if not trips:
            continue
        first = by_id[trips[0].job_ids[0]]
        set_off = trips[0].pickup - minutes_apart(rules, car.at, first.pick)
        last = by_id[trips[-1].job_ids[0]]
        end = trips[-1].dropoff + rules.stop_minutes + rule(rules, last.rider_class).disinfect_minutes
        total += end - max(set_off, car.ready, 0) if end > set_off else 0
    return total / 60


def separation_holds(rules: Transport, plan: Plan, jobs: Sequence[Job], cars: Sequence[Car]) -> list[str]:
    """Every breach of the rules in a plan (empty when it holds): riders on board together who may not
    share, a vehicle kind or seats the rules refuse, a disinfection skipped, a window missed."""
    by_id = {job.id: job for job in jobs}
    car_of = {car.id: car for car in cars}
    wrong: list[str] = []
    for car_id, trips in plan.routes.items():
        car = car_of[car_id]
        previous: Trip | None = None
        for trip in trips:
            riders = [by_id[i] for i in trip.job_ids]
            for a in riders:
                if car.kind not in rule(rules, a.rider_class).vehicles:
                    wrong.append(f"task {a.id} ({a.rider_class}) on a {car.kind}")
                if trip.dropoff > a.latest or trip.pickup < a.earliest:
                    wrong.append(f"task {a.id} outside its window")
                wrong.extend(f"tasks {a.id} and {b.id} ride together" for b in riders
                             if a.id < b.id and not may_share(rules, a, b))
            if sum(r.seats for r in riders) > car.seats:
                wrong.append(f"trip {trip.job_ids} needs more than {car.seats} seats")
            if previous is not None:
                before = by_id[previous.job_ids[0]]
                gap = rule(rules, before.rider_class).disinfect_minutes + rules.stop_minutes
                if trip.pickup < previous.dropoff + gap + minutes_apart(rules, before.drop, riders[0].pick):
                    wrong.append(f"trip {trip.job_ids} starts before the vehicle is clean and there")
                if trip.pickup < previous.dropoff:
                    wrong.append(f"trips {previous.job_ids} and {trip.job_ids} overlap")
            previous = trip
    return wrong
