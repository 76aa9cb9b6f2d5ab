"""The suggested roster: who works which shift at which post, for every need of a week, within
every person's limits, night shifts spread; solved with OR-Tools' CP-SAT.

Two steps. CP-SAT decides, for each person and shift, whether they work and in which qualification
(a person works one shift at a time, in one qualification they hold), so that every shift's need
for each qualification is met as far as it can be, no limit is broken (rest between shifts, the
longest stretch, hours per week, counting the shifts they hold already) and the most night shifts
anyone works is as small as it can be. Any person of a qualification can fill any post's need for
it, so the posts are then filled shift by shift: a team's members at their team's post first, then
whoever was at a post the shift before stays there, then in the posts' order.

A need that cannot be met is reported with why: nobody holds the qualification, too few of those
who do are free in that shift, or those free would break a limit (or are needed at the same time
elsewhere). The greedy fill (`greedy`) is the baseline the benchmark compares with.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fangyi.timeutil import to_local
from fangyi.workforce.limits import Interval, new_breaches
from fangyi.workforce.rules import Rules, Slot, week_of

if TYPE_CHECKING:  # OR-Tools is loaded when a roster is suggested, not with the service
    from ortools.sat.python import cp_model

# The share of the time limit the first step (fewest needs uncovered) may take.
FIRST_STEP = 0.7


@dataclass(frozen=True)
class Person:
    id: int
    qualifications: frozenset[str]
    # Shifts they hold already (by hand, or in the weeks around), as intervals: kept, and counted.
    held: tuple[Interval, ...] = ()
    # Slot indexes they cannot work (absent, or holding a shift at that time).
    unavailable: frozenset[int] = frozenset()
    team_post: int | None = None


@dataclass(frozen=True)
class NeedKey:
    post: int
    slot: int
    qualification: str


@dataclass
class Unmet:
    need: NeedKey
    missing: int
    reason: str  # no_one_qualified | too_few_free | limits
    detail: str


@dataclass
class Plan:
    slots: list[Slot]
    # (person, slot index) -> (post, qualification)
    placed: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    unmet: list[Unmet] = field(default_factory=list)
    status: str = ""  # OPTIMAL | FEASIBLE | greedy
    seconds: float = 0.0

    @property
    def uncovered(self) -> int:
        return sum(u.missing for u in self.unmet)

    def shifts_of(self, person: int) -> list[int]:
        return sorted(slot for who, slot in self.placed if who == person)


def _conflicts(slots: Sequence[Slot], rules: Rules) -> list[tuple[int, int]]:
    """Pairs of slots one person may not both work (too little rest between them, or overlapping)."""
    pairs = []
    for i, a in enumerate(slots):
        for j in range(i + 1, len(slots)):
            b = slots[j]
            gap = (b.starts_at - a.ends_at).total_seconds() / 3600
            if gap >= rules.min_rest_hours and b.starts_at >= a.ends_at:
                if (b.starts_at - a.ends_at).total_seconds() / 3600 > rules.min_rest_hours + 48:
                    break
                continue
            pairs.append((i, j))
    return pairs


def _stretches(slots: Sequence[Slot], rules: Rules) -> list[list[int]]:
    """Runs of back-to-back slots longer together than the longest stretch (only when rest is 0)."""
    runs = []
    for i in range(len(slots)):
        hours, run = 0.0, list[int]()
        for j in range(i, len(slots)):
            if run and slots[j].starts_at != slots[run[-1]].ends_at:
                break
            run.append(j)
            hours += slots[j].hours
            if hours > rules.max_shift_hours:
                if len(run) > 1:
                    runs.append(list(run))
                break
    return runs


def _free(person: Person, slot: Slot, index: int, rules: Rules) -> bool:
    """Whether the person may take this slot at all, given what they hold already."""
    if index in person.unavailable or slot.hours > rules.max_shift_hours:
        return False
    for start, end in person.held:
        if start < slot.ends_at and slot.starts_at < end:
            return False
        gap = (slot.starts_at - end) if start < slot.starts_at else (start - slot.ends_at)
        if gap.total_seconds() / 3600 < rules.min_rest_hours:
            return False
    return True


def _minutes(interval: Interval) -> int:
    return int((interval[1] - interval[0]).total_seconds() // 60)


def _week_room(person: Person, slots: Sequence[Slot], rules: Rules) -> dict[object, int]:
    """Minutes each calendar week touched by the slots still has for this person."""
    used: dict[object, int] = defaultdict(int)
    for start, end in person.held:
        used[week_of(to_local(start).date())] += _minutes((start, end))
    weeks = {week_of(s.day) for s in slots}
    return {week: rules.max_week_hours * 60 - used.get(week, 0) for week in weeks}


def suggest(people: Sequence[Person], slots: Sequence[Slot], needs: Mapping[NeedKey, int], rules: Rules, *,
            seconds: float = 8.0, workers: int = 2, post_order: Sequence[int] = ()) -> Plan:
    """The roster CP-SAT finds within `seconds` (its best so far when time runs out)."""
    from ortools.sat.python import cp_model
    began = time.monotonic()
    slots = list(slots)
    demand: dict[tuple[int, str], int] = defaultdict(int)
    for key, count in needs.items():
        if count > 0:
            demand[key.slot, key.qualification] += count
    model = cp_model.CpModel()
    y: dict[tuple[int, int, str], cp_model.IntVar] = {}
    by_need: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
    works: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    needed_quals = defaultdict(set)
    for t, q in demand:
        needed_quals[t].add(q)
    for person in people:
        for t, slot in enumerate(slots):
            quals = person.qualifications & needed_quals[t]
            if not quals or not _free(person, slot, t, rules):
                continue
            for q in sorted(quals):
                var = model.new_bool_var(f"y{person.id}_{t}_{q}")
                y[person.id, t, q] = var
                by_need[t, q].append(var)
                works[person.id, t].append(var)
    uncovered = []
    for (t, q), count in demand.items():
        slack = model.new_int_var(0, count, f"u{t}_{q}")
        model.add(sum(by_need[t, q]) + slack == count)
        uncovered.append(slack)
    conflicts = _conflicts(slots, rules)
    stretches = _stretches(slots, rules) if rules.min_rest_hours == 0 else []
    night_slots = [t for t, s in enumerate(slots) if s.night]
    most_nights = model.new_int_var(0, len(night_slots), "most_nights")
    for person in people:
        work = {t: sum(works[person.id, t]) for t in range(len(slots)) if works.get((person.id, t))}
        if not work:
            continue
        for t, terms in work.items():
            if len(works[person.id, t]) > 1:
                model.add(terms <= 1)
        for i, j in conflicts:
            if i in work and j in work:
                model.add(work[i] + work[j] <= 1)
        for run in stretches:
            if all(t in work for t in run):
                model.add(sum(work[t] for t in run) <= len(run) - 1)
        room = _week_room(person, slots, rules)
        per_week: dict[object, list[tuple[int, int]]] = defaultdict(list)
        for t in work:
            per_week[week_of(slots[t].day)].append((t, int(slots[t].hours * 60)))
        for week, items in per_week.items():
            if sum(minutes for _, minutes in items) > room[week]:
                model.add(sum(minutes * work[t] for t, minutes in items) <= max(room[week], 0))
        nights = [work[t] for t in night_slots if t in work]
        if nights:
            model.add(sum(nights) <= most_nights)
    # Two steps: first as few needs uncovered as can be (most of the time), then, with no more
    # uncovered than that, night shifts spread (the rest of it). The greedy fill is the first
    # solution of the first step, the first step's the second's.
    start = greedy(people, slots, needs, rules, post_order=post_order)
    hinted = {(person_id, t, q) for (person_id, t), (_, q) in start.placed.items()}
    for index, var in y.items():
        model.add_hint(var, index in hinted)
    model.minimize(sum(uncovered))
    solver = _solver(workers, (seconds - (time.monotonic() - began)) * FIRST_STEP)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        start.status = "greedy (the solver found no roster in time)"
        start.seconds = time.monotonic() - began
        return start
    best = int(solver.objective_value)
    values = {index: solver.boolean_value(var) for index, var in y.items()}
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index, var in y.items():
        model.add_hint(var, values[index])
    model.add(sum(uncovered) <= best)
    model.minimize(most_nights)
    second = _solver(workers, seconds - (time.monotonic() - began))
    spread = second.solve(model)
    if spread in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = {index: second.boolean_value(var) for index, var in y.items()}
        status = spread if status == cp_model.OPTIMAL else cp_model.FEASIBLE
    solver = second if spread in (cp_model.OPTIMAL, cp_model.FEASIBLE) else solver
    chosen: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (person_id, t, q), chosen_now in values.items():
        if chosen_now:
            chosen[t, q].append(person_id)
    plan = Plan(slots, status=solver.status_name(status))
    _to_posts(plan, people, needs, chosen, post_order)
    plan.unmet = _diagnose(plan, people, slots, needs, rules)
    plan.seconds = time.monotonic() - began
    return plan


def _solver(workers: int, seconds: float) -> cp_model.CpSolver:
    from ortools.sat.python import cp_model
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.2)
    solver.parameters.num_workers = workers
    return solver


def _to_posts(plan: Plan, people: Sequence[Person], needs: Mapping[NeedKey, int],
              chosen: Mapping[tuple[int, str], list[int]], post_order: Sequence[int]) -> None:
    """Each shift's chosen people onto the posts needing their qualification: team post first, then
    the post they were at the shift before, then in the posts' order."""
    rank = {post: n for n, post in enumerate(post_order)}
    team = {p.id: p.team_post for p in people if p.team_post is not None}
    last_post: dict[int, int] = {}
    by_slot: dict[int, list[tuple[str, list[int]]]] = defaultdict(list)
    for (t, q), who in chosen.items():
        by_slot[t].append((q, sorted(who)))
    for t in range(len(plan.slots)):
        for q, who in sorted(by_slot.get(t, [])):
            open_posts = {key.post: count for key, count in needs.items()
                          if key.slot == t and key.qualification == q and count > 0}
            ordered = sorted(open_posts, key=lambda post: (rank.get(post, len(rank)), post))
            waiting = list(who)
            for prefer in (team, last_post):
                for pid in list(waiting):
                    post = prefer.get(pid)
                    if post is not None and open_posts.get(post, 0) > 0:
                        open_posts[post] -= 1
                        plan.placed[pid, t] = (post, q)
                        waiting.remove(pid)
            for pid in waiting:
                post = next(p for p in ordered if open_posts[p] > 0)
                open_posts[post] -= 1
                plan.placed[pid, t] = (post, q)
        for (pid, slot), (post, _) in plan.placed.items():
            if slot == t:
                last_post[pid] = post


