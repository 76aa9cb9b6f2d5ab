"""Scans from many handhelds at once, written in groups: one transaction and one commit for all
the requests that arrived while the group before them was being written.

On the morning of a round hundreds of handhelds send a scan each, every second or two. Written
one request at a time, each pays its own sign-in, its own statements and its own durable commit,
and the server runs out of CPU long before the database runs out of anything (ceilings.md). Here
a request waits while the group in flight is written, then goes with everyone who waited beside
it: the statements and the commit are shared, and under light load a request is written at once,
alone. A request is answered only after its group has committed, so an answer is never given for
a scan that could still be lost.

Each event loop (a server worker) has one intake and writes one group at a time, in a thread,
with the same rules every other way in uses (`record_jobs`). On PostgreSQL it keeps a connection
of its own for that: a group then pays no pool checkout, liveness ping or lock-timeout setting.
When a group fails as a whole (a deadlock, a lost connection), each request in it is tried again
on its own, so one bad request never costs the others their answers.

The trail's entries of a group are sealed into the hash chain (fangyi.audit.chain) by the group's
own transaction when nobody waits behind it, and otherwise by the first group SEAL_EVERY later, for
every group since: sealing in each group cost a busy morning a third of its scans a second, and
sealing once a second made that group's answers the slowest of the morning. An entry waits for its
seal a fifth of a second at most, unless the server is killed in that moment.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from fastapi import Request
from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fangyi.access import require
from fangyi.audit import chain
from fangyi.auth.models import User
from fangyi.db.session import get_engine, write_first
from fangyi.deps import SESSIONS, Credential, get_session, users_for
from fangyi.errors import Busy, DomainError, Unauthorized
from fangyi.screening.scans import Job, Outcome, ScanInput, record_jobs

log = logging.getLogger("fangyi.screening")

# Where a group's session comes from (a generator of one session, as fangyi.deps.get_session).
Opener = Callable[[], Iterator[Session]]
GROUP_SCANS = 400  # scans a group takes at most: a transaction short enough to keep locks brief
# How long a group waits for a tube or a person another transaction holds (an offline batch
# being imported, say) before it gives up: the worker's other handhelds wait behind it meanwhile.
LOCK_WAIT = "2s"
_LOCK_WAIT = text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
APPLICATION = "fangyi scan intake"
LINE = "fangyi_scan_line"  # in Session.info: the session is on a Line's connection, settings made
SEAL_EVERY = 0.2  # seconds: under load, a group seals the trail entries of the groups before it


@dataclass
class Seals:
    """The trail's entries of committed groups not sealed yet, and whether the next group seals
    them: it does when nobody waits behind it (the load has passed) or SEAL_EVERY has gone by."""

    quiet: Callable[[], bool] = lambda: True
    marked: list[int | chain.Written] = field(default_factory=list)
    last: float = field(default_factory=time.monotonic)

    def due(self) -> bool:
        return self.quiet() or time.monotonic() - self.last >= SEAL_EVERY


@dataclass
class Line:
    """The connection an intake keeps for its groups (PostgreSQL), with its settings made once. A
    group whose connection was lost drops it (closed, not handed to the pool: see `_connect`): the
    next one, or the retry of each request alone, starts on a fresh connection, so a restarted
    database costs one group its first try."""

    connection: Connection | None = None

    def sessions(self) -> Iterator[Session]:
        if self.connection is None:
            self.connection = _connect()
        session = Session(bind=self.connection, expire_on_commit=False, info={LINE: True})
        failed = False
        try:
            yield session
        except BaseException:
            failed = True
            raise
        finally:
            # A refusal, a lock waited out or a raced resend leave the connection as good as new;
            # a lost one (invalidated by SQLAlchemy, or failing to roll back) is replaced.
            try:
                session.close()  # rolls back what a failed group began
                lost = failed and self.connection is not None and (self.connection.invalidated
                                                                   or self.connection.closed)
            except Exception:
                lost = True
            if lost:
                self.drop()

    def drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken: nothing to give back
                log.warning("the scan intake's connection could not be closed", exc_info=True)


def _connect() -> Connection:
    """A connection for a Line, its settings made; kept by the Line only once all are made."""
    connection = get_engine().connect()
    try:
        # Out of the pool for good: these settings stay on the connection, and handed back to the
        # pool when a group fails it would carry them into whatever request took it next (an
        # import giving up on a lock after 2 s, killed along with the intake's connections).
        connection.detach()
        connection.execute(text(f"SET lock_timeout = '{LOCK_WAIT}'"))
        # A group's statements take milliseconds: one that hangs must not hold the worker's scans.
        connection.execute(text("SET statement_timeout = '10s'"))
        # Each statement planned for its own values and the tables as they stand. A plan cached
        # for all values (PostgreSQL's choice after five runs of a prepared statement) is made
        # once: on a morning's first minutes, with scans and tubes nearly empty, it reads them
        # whole, and keeps doing so as they grow until autovacuum next analyses them. Measured:
        # the database's CPU a scan fell from 0.47 ms to 0.17-0.24 ms.
        connection.execute(text("SET plan_cache_mode = force_custom_plan"))
        connection.execute(text(f"SET application_name = '{APPLICATION}'"))  # named in pg_stat_activity
        connection.commit()
    except BaseException:
        connection.close()
        raise
    return connection


@dataclass
class Pending:
    credential: Credential
    scans: list[ScanInput]
    future: asyncio.Future[list[Outcome]]
    user: User | None = None
    outcome: list[Outcome] | None = None
    error: BaseException | None = None


@dataclass
class Intake:
    sessions: Opener
    waiting: list[Pending] = field(default_factory=list)
    # One group at a time: a handheld's next request then never commits before its previous one.
    writing: bool = False
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # held: the loop keeps weak references
    # Groups are written one at a time, so by one thread of the intake's own: handing a group to
    # it costs less than to the shared pool (anyio's limiter and cancel scopes, once a group).
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "scan-intake"))
    seals: Seals = field(default_factory=Seals)

    def __post_init__(self) -> None:
        self.seals.quiet = lambda: not self.waiting

    async def submit(self, credential: Credential, scans: list[ScanInput]) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        pending = Pending(credential, scans, loop.create_future())
        self.waiting.append(pending)
        if not self.writing:
            self.writing = True
            task = loop.create_task(self._drain())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return await pending.future

    async def _drain(self) -> None:
        group: list[Pending] = []
        try:
            while self.waiting:
                group = self._take()
                await asyncio.get_running_loop().run_in_executor(self.writer, write_group, self.sessions, group,
                                                           self.seals)
                for pending in group:
                    _settle(pending)
                group = []
        except BaseException as exc:  # cancelled with the loop: nobody may wait for ever
            for pending in group + self.waiting:
                if not pending.future.done():
                    pending.future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))
            self.waiting = []
            if not isinstance(exc, Exception):
                raise
        finally:
            self.writing = False

    def _take(self) -> list[Pending]:
        taken, count = 0, 0
        for pending in self.waiting:
            if taken and count + len(pending.scans) > GROUP_SCANS:
                break
            taken, count = taken + 1, count + len(pending.scans)
        group, self.waiting = self.waiting[:taken], self.waiting[taken:]
        return group


def _settle(pending: Pending) -> None:
    if pending.future.done():
        return
    if pending.error is not None:
        pending.future.set_exception(pending.error)
    else:
        pending.future.set_result(pending.outcome or [])


def write_group(sessions: Opener, group: list[Pending], seals: Seals | None = None) -> None:
    """Sign the group's senders in and write their scans in one transaction (runs in a thread).

    When the group fails as a whole, each request is written again on its own, twice at most: a
    resend that raced its first copy (ScanRaced) is answered as a resend the second time."""
    seals = seals or Seals()
    try:
        _write(sessions, group, seals)
        return
    except Exception as exc:
        log.warning("a group of %d scan requests failed (%s); writing each alone", len(group), exc)
    for pending in group:
        for _ in range(2):
            pending.error = None
            try:
                _write(sessions, [pending], seals)
                break
            except Busy as busy:
                pending.error = busy  # waited its turn once already: the handheld sends it again
                break
            except Exception as alone:
                pending.error = alone


def _write(sessions: Opener, group: list[Pending], seals: Seals) -> None:
    with contextmanager(sessions)() as session:
        _write_in(session, group, seals)


def _commit(session: Session, seals: Seals) -> None:
    """Commit the group, sealing its entries and those of the groups before it when that is due,
    else keeping its own for a later group. The kept ones are dropped only once they are sealed."""
    mine = chain.take_pending(session)
    if seals.due():
        chain.pending(session, *seals.marked, *mine)
        session.commit()
        seals.marked, seals.last = [], time.monotonic()
    else:
        session.commit()
        seals.marked.extend(mine)


def _write_in(session: Session, group: list[Pending], seals: Seals) -> None:
    try:
        write_first(session)  # SQLite: it reads (the senders, stored scans) before it writes
        if session.get_bind().dialect.name == "postgresql" and not session.info.get(LINE):
            session.execute(_LOCK_WAIT)  # not on a Line's connection, which has it already
        users = users_for(session, [pending.credential for pending in group], snapshots=True)
        ready = []
        for pending in group:
            user = users.get(pending.credential)
            try:
                if user is None:
                    raise Unauthorized("API token is unknown or revoked" if pending.credential.token
                                       else "sign in or send an API token (Authorization: Bearer …)")
                require(user, "scan_samples")
            except DomainError as refused:
                pending.error = refused
                continue
            pending.user = user
            ready.append(pending)
        outcomes = record_jobs(session, [Job(pending.user, pending.scans) for pending in ready
                                         if pending.user is not None])
        _commit(session, seals)
        for pending, outcome in zip(ready, outcomes, strict=True):
            pending.outcome = outcome
    except OperationalError as exc:
        session.rollback()
        if isinstance(exc.orig, LockNotAvailable):
            raise Busy("a tube or person of these scans is being written elsewhere; send them again") from None
        raise
    except BaseException:
        session.rollback()
        raise


def intake(request: Request) -> Intake:
    """The intake of this app in the running event loop (one per server worker), writing through
    the sessions the app's state names (fangyi.deps.use_sessions: a test's), else a Line of its own
    on PostgreSQL, else the sessions the app's routes get. Made once a loop: the lane pays nothing
    for the choice."""
    loop = asyncio.get_running_loop()
    app = request.app
    intakes: WeakKeyDictionary[asyncio.AbstractEventLoop, Intake] | None = getattr(app.state, "scan_intakes", None)
    if intakes is None:
        intakes = app.state.scan_intakes = WeakKeyDictionary()
    found = intakes.get(loop)
    if found is None:
        opener: Opener | None = getattr(app.state, SESSIONS, None)
        if opener is None:
            opener = Line().sessions if get_engine().dialect.name == "postgresql" else get_session
        found = intakes[loop] = Intake(opener)
    return found
