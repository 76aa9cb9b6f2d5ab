"""Jobs a server runs once a day (a part declares them: `Part.daily`), such as the zones' daily check.

Every server process (`fangyi serve`, each of its workers, each server on the same database) runs the
scheduler; the database decides which one runs a job on a day: the first to insert the (job, day)
row of `daily_runs` runs it, the others find the row and do nothing. A run that fails is recorded
as failed, with its error, and logged; it is retried later that day (`RETRY_SECONDS`), by whichever
process claims it first. A run left "running" by a process that died is taken over after
`STALE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from fangyi.db.base import Base, BigId, Instant
from fangyi.db.session import make_session, writing
from fangyi.parts import Daily, load
from fangyi.timeutil import now, to_local

log = logging.getLogger("fangyi.daily")

RETRY_SECONDS = 600.0
STALE_SECONDS = 3 * 3600.0
STATES = ("running", "done", "failed")


class DailyRun(Base):
    """One job on one local day: who runs (ran) it, since when, how it ended."""

    __tablename__ = "daily_runs"
    __table_args__ = (UniqueConstraint("job", "day", name="ux_daily_runs_job_day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(Instant)
    finished_at: Mapped[datetime | None] = mapped_column(Instant)
    error: Mapped[str | None] = mapped_column(Text)


Sessions = Callable[[], AbstractContextManager[Session]]


@contextmanager
def _own_session() -> Iterator[Session]:
    session = make_session()
    try:
        yield session
    finally:
        session.close()


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(sessions: Sessions, job: str, day: date) -> bool:
    """Whether this process runs `job` on `day`: it inserted the day's row, or took over a failed
    run or one left running too long. Committed at once, so that every other process sees it."""
    moment = now()
    with sessions() as session:
        writing(session)
        try:
            with session.begin_nested():
                session.add(DailyRun(job=job, day=day, state="running", attempts=1, worker=_worker(),
                                     started_at=moment))
            session.commit()
            return True
        except IntegrityError:
            pass
        taken = session.execute(
            update(DailyRun).where(DailyRun.job == job, DailyRun.day == day,
                                   (DailyRun.state == "failed")
                                   | ((DailyRun.state == "running")
                                      & (DailyRun.started_at < moment - timedelta(seconds=STALE_SECONDS))))
            .values(state="running", attempts=DailyRun.attempts + 1, worker=_worker(), started_at=moment,
                    finished_at=None, error=None))
        session.commit()
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def run_once(job: Daily, day: date, sessions: Sessions = _own_session) -> str:
    """Run the job for the day if this process claims it: "done", "failed" (recorded and logged)
    or "skipped" (another process has it, or had it)."""
    if not claim(sessions, job.name, day):
        return "skipped"
    try:
        with sessions() as session:
            writing(session)
            load(job.run)(session, day)
            session.execute(update(DailyRun).where(DailyRun.job == job.name, DailyRun.day == day)
                            .values(state="done", finished_at=now()))
            session.commit()
    except Exception as exc:
        log.exception("daily job %s for %s failed", job.name, day.isoformat())
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-2000:]
        with sessions() as session:
            writing(session)
            session.execute(update(DailyRun).where(DailyRun.job == job.name, DailyRun.day == day)
                            .values(state="failed", finished_at=now(), error=text))
            session.commit()
        return "failed"
    log.info("daily job %s for %s done", job.name, day.isoformat())
    return "done"


def runs(session: Session, job: str, limit: int = 14) -> list[DailyRun]:
    """The job's latest runs, newest first."""
    return list(session.scalars(select(DailyRun).where(DailyRun.job == job)
                                .order_by(DailyRun.day.desc()).limit(limit)))


def due(jobs: Sequence[Daily], moment: datetime) -> tuple[list[Daily], float]:
    """The jobs due at this local moment (their time today has come), and how long to sleep until the
    next one's time."""
    moment = to_local(moment)
    ready: list[Daily] = []
    wait = 24 * 3600.0
    for job in jobs:
        at = job.at()
        if at is None:
            continue
        today = datetime.combine(moment.date(), at, tzinfo=moment.tzinfo)
        if moment >= today:
            ready.append(job)
            today += timedelta(days=1)
        wait = min(wait, (today - moment).total_seconds())
    return ready, wait


async def scheduler(jobs: Sequence[Daily], sessions: Sessions = _own_session) -> None:
    """Forever: at each job's local time, run it for that day (once, across every process); after
    a start past a job's time, the day's run if nobody has done it; a failed run again after
    RETRY_SECONDS while the day lasts."""
    while True:
        moment = to_local(now())
        ready, wait = due(jobs, moment)
        for job in ready:
            try:
                outcome = await asyncio.to_thread(run_once, job, moment.date(), sessions)
            except Exception:  # the claim itself failed (the database away): try again later
                log.exception("daily job %s: could not claim %s", job.name, moment.date().isoformat())
                outcome = "failed"
            if outcome == "failed":
                wait = min(wait, RETRY_SECONDS)
        await asyncio.sleep(max(1.0, wait))


def check_times(jobs: Sequence[Daily]) -> None:
    """Read every job's time once at start-up, so that a mistyped setting stops the server there."""
    for job in jobs:
        job.at()

