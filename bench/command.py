"""Benchmark: the commander's dashboard on the county demo (`fangyi demo --size county`).

    .venv/bin/python -m bench.command [--databases sqlite,postgresql] [--repeat 5] [--reuse]

Builds the county demo into `fangyi_bench_command` (an SQLite file in the workdir and a PostgreSQL
database of that name; `--reuse` keeps one already built) with the real command, then times, as the
demo's commander (the whole county):

- cold: everything the page shows (`dashboard.view`: today's and yesterday's figures, curve, Rt,
  map, bed forecast, overdue tubes, clocks) with nothing kept, yesterday open;
- closed: the same with yesterday closed (its figures read as stored), today computed;
- refresh: a view a minute on, yesterday closed: today's figures recomputed, the registry's
  totals (kept ten minutes) not;
- warm: a view within the minute today's figures are kept;
- page: the page through the app in-process (HTTP, token, rendered HTML), warm;
- baseline: the day's report alone (`report.daily`, what the report page computes), measured in the
  same run: the ratio says what the dashboard costs beyond one day's figures.

Each figure is the median of --repeat runs, each rolled back. The target (issue 18) is 300 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bench.common import fresh_database, median_rolled_back, signed_in
from fangyi.auth.models import User
from fangyi.command import closing, dashboard
from fangyi.command.models import ClosedDay
from fangyi.command.report import daily
from fangyi.db.session import engine_for
from fangyi.timeutil import today

NAME = "fangyi_bench_command"


def _url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / NAME}.db"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}"


def _build(kind: str, workdir: Path) -> str:
    url = fresh_database(kind, workdir, NAME)
    env = os.environ | {"FANGYI_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-c", "from fangyi.cli.main import app; app()", "demo", "--size",
                           "county", "--no-serve"], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"[{kind}] fangyi demo failed:\n{done.stderr}")
    return url


def measure(url: str, repeat: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    day = today()
    with Session(engine_for(url)) as session:
        user = session.scalars(select(User).where(User.role == "commander").order_by(User.id)).first()
        assert user is not None, "the demo has no commander"
        word = str
        dashboard.view(session, user, day, word)  # the database's pages in memory, as on a live server
        session.rollback()
        figures["baseline"] = median_rolled_back(lambda: daily(session, user, day), session, repeat)

        def cold() -> None:
            dashboard.forget()
            dashboard.view(session, user, day, word)

        figures["cold"] = median_rolled_back(cold, session, repeat)
        closing.close_day(session, user, day - timedelta(days=1))  # the commander's county, as the office does
        session.commit()
        figures["closed"] = median_rolled_back(cold, session, repeat)
        session.execute(delete(ClosedDay))
        session.commit()
        figures["warm"] = median_rolled_back(lambda: dashboard.view(session, user, day, word), session, repeat)

        def refresh() -> None:
            # A minute on: today's figures expired, the registry's totals (ten minutes) still kept.
            for key in [key for key in dashboard._kept if "day" in key]:
                del dashboard._kept[key]
            dashboard.view(session, user, day, word)

        closing.close_day(session, user, day - timedelta(days=1))
        session.commit()
        figures["refresh"] = median_rolled_back(refresh, session, repeat)
        session.execute(delete(ClosedDay))
        session.commit()
        with signed_in(session, user) as (client, headers):

            def page() -> None:
                answer = client.get("/command", headers=headers)
                assert answer.status_code == 200 and "epi-chart" in answer.text

            page()
            figures["page"] = median_rolled_back(page, session, repeat)
    engine_for(url).dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already built county demo")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fangyi-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    for kind in args.databases.split(","):
        url = _url(kind, args.workdir) if args.reuse else _build(kind, args.workdir)
        found = measure(url, args.repeat)
        base = found["baseline"]
        print(f"[{kind}] the day's report (baseline): {base * 1000:.0f} ms")
        for key, label in (("cold", "dashboard, nothing kept, yesterday open"),
                           ("closed", "dashboard, nothing kept, yesterday closed"),
                           ("refresh", "dashboard, yesterday closed, today recomputed, registry totals kept"),
                           ("warm", "dashboard, today's figures kept"), ("page", "dashboard page (HTTP, rendered)")):
            print(f"[{kind}] {label}: {found[key] * 1000:.0f} ms ({found[key] / base:.1f}x the baseline)")


if __name__ == "__main__":
    main()