def _diagnose(plan: Plan, people: Sequence[Person], slots: Sequence[Slot], needs: Mapping[NeedKey, int],
              rules: Rules) -> list[Unmet]:
    filled: dict[NeedKey, int] = defaultdict(int)
    for (_, t), (post, q) in plan.placed.items():
        filled[NeedKey(post, t, q)] += 1
    busy = defaultdict(set)
    for (pid, t) in plan.placed:
        busy[t].add(pid)
    unmet = []
    for key in sorted(needs, key=lambda k: (k.slot, k.post, k.qualification)):
        missing = needs[key] - filled.get(key, 0)
        if missing <= 0:
            continue
        holders = [p for p in people if key.qualification in p.qualifications]
        slot = slots[key.slot]
        free = [p for p in holders if _free(p, slot, key.slot, rules)]
        total = sum(c for k, c in needs.items() if k.slot == key.slot and k.qualification == key.qualification)
        when = f"{slot.day.isoformat()} {slot.code}"
        if not holders:
            reason, detail = "no_one_qualified", f"nobody in the jurisdiction holds {key.qualification}"
        elif len(free) < total:
            reason, detail = "too_few_free", (
                f"{len(free)} of {len(holders)} staff holding {key.qualification} are free on {when} "
                f"(the others are absent or hold a shift then), for {total} needed")
        else:
            idle = [p for p in free if p.id not in busy[key.slot]]
            reason, detail = "limits", (
                f"{len(idle)} staff holding {key.qualification} are free on {when} but not rostered: each would "
                f"break a limit (rest of {rules.min_rest_hours} h, {rules.max_week_hours} h a week) or is "
                "needed elsewhere then")
        unmet.append(Unmet(key, missing, reason, detail))
    return unmet


