"""Scans from many handhelds at once, written in groups: one transaction and one commit for all
the requests that arrived while the group before them was being written.

On the morning of a round hundreds of handhelds send a scan each, every second or two. Written
one request at a time, each pays its own sign-in, its own statements and its own durable commit,
and the server runs out of CPU long before the database runs out of anything (ceilings.md). Here
a request waits while a group in flight is written, then goes with everyone who waited beside
it: the statements and the commit are shared, and under light load a request is written at once,
alone. A request is answered only after its group has committed, so an answer is never given for
a scan that could still be lost.

Each event loop (a server worker) has one intake. It writes a group at a time in each of its slots
(one on SQLite, SLOTS on PostgreSQL), each slot a thread and a connection of its own, with the same
rules every other way in uses (`record_jobs`); on PostgreSQL a slot's connection pays no pool
checkout, liveness ping or lock-timeout setting a group. While one slot's group waits for its commit
to reach the disk, another's is read and applied. A request that names a scan id, tube or person a
group in flight names waits for that group, so it never commits before an earlier request about the
same records (and a resend never races its first copy within a worker). When a group fails as a
whole (a deadlock, a lost connection), each request in it is tried again on its own, so one bad
request never costs the others their answers.

The trail's entries of a group are sealed into the hash chain (fangyi.audit.chain) after it
commits, on PostgreSQL by the intake's sealer (a thread and connection of its own, every SEAL_EVERY
at most, while the groups go on), elsewhere by a later group's transaction (at once when nobody
waits behind a group). Sealing in each group cost a busy morning a third of its scans a second, and
sealing in a group every SEAL_EVERY still held that group and its slot for the hashing and the
stream head's lock. An entry waits for its seal a fifth of a second or so, unless the server is
killed in that moment.
"""

from __future__ import annotations

import asyncio
import logging
import threading
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
SEAL_EVERY = 0.2  # seconds: under load, the trail entries of the groups since are sealed this often
# Groups a worker writes at once on PostgreSQL, each on its own connection: while one waits for its
# commit to reach the disk, the next is read and applied. Two workers with one each left the cores
# idle, and when one worker took every handheld's connection (the kernel gives a burst of new
# connections to whichever worker accepts first) the morning ran at half speed.
SLOTS = 3
# Requests that must be waiting before a second (third…) slot starts a group: a few go with the next
# group of the slot in flight, so that a moderate load makes fewer, larger groups (each group costs
# the database its statements and a commit whatever its size).
SPARE = 8


@dataclass
class Seals:
    """The trail's entries of committed groups not sealed yet, and who seals them.

    With a `sealer` (PostgreSQL: a thread and a connection of the intake's own), the sealer does,
    in a transaction of its own, at most every SEAL_EVERY, while the groups go on: a group neither
    takes the stream's head nor reads, hashes and links entries, and an entry waits SEAL_EVERY at
    most (a moment more under load). Without one, a group seals them in its own transaction when
    nobody waits behind it (the load has passed) or SEAL_EVERY has gone by since the last seal."""

    quiet: Callable[[], bool] = lambda: True
    marked: list[int | chain.Written] = field(default_factory=list)
    last: float = field(default_factory=time.monotonic)
    sealer: Sealer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # marked: the slots' threads and the sealer's

    def due(self) -> bool:
        return self.quiet() or time.monotonic() - self.last >= SEAL_EVERY

    def take(self) -> list[int | chain.Written]:
        with self.lock:
            taken, self.marked = self.marked, []
        return taken

    def keep(self, entries: list[int | chain.Written]) -> None:
        with self.lock:
            self.marked.extend(entries)


@dataclass
class Sealer:
    """Seals committed groups' entries in transactions of its own, on its own connection (a Line)
    and thread: one run at a time, SEAL_EVERY apart, for as long as entries come. A run that fails
    leaves its entries for the run the next commit starts."""

    line: Line = field(default_factory=lambda: Line())
    thread: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "scan-sealer"))
    running: bool = False

    def kick(self, seals: Seals) -> None:
        with seals.lock:
            if self.running or not seals.marked:
                return
            self.running = True
        self.thread.submit(self.run, seals)

    def run(self, seals: Seals) -> None:
        try:
            while True:
                time.sleep(max(0.0, seals.last + SEAL_EVERY - time.monotonic()))
                sealed = self._seal(seals)
                with seals.lock:
                    if not sealed or not seals.marked:
                        self.running = False  # under the lock: a commit after it starts a run
                        return
        except BaseException:
            with seals.lock:
                self.running = False
            raise

    def _seal(self, seals: Seals) -> bool:
        taken = seals.take()
        try:
            with contextmanager(self.line.sessions)() as session:
                chain.pending(session, *taken)
                session.commit()
            return True
        except Exception:
            log.warning("sealing %d trail entries of the scan intake failed; the next commit tries again",
                        len(taken), exc_info=True)
            seals.keep(taken)
            return False
        finally:
            seals.last = time.monotonic()


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
    keys: frozenset[tuple[str, str]] = frozenset()  # what its scans name: see `names`


