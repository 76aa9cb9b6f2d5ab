"""The suggested roster, without a database: it covers every need it can, says exactly which needs
it cannot meet and why, and never breaks a person's limits (a hypothesis property over random
availability, qualifications and needs)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangyi.protocols.reader import load
from fangyi.workforce.limits import breaches
from fangyi.workforce.roster import NeedKey, Person, greedy, held_and_placed, suggest
from fangyi.workforce.rules import Rules, rules, slots

MONDAY = date(2022, 3, 28)
RULES = rules(load("cn-8"))
WEEK = slots(RULES, MONDAY, 7)


def _every_shift(post: int, qualification: str, count: int = 1) -> dict[NeedKey, int]:
    return {NeedKey(post, t, qualification): count for t in range(len(WEEK))}


def _check(plan, people, needs, found: Rules = RULES) -> None:
    """What every plan must hold: nobody over a limit, at one post a shift, in a qualification they
    hold, at a need that exists; each need filled or its shortfall reported."""
    by_id = {p.id: p for p in people}
    filled: Counter[NeedKey] = Counter()
    for (person, t), (post, q) in plan.placed.items():
        assert q in by_id[person].qualifications
        assert t not in by_id[person].unavailable
        filled[NeedKey(post, t, q)] += 1
    for person in people:
        assert breaches(held_and_placed(plan, person), found) == []
    missing = {u.need: u.missing for u in plan.unmet}
    for key, count in needs.items():
        assert filled[key] <= count
        assert filled[key] + missing.get(key, 0) == count
    assert all(u.reason and u.detail for u in plan.unmet)


def test_a_week_with_enough_people_is_covered_and_nights_are_spread():
    # Two posts needing a sampler every shift: 42 person-shifts; 12 samplers can do 6 shifts each.
    needs = _every_shift(1, "sampler") | _every_shift(2, "sampler")
    people = [Person(n, frozenset({"sampler"})) for n in range(12)]
    plan = suggest(people, WEEK, needs, RULES, seconds=5)
    _check(plan, people, needs)
    assert plan.unmet == []
    nights = Counter(person for (person, t) in plan.placed if WEEK[t].night)
    # 14 night shifts over 12 people: nobody works more than two.
    assert sum(nights.values()) == 14 and max(nights.values()) <= 2


def test_needs_that_cannot_be_met_say_which_and_why():
    needs = _every_shift(1, "sampler") | {NeedKey(2, 4, "lab"): 1, NeedKey(3, 4, "doctor"): 3}
    everyone_away = frozenset(range(len(WEEK)))
    people = [
        *(Person(n, frozenset({"sampler"})) for n in range(2)),  # 2 samplers: 12 shifts of 21
        Person(10, frozenset({"lab"}), unavailable=frozenset({4})),  # the only lab hand is away then
        *(Person(20 + n, frozenset({"doctor"}), unavailable=everyone_away if n else frozenset()) for n in range(2)),
    ]
    plan = suggest(people, WEEK, needs, RULES, seconds=5)
    _check(plan, people, needs)
    reasons = {(u.need.post, u.need.qualification): u.reason for u in plan.unmet}
    assert reasons[2, "lab"] == "too_few_free"
    assert reasons[3, "doctor"] == "too_few_free"
    assert next(u for u in plan.unmet if u.need.post == 3).missing == 2
    # The samplers: each may work 6 shifts of 8 h (48 h a week) with rest between: 9 shifts open,
    # and each is reported as a limit, not a lack of people.
    sampler = [u for u in plan.unmet if u.need.qualification == "sampler"]
    assert sum(u.missing for u in sampler) == 21 - 12
    assert {u.reason for u in sampler} == {"limits"}
    nobody = suggest(people, WEEK, {NeedKey(4, 0, "driver"): 1}, RULES, seconds=2)
    assert [(u.reason, u.missing) for u in nobody.unmet] == [("no_one_qualified", 1)]


def test_shifts_held_already_count_against_the_limits():
    # Someone who worked the Sunday evening before the week may not start on Monday night (no rest).
    before = slots(RULES, date(2022, 3, 27), 1)[-1]
    person = Person(1, frozenset({"nurse"}), held=((before.starts_at, before.ends_at),))
    plan = suggest([person], WEEK, {NeedKey(1, 0, "nurse"): 1, NeedKey(1, 1, "nurse"): 1}, RULES, seconds=2)
    _check(plan, [person], {NeedKey(1, 0, "nurse"): 1, NeedKey(1, 1, "nurse"): 1})
    assert list(plan.placed) == [(1, 1)]


def test_the_greedy_baseline_keeps_the_limits_too():
    needs = _every_shift(1, "sampler", 2) | _every_shift(2, "nurse")
    people = [Person(n, frozenset({"sampler", "nurse"} if n % 3 == 0 else {"sampler"})) for n in range(9)]
    plan = greedy(people, WEEK, needs, RULES)
    _check(plan, people, needs)
    best = suggest(people, WEEK, needs, RULES, seconds=5)
    _check(best, people, needs)
    assert best.uncovered <= plan.uncovered


QUALS = ("sampler", "nurse", "driver")


@st.composite
def weeks(draw):
    n_people = draw(st.integers(1, 10))
    people = []
    for n in range(n_people):
        quals = frozenset(draw(st.sets(st.sampled_from(QUALS), min_size=1, max_size=2)))
        away = frozenset(draw(st.sets(st.integers(0, len(WEEK) - 1), max_size=8)))
        people.append(Person(n, quals, unavailable=away))
    needs = {}
    for post in range(draw(st.integers(1, 3))):
        for q in draw(st.sets(st.sampled_from(QUALS), min_size=1, max_size=2)):
            for t in draw(st.sets(st.integers(0, len(WEEK) - 1), min_size=1, max_size=len(WEEK))):
                needs[NeedKey(post, t, q)] = draw(st.integers(1, 3))
    rest = draw(st.sampled_from([0, 8, 12]))
    week_hours = draw(st.sampled_from([16, 40, 48]))
    return people, needs, RULES.model_copy(update={"min_rest_hours": rest, "max_week_hours": week_hours})


@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(weeks())
def test_a_suggested_roster_never_breaks_a_limit_and_accounts_for_every_need(week):
    people, needs, found = week
    plan = suggest(people, WEEK, needs, found, seconds=2)
    _check(plan, people, needs, found)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