def greedy(people: Sequence[Person], slots: Sequence[Slot], needs: Mapping[NeedKey, int], rules: Rules, *,
           post_order: Sequence[int] = ()) -> Plan:
    """The baseline: shift by shift, each need filled by the qualified person with the fewest hours so
    far who breaks no limit."""
    began = time.monotonic()
    slots = list(slots)
    plan = Plan(slots, status="greedy")
    rank = {post: n for n, post in enumerate(post_order)}
    held: dict[int, list[Interval]] = {p.id: list(p.held) for p in people}
    hours: dict[int, float] = defaultdict(float)
    by_slot: dict[int, list[NeedKey]] = defaultdict(list)
    for key, count in needs.items():
        if count > 0:
            by_slot[key.slot].append(key)
    for t, slot in enumerate(slots):
        taken: set[int] = set()
        for key in sorted(by_slot.get(t, []), key=lambda k: (rank.get(k.post, len(rank)), k.post, k.qualification)):
            for _ in range(needs[key]):
                candidates = sorted((p for p in people if key.qualification in p.qualifications
                                     and p.id not in taken and t not in p.unavailable),
                                    key=lambda p: (hours[p.id], p.id))
                for person in candidates:
                    interval = (slot.starts_at, slot.ends_at)
                    if _fits(held[person.id], interval, rules):
                        held[person.id].append(interval)
                        hours[person.id] += slot.hours
                        taken.add(person.id)
                        plan.placed[person.id, t] = (key.post, key.qualification)
                        break
    plan.unmet = _diagnose(plan, people, slots, needs, rules)
    plan.seconds = time.monotonic() - began
    return plan


def _fits(held: list[Interval], interval: Interval, rules: Rules) -> bool:
    """Whether one more shift keeps a person within every limit (what it adds, not what they had)."""
    start, end = interval
    if (end - start).total_seconds() / 3600 > rules.max_shift_hours:
        return False
    week = week_of(to_local(start).date())
    minutes = _minutes(interval)
    for other in held:
        if other[0] < end and start < other[1]:
            return False
        gap = (start - other[1]) if other[0] < start else (other[0] - end)
        if gap.total_seconds() / 3600 < rules.min_rest_hours:
            return False
        if week_of(to_local(other[0]).date()) == week:
            minutes += _minutes(other)
    if minutes > rules.max_week_hours * 60:
        return False
    return rules.min_rest_hours > 0 or not new_breaches(held, interval, rules)


def held_and_placed(plan: Plan, person: Person) -> list[Interval]:
    """A person's shifts once the plan is saved: what they held and what they were given."""
    return [*person.held, *((plan.slots[t].starts_at, plan.slots[t].ends_at) for t in plan.shifts_of(person.id))]
