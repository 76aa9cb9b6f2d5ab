"""The trail as hash chains: every entry is sealed when its transaction commits, as the next link
of its stream (the local day and one of a few shards, so that writers at once rarely wait on each
other), and `verify` walks every chain again.

An entry changed after the fact no longer matches its seal; an entry removed leaves its seal
pointing at nothing; an entry inserted behind the server's back (a back-dated INSERT) has no seal;
a chain cut at its end no longer meets its head. The seals and heads say nothing about what the
entries hold: the hash covers every column of the entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, event, insert, select, update
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry, AuditHead, AuditSeal
from fangyi.timeutil import now, today

PENDING = "fangyi.audit.pending"  # session.info: ids (or unflushed entries) to seal at commit
CHUNK = 5000  # ids to a statement: SQLite takes at most 32,766 parameters
# How long an entry may wait for its seal after its commit: the scan intake seals a busy morning's
# entries five times a second rather than in every group's transaction (fangyi.screening.intake).
GRACE_SECONDS = 5


@dataclass(frozen=True)
class Written:
    """Entries a bulk statement wrote, known by their time and action rather than their ids (the
    statement returns something else): the unsealed ones of that time and action."""

    at: datetime
    action: str


def pending(session: Session, *entries: Marked) -> None:
    """Mark entries (objects, ids, or a bulk write's rows) to be sealed when the session commits."""
    session.info.setdefault(PENDING, []).extend(entries)


Marked = AuditEntry | int | Written


def take_pending(session: Session) -> list[int | Written]:
    """Take this transaction's entries to seal out of its hands, for a later transaction to seal
    (`pending` there): the caller keeps them only once this one has committed."""
    marked = session.info.pop(PENDING, None)
    if not marked:
        return []
    session.flush()
    return [item if isinstance(item, int | Written) else item.id for item in marked
            if isinstance(item, int | Written) or item.id is not None]


_TRAIL = cast(Table, AuditEntry.__table__)
# An entry's columns as rows, not entities: what the hash covers, read fresh, with no unit of work
# (a sealer links a few hundred entries a fifth of a second on a busy morning).
_COLUMNS = select(_TRAIL.c.id, _TRAIL.c.at, _TRAIL.c.actor_id, _TRAIL.c.actor, _TRAIL.c.action, _TRAIL.c.entity,
                  _TRAIL.c.entity_id, _TRAIL.c.before, _TRAIL.c.after, _TRAIL.c.note)


def _entries(session: Session, marked: list[Any]) -> list[Any]:
    """The marked entries as the database holds them, in id order: by id, and a bulk write's by
    their time and action, one statement an action (and CHUNK values)."""
    ids: list[int] = sorted({key for item in marked if not isinstance(item, Written)
                             and (key := item if isinstance(item, int) else item.id) is not None})
    times: dict[str, set[datetime]] = {}
    for item in marked:
        if isinstance(item, Written):
            times.setdefault(item.action, set()).add(item.at)
    found: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        found.update((row.id, row) for row in session.execute(_COLUMNS.where(_TRAIL.c.id.in_(chunk))))
    for action, moments in sorted(times.items()):
        # This transaction's own rows or those of transactions before it that left them to it: none
        # is sealed before then (the index on `at` finds them).
        ordered = sorted(moments)
        for start in range(0, len(ordered), CHUNK):
            found.update((row.id, row) for row in session.execute(
                _COLUMNS.where(_TRAIL.c.at.in_(ordered[start:start + CHUNK]), _TRAIL.c.action == action)))
    return [found[key] for key in sorted(found)]


def content(entry: Any) -> str:
    """Every column of an entry (an AuditEntry, or a row of its columns), as one canonical text
    (what the hash covers)."""
    return json.dumps([entry.id, entry.at.isoformat(), entry.actor_id, entry.actor, entry.action, entry.entity,
                       entry.entity_id, entry.before, entry.after, entry.note],
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def link(prev_hash: str, entry: Any) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content(entry)}".encode()).hexdigest()


def _head(session: Session, stream: str) -> tuple[int, str]:
    """The stream's head (seq, hash), locked until the transaction ends, made on the day's first
    entry: one statement, since the lock is held from here to the commit."""
    dialect = session.get_bind().dialect.name
    upsert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        upsert = pg_insert(AuditHead).values(stream=stream, seq=0, hash="")
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        upsert = sqlite_insert(AuditHead).values(stream=stream, seq=0, hash="")
    # A no-op update of an existing head locks its row and returns it, as SELECT … FOR UPDATE would.
    row = session.execute(upsert.on_conflict_do_update(index_elements=[AuditHead.stream],
                                                       set_={"stream": upsert.excluded.stream})
                          .returning(AuditHead.seq, AuditHead.hash)).one()
    return int(row.seq), str(row.hash)


def seal(session: Session) -> None:
    """Seal the entries this transaction wrote, at its end: the head's lock is held only for the
    few statements before the commit."""
    marked = session.info.pop(PENDING, None)
    if not marked:
        return
    session.flush()
    # An entry of a savepoint rolled back since has no id, or an id the database no longer holds.
    entries = _entries(session, marked)
    if not entries:
        return
    # On PostgreSQL each process writes its own chain a day, so that two server workers' commits do
    # not wait for each other's head (a process's threads still take turns at theirs); the stream
    # name holds 16 characters. SQLite writes one transaction at a time anyway.
    shard = os.getpid() % 10_000 if session.get_bind().dialect.name == "postgresql" else 0
    stream = f"{today().isoformat()}/{shard}"
    seq, prev = _head(session, stream)
    rows = []
    for entry in entries:
        seq += 1
        digest = link(prev, entry)
        rows.append({"entry_id": entry.id, "stream": stream, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    # One statement of many rows a thousand (SQLAlchemy's insertmanyvalues), its text made once.
    session.execute(insert(cast(Table, AuditSeal.__table__)), rows)
    session.execute(update(AuditHead).where(AuditHead.stream == stream).values(seq=seq, hash=prev))


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    seal(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


# --- verifying -------------------------------------------------------------------------------


@dataclass
class Verdict:
    streams: int = 0
    sealed: int = 0
    before_chain: int = 0  # entries older than the first seal: written before the chain began
    awaiting: int = 0  # entries of the last few seconds not sealed yet (see GRACE_SECONDS)
    broken: list[str] = field(default_factory=list)  # the first broken link of each broken stream, and strays
    heads: dict[str, str] = field(default_factory=dict)  # each stream's last hash, to write down elsewhere

    @property
    def ok(self) -> bool:
        return not self.broken


def verify(session: Session, *, since: date | None = None) -> Verdict:
    """Walk every chain (of days from `since` on) and name the first broken link of each."""
    verdict = Verdict()
    heads = {head.stream: head for head in session.scalars(
        select(AuditHead).execution_options(populate_existing=True))}
    streams = set(heads) | set(session.scalars(select(AuditSeal.stream).distinct()))
    chosen = sorted(s for s in streams if since is None or s.split("/")[0] >= since.isoformat())
    sealed_ids: set[int] = set()
    for stream in chosen:
        verdict.streams += 1
        problem = _walk(session, stream, heads.get(stream), sealed_ids, verdict)
        if problem:
            verdict.broken.append(problem)
    first = session.scalar(select(AuditSeal.entry_id).order_by(AuditSeal.entry_id).limit(1))
    if first is not None:
        query = select(AuditEntry.id).where(AuditEntry.id >= first)
        if since is not None:
            query = query.where(AuditEntry.at >= _start_of(since))
        all_sealed = set(session.scalars(select(AuditSeal.entry_id).where(AuditSeal.entry_id >= first)))
        recent = now() - timedelta(seconds=GRACE_SECONDS)
        strays = []
        for entry_id, at in session.execute(query.add_columns(AuditEntry.at).order_by(AuditEntry.id)):
            if entry_id in all_sealed:
                continue
            if at >= recent:
                verdict.awaiting += 1  # committed a moment ago; its seal follows within a moment
            else:
                strays.append(entry_id)
        verdict.broken.extend(f"entry {entry_id} has no seal: it was not written by Fangyi" for entry_id in strays[:20])
        verdict.before_chain = session.scalar(select(AuditEntry.id).where(AuditEntry.id < first)
                                              .order_by(AuditEntry.id.desc()).limit(1)) or 0
    return verdict


def _start_of(day: date) -> Any:
    from fangyi.timeutil import day_bounds

    return day_bounds(day)[0]


def _walk(session: Session, stream: str, head: AuditHead | None, seen: set[int], verdict: Verdict) -> str | None:
    prev, expected = "", 1
    seals = session.execute(select(AuditSeal, AuditEntry).outerjoin(AuditEntry, AuditEntry.id == AuditSeal.entry_id)
                            .where(AuditSeal.stream == stream).order_by(AuditSeal.seq)
                            .execution_options(populate_existing=True)).all()
    for seal_row, entry in seals:
        where = f"stream {stream}, link {seal_row.seq}"
        if seal_row.seq != expected:
            return f"{where}: link {expected} is missing"
        if seal_row.prev_hash != prev:
            return f"{where}: it does not follow link {expected - 1}"
        if entry is None:
            return f"{where}: entry {seal_row.entry_id} is gone"
        if link(prev, entry) != seal_row.hash:
            return f"{where}: entry {entry.id} was changed after it was written"
        seen.add(entry.id)
        verdict.sealed += 1
        prev, expected = seal_row.hash, expected + 1
    if head is None:
        return f"stream {stream}: its head is gone"
    verdict.heads[stream] = head.hash
    if (head.seq, head.hash) != (expected - 1, prev):
        return f"stream {stream}: its head is at link {head.seq}, the chain ends at link {expected - 1}"
    return None
