"""`fangyi demo --scenario spread`: hundreds of cases over three weeks, each caught where the county's
people really meet: at home or at a stay they shared."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.command.closing import closed
from fangyi.command.epi import curve
from fangyi.db.session import engine_for
from fangyi.demo.spread import NEAR, STAY
from fangyi.registry.models import Checkin, Person
from fangyi.timeutil import local_tz, today
from fangyi.tracing.models import Case, Contact
from fangyi.zones.models import Zone

from .test_demo import _user


def test_spread_is_hundreds_of_cases_caught_at_home_or_a_shared_stay(committed_db: str) -> None:
    built = CliRunner().invoke(app, ["demo", "--size", "small", "--scenario", "spread", "--no-serve"])
    assert built.exit_code == 0, built.output
    day = today()
    tz = local_tz()
    with Session(engine_for(committed_db)) as session:
        cases = session.scalars(select(Case).order_by(Case.confirmed_at)).all()
        assert 150 <= len(cases) <= 3000
        days = {c.confirmed_at.astimezone(tz).date() for c in cases}
        assert min(days) >= day - timedelta(days=20) and max(days) == day
        assert len(days) >= 14  # three weeks, nearly every day with cases
        by_id = {c.id: c for c in cases}
        linked = [c for c in cases if c.infected_by_case_id is not None]
        local = [c for c in cases if c.source == "local"]
        assert len(linked) >= 0.8 * len(local)

        persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([c.person_id for c in cases])))}
        stays: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for person_id, venue_id, in_at, out_at in session.execute(
                select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at)
                .where(Checkin.person_id.in_(list(persons)))):
            stays[person_id].append((venue_id, in_at, out_at or in_at + STAY))

        def shared(a: int, b: int) -> bool:
            if persons[a].household_id is not None and persons[a].household_id == persons[b].household_id:
                return True
            return any(va == vb and ia < ob + NEAR and ib < oa + NEAR
                       for va, ia, oa in stays[a] for vb, ib, ob in stays[b])

        for case in linked:
            source = by_id[case.infected_by_case_id or 0]
            assert shared(case.person_id, source.person_id), (case.case_no, source.case_no)

        # The commander's picture: a curve over the three weeks, zones in force, past days closed.
        commander = _user(session, "commander")
        figures = curve(session, commander, until=day)
        assert sum(d["confirmed_local"] + d["confirmed_imported"] for d in figures) == len(cases)
        assert session.scalar(select(func.count()).where(Zone.state == "active"))
        office = _user(session, "command_office")
        assert all(closed(session, office, day - timedelta(days=back)) is not None for back in range(1, 21))
        # Today's cases came through tracing: their contacts wait in the tracers' queue.
        todays = [c.id for c in cases if c.confirmed_at.astimezone(tz).date() == day]
        assert session.scalar(select(func.count()).where(Contact.case_id.in_(todays)))
        # The rounds of 石滩乡 have their tubes: the first's all resulted but one stalled box, overdue now.
        from fangyi.command import dashboard
        from fangyi.screening.models import Tube

        tubes = session.scalars(select(Tube)).all()
        assert tubes and any(t.tested_at is not None for t in tubes)
        dashboard.forget()
        assert dashboard.overdue_tubes(session, commander) > 0
        # The dashboard draws the chains: clusters of many cases, each link placed where it could be.
        found = dashboard.clusters(session, commander)
        assert found is not None and found[0].size >= 10 and found[0].settings