def names(scans: list[ScanInput]) -> frozenset[tuple[str, str]]:
    """The scan ids, tubes and people a request's scans name (as the rules read them, near
    enough): a request waits for any group in flight that names one of them."""
    found: set[tuple[str, str]] = set()
    for scan in scans:
        found.add(("scan", scan.scan_id))
        if barcode := (scan.barcode or "").strip().upper():
            found.add(("tube", barcode))
        if number := (scan.id_number or "").strip().upper():
            found.add(("person", number))
    return frozenset(found)


@dataclass
class Slot:
    """Where one group at a time is written: a connection's sessions and a thread of their own
    (handing a group to it costs less than to the shared pool: anyio's limiter and cancel scopes)."""

    sessions: Opener
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "scan-intake"))
    keys: frozenset[tuple[str, str]] | None = None  # what the group in flight names; None: free


@dataclass
class Intake:
    """A worker's scans, written in groups in its slots (one on SQLite, SLOTS on PostgreSQL, each
    with its own connection). A group goes to a free slot with everyone waiting, in the order they
    came, but for a request naming a scan id, tube or person that a group in flight names (or a
    request held back before it names): it waits for that group. So a request never commits
    before an earlier one that names the same record, and a resend never races its first copy
    inside one worker."""

    slots: list[Slot]
    waiting: list[Pending] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # held: the loop keeps weak references
    seals: Seals = field(default_factory=Seals)

    def __post_init__(self) -> None:
        self.seals.quiet = lambda: not self.waiting

    async def submit(self, credential: Credential, scans: list[ScanInput]) -> list[Outcome]:
        loop = asyncio.get_running_loop()
        pending = Pending(credential, scans, loop.create_future(), keys=names(scans))
        self.waiting.append(pending)
        self._start(loop)
        return await pending.future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        for slot in self.slots:
            if not self.waiting:
                return
            if slot.keys is not None:
                continue
            if len(self.waiting) < SPARE and any(other.keys is not None for other in self.slots):
                return  # a few requests wait for the group in flight: fewer, larger groups
            group = self._take()
            if not group:
                return  # all that waits names what a group in flight names
            slot.keys = frozenset().union(*(pending.keys for pending in group))
            task = loop.create_task(self._run(slot, group))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _run(self, slot: Slot, group: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(slot.writer, write_group, slot.sessions, group, self.seals)
            for pending in group:
                _settle(pending)
        except BaseException as exc:  # cancelled with the loop: nobody may wait for ever
            failed = exc if isinstance(exc, Exception) else RuntimeError("stopped")
            for pending in group + (self.waiting if not isinstance(exc, Exception) else []):
                if not pending.future.done():
                    pending.future.set_exception(failed)
            if not isinstance(exc, Exception):
                self.waiting = []
                raise
        finally:
            slot.keys = None
        self._start(loop)

    def _take(self) -> list[Pending]:
        held = frozenset().union(*(slot.keys for slot in self.slots if slot.keys is not None))
        taken: list[Pending] = []
        left: list[Pending] = []
        count = 0
        for pending in self.waiting:
            if pending.keys & held or (taken and count + len(pending.scans) > GROUP_SCANS):
                left.append(pending)
                held |= pending.keys  # who names what it names comes after it
                continue
            taken.append(pending)
            count += len(pending.scans)
        self.waiting = left
        return taken


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
    """Commit the group: its trail entries are sealed by the sealer, or by this transaction with
    those of the groups before it when that is due, else kept for a later group. The kept ones are
    dropped only once they are sealed."""
    mine = chain.take_pending(session)
    if seals.sealer is not None:
        session.commit()
        seals.keep(mine)
        seals.sealer.kick(seals)
    elif seals.due():
        before = seals.take()
        try:
            chain.pending(session, *before, *mine)
            session.commit()
        except BaseException:
            seals.keep(before)  # this group's own entries roll back with it
            raise
        seals.last = time.monotonic()
    else:
        session.commit()
        seals.keep(mine)


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
    the sessions the app's state names (fangyi.deps.use_sessions: a test's), else SLOTS Lines of its
    own and a Sealer with another on PostgreSQL, else the sessions the app's routes get. Made once
    a loop: the scan lane (scan_api) pays nothing for the choice."""
    loop = asyncio.get_running_loop()
    app = request.app
    intakes: WeakKeyDictionary[asyncio.AbstractEventLoop, Intake] | None = getattr(app.state, "scan_intakes", None)
    if intakes is None:
        intakes = app.state.scan_intakes = WeakKeyDictionary()
    found = intakes.get(loop)
    if found is None:
        opener: Opener | None = getattr(app.state, SESSIONS, None)
        if opener is not None:
            found = Intake([Slot(opener)])
        elif get_engine().dialect.name == "postgresql":
            found = Intake([Slot(Line().sessions) for _ in range(SLOTS)], seals=Seals(sealer=Sealer()))
        else:
            found = Intake([Slot(get_session)])  # SQLite writes one transaction at a time anyway
        intakes[loop] = found
    return found
