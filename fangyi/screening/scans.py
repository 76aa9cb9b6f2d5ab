"""Registration by scan: open a tube, scan people into it, close it; every scan exactly once.

Each scan carries the handheld's own scan_id, and is stored under it with the answer it got: a
resent scan finds it and gets that answer again, whatever happened since, and changes nothing.

The work is set-wise: the scans of many requests (a `Job` each: one actor's scans, in the order
the handheld made them) go through one transaction with a fixed number of statements: read the
scans stored already, the points, and the tubes and people named (locked), apply the rules scan
by scan in memory, then write samples, tubes, scans with their answers, and audit rows in one
statement each. On a busy morning the statements per scan, not the rules, are what a server runs
out of (ceilings.md: one commit per scan is the wall).

Guarantees between transactions. PostgreSQL: the tubes are row-locked and the people
advisory-locked, in id order, so two handhelds can never overfill a tube or put one person into
two open tubes of a round; a scan id stored by another transaction meanwhile (a resend racing its
first copy) makes this one fail whole (ScanRaced, or the unique scan_id of samples) and be sent
again. SQLite writes one transaction at a time; callers that read before writing begin with
the write lock (fangyi.db.session.WRITE_FIRST).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NotRequired, Required, TypedDict, cast

from sqlalchemy import Integer, String, Table, bindparam, func, literal, null, select, text, type_coerce, union_all
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide, require, sees
from fangyi.audit import service as audit
from fangyi.db import bulk
from fangyi.db.base import Instant
from fangyi.db.session import write_first
from fangyi.identity import mask_id_number
from fangyi.registry.models import Person
from fangyi.screening import tubes as rules
from fangyi.screening.common import (
    CONTROL_CHECKS,
    Refusal,
    ScanCode,
    ScanStatus,
    check_barcode,
    check_id_number,
    fallback_area,
    find_person,
    pick_round,
    pool_sizes,
    register_unverified,
)
from fangyi.screening.models import Control, Sample, SamplingPoint, Scan, ScreeningRound, Tube
from fangyi.screening.tubes import PersonRow, PointRow, TubeRow
from fangyi.timeutil import now

ACTIONS = ("open", "person", "close")
MAX_BATCH = 20
# Advisory-lock class for "a person being scanned" (PostgreSQL): any fixed number no other part uses.
PERSON_LOCK = 4304


class TubeView(TypedDict):
    barcode: str
    members: int
    pool_size: int
    state: str


class PersonView(TypedDict):
    name: str
    id_number: str  # masked
    temporary: bool


class Outcome(TypedDict, total=False):
    """A scan's answer, as stored with the scan and given again to a resend (schemas.ScanOut is
    its shape on the wire)."""

    scan_id: Required[str]
    action: str | None
    status: Required[ScanStatus]
    code: ScanCode
    message: str
    params: dict[str, str | int]
    flags: list[str]
    tube: TubeView
    person: PersonView
    repeated: bool
    # Where the records the answer names lie (the point named, the tube's point, the person): who
    # else may be given it again. Stored, never sent (ScanOut has no such field).
    reach: NotRequired[list[str | None]]


@dataclass
class ScanInput:
    scan_id: str
    action: str
    barcode: str | None = None
    point_code: str | None = None
    round_code: str | None = None
    id_number: str | None = None
    name: str | None = None
    pool_size: int | None = None
    scanned_at: datetime | None = None


class ScanRaced(Exception):
    """Scans stored by another transaction while this one applied them: roll back and send again
    (the second time they are answered as resent)."""


@dataclass
class Job:
    """One request's scans: who sent them and what they were, in the order they were made."""

    actor: Principal
    scans: list[ScanInput]


# Statements built once, in plain Core on the tables: on a busy morning building SQL expressions
# and running them through the ORM's unit of work costs more than the database's own work.
SCANS = cast(Table, Scan.__table__)
TUBES = cast(Table, Tube.__table__)
SAMPLES = cast(Table, Sample.__table__)
_T, _P, _C = TUBES.c, cast(Table, Person.__table__).c, cast(Table, Control.__table__).c
_SP = cast(Table, SamplingPoint.__table__).c
_R = cast(Table, ScreeningRound.__table__).c
# Rounds as rows, not entities: read once a group that opens a tube.
_ROUNDS = select(_R.id, _R.code, _R.pool_size, _R.starts_at, _R.deadline_at, _R.area_codes).order_by(
    _R.starts_at.desc())
# Each stored scan with who made it: its answer (a name, a masked number, a tube) is shown again
# only to its own sender or to someone whose jurisdiction holds all it names (its `reach`).
_STORED = select(SCANS.c.scan_id, SCANS.c.outcome, SCANS.c.actor_id).where(bulk.in_json(SCANS.c.scan_id, "ids"))
_TUBE_COLUMNS = (_T.id, _T.barcode, _T.state, _T.pool_size, _T.members, _T.round_id, _T.point_id,
                 select(_SP.area_code).where(_SP.id == _T.point_id).scalar_subquery(), _T.actor_id)
_TUBES = select(*_TUBE_COLUMNS).where(bulk.in_json(_T.barcode, "barcodes")).order_by(_T.id)
_TUBES_LOCKED = _TUBES.with_for_update(of=TUBES)
_PEOPLE = select(_P.id, _P.name, _P.id_number, _P.merged_into_id, _P.area_code).where(
    bulk.in_json(_P.id_number, "numbers"))
def _tube(column: Any) -> Any:
    """A column of the sample's own tube, looked up by its primary key."""
    return select(column).where(_T.id == SAMPLES.c.tube_id).scalar_subquery()


# What the people scanned stand under: their controls during the scans' times (a kind "c" row),
# and the open tubes they are in already, by round (one person, one open tube per round; "t").
# One statement for both, read after the people are locked.
_AROUND = union_all(
    select(literal("c").label("kind"), _C.person_id, _C.id, _C.started_at, _C.ended_at, _C.reason,
           type_coerce(null(), Integer).label("round_id"), type_coerce(null(), String).label("barcode")).where(
        bulk.in_json(_C.person_id, "ids"),
        _C.started_at <= bindparam("last", type_=Instant()),
        _C.ended_at.is_(None) | (_C.ended_at > bindparam("first", type_=Instant()))),
    # From each person's few samples to their tubes by primary key: joined the other way, the
    # planner may start from every open tube of the morning (one per handheld at work).
    select(literal("t"), SAMPLES.c.person_id, SAMPLES.c.id, null(), null(), null(), SAMPLES.c.round_id,
           _tube(_T.barcode)).where(bulk.in_json(SAMPLES.c.person_id, "ids"), _tube(_T.state) == "open"),
).order_by(text("2, 3"))
_POINTS = select(_SP.id, _SP.code, _SP.area_code).where(bulk.in_json(_SP.code, "codes"))
SCAN_COLUMNS = ("scan_id", "action", "barcode", "at", "actor_id", "outcome")
# The point's id looked up by the database as the scan is stored.
SCAN_POINT = {"point_id": "(SELECT id FROM sampling_points WHERE sampling_points.code = r.point_code)"}
SCAN_EXTRA: dict[str, Any] = {"point_code": String(40)}
SAMPLE_COLUMNS = ("tube_id", "person_id", "round_id", "sampled_at", "scan_id", "point_code", "actor_id")
# A tube's closed_at is set once, by the scan that closed it; `at` is that scan's time.
TUBE_CHANGES = {"members": "r.members", "state": "r.state",
                "closed_at": "CASE WHEN r.state = 'closed' AND tubes.closed_at IS NULL THEN r.at "
                             "ELSE tubes.closed_at END"}
TUBE_EXTRA: dict[str, Any] = {"at": Instant()}
# Both dialects have INSERT … ON CONFLICT … DO NOTHING … RETURNING. Keyed by "is PostgreSQL".
_OPEN = {
    pg: (postgresql.insert if pg else sqlite.insert)(TUBES).values({
        name: bindparam(name, type_=Instant() if name == "opened_at" else None)
        for name in ("barcode", "round_id", "point_id", "pool_size", "members", "state", "opened_at", "flag",
                     "actor_id")
    }).on_conflict_do_nothing(index_elements=["barcode"]).returning(_T.id)
    for pg in (True, False)
}


# PostgreSQL: the people are locked as they are read, in id order (advisory locks, released at
# commit; PostgreSQL evaluates a volatile function in the select list after the ORDER BY). Keys fold
# the id into the lock's 32-bit half: two people sharing a key only wait for each other, harmlessly.
_PEOPLE_LOCKED = _PEOPLE.add_columns(
    func.pg_advisory_xact_lock(PERSON_LOCK, sql_cast(_P.id % 2147483647, Integer))).order_by(_P.id)


def record_scans(session: Session, actor: Principal, scans: list[ScanInput]) -> list[Outcome]:
    """Apply one sender's scans in order; each gets its outcome (ok or refused, with the reason).
    The caller commits."""
    return record_jobs(session, [Job(actor, scans)])[0]


def record_jobs(session: Session, jobs: Sequence[Job]) -> list[list[Outcome]]:
    """Apply the scans of many requests in one transaction; the outcomes per job, in order.
    The caller commits."""
    for job in jobs:
        require(job.actor, "scan_samples")
    write_first(session)
    return _Group(session, jobs).run()


@dataclass
class _Group:
    """One transaction's scans: what they read, the state they leave, what they will write."""

    session: Session
    jobs: Sequence[Job]
    postgresql: bool = False
    moment: datetime = field(default_factory=now)
    points: dict[str, PointRow | None] = field(default_factory=dict)
    tubes: dict[str, TubeRow] = field(default_factory=dict)
    people: dict[str, PersonRow | None] = field(default_factory=dict)
    controls: dict[int, list[tuple[datetime, datetime | None, str]]] = field(default_factory=dict)
    open_in: dict[int, dict[int | None, set[str]]] = field(default_factory=dict)
    rounds: list[Any] | None = None  # rows of _ROUNDS
    by_code: dict[str, Any] = field(default_factory=dict)
    sizes: tuple[int, ...] = ()  # the protocol's pool sizes, read once
    checks: dict[tuple[Callable[[str | None], str], str | None], str | Refusal] = field(default_factory=dict)
    changed: dict[int, dict[str, Any]] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # the scans applied, as stored
    swabbed: str | None = None  # the area of the person the scan being applied swabbed

    def run(self) -> list[list[Outcome]]:
        self.postgresql = self.session.get_bind().dialect.name == "postgresql"
        scans = [scan for job in self.jobs for scan in job.scans]
        if not scans:
            return [[] for _ in self.jobs]
        ids = sorted({scan.scan_id for scan in scans})
        stored: dict[str, Outcome | None] = {}
        makers: dict[str, int | None] = {}
        for sid, out, actor_id in self.session.execute(_STORED, {"ids": bulk.listed(ids)}):
            stored[sid], makers[sid] = out, actor_id
        self._read([scan for scan in scans if scan.scan_id not in stored])  # a resend reads nothing more
        answers: dict[str, Outcome] = {}
        fresh: list[list[Outcome]] = []
        results: list[list[Outcome]] = []
        for job in self.jobs:
            outcomes: list[Outcome] = []
            mine: list[Outcome] = []
            for scan in job.scans:
                if scan.scan_id in answers or scan.scan_id in stored:
                    first = answers.get(scan.scan_id) or stored[scan.scan_id]
                    if not may_see(job.actor, makers[scan.scan_id], first.get("reach") if first else None):
                        outcomes.append(_taken(scan))
                        continue
                    # A stored scan without an answer (none is written so now) is reported pending.
                    outcomes.append({**(first or {"scan_id": scan.scan_id, "status": "pending"}), "repeated": True})
                    continue
                point = self.points.get((scan.point_code or "").strip())
                self.swabbed = None
                try:
                    done = self._apply(job.actor, scan, point)
                except Refusal as refusal:
                    done = {"scan_id": scan.scan_id, "status": "refused", "code": refusal.code,
                            "message": refusal.message, "params": {k: str(v) for k, v in refusal.params.items()}}
                # The tube as the scan found or left it (a used barcode's: the tube that used it).
                tube = self.tubes.get(self._valid(check_barcode, scan.barcode) or "")
                answer = answers[scan.scan_id] = {
                    **done, "scan_id": scan.scan_id, "action": scan.action,
                    "reach": [point.area_code if point else None, tube.point_area if tube else None, self.swabbed]}
                makers[scan.scan_id] = job.actor.id or None
                self.claims.append({"scan_id": scan.scan_id, "action": scan.action,
                                    "barcode": (scan.barcode or "")[:60] or None, "at": self.moment,
                                    "actor_id": job.actor.id or None,
                                    "point_code": (scan.point_code or "").strip() or None,
                                    "outcome": answer})
                mine.append(answer)
                outcomes.append({**answer, "repeated": False})
            fresh.append(mine)
            results.append(outcomes)
        self._write(answers, fresh)
        return results

    # --- reading -----------------------------------------------------------------------

    def _read(self, scans: list[ScanInput]) -> None:
        """Points, tubes, people, their controls and open tubes: a few statements for all scans."""
        codes = sorted({(scan.point_code or "").strip() for scan in scans} - {""})
        if codes:
            found = {row.code: PointRow(*row) for row in bulk.run(self.session, _POINTS, {"codes": bulk.listed(codes)})}
            self.points = {code: found.get(code) for code in codes}
        barcodes = sorted({code for scan in scans if scan.action != "open"
                           if (code := self._valid(check_barcode, scan.barcode)) is not None})
        self._load_tubes(barcodes)
        self._load_people({number for scan in scans if scan.action == "person"
                           if (number := self._valid(check_id_number, scan.id_number)) is not None})

    def _load_tubes(self, barcodes: Sequence[str]) -> None:
        """These tubes as they stand, row-locked on PostgreSQL until the commit."""
        if barcodes:
            statement = _TUBES_LOCKED if self.postgresql else _TUBES
            for row in bulk.run(self.session, statement, {"barcodes": bulk.listed(barcodes)}):
                self.tubes[row.barcode] = TubeRow(*row)

    def _load_people(self, numbers: Iterable[str]) -> None:
        numbers = sorted(set(numbers) - self.people.keys())
        if not numbers:
            return
        self.people.update(dict.fromkeys(numbers))
        # On PostgreSQL, locked before their open tubes are read below: a concurrent scan of the
        # same person waits here, then sees the sample the other wrote.
        statement = _PEOPLE_LOCKED if self.postgresql else _PEOPLE
        rows = [PersonRow(*row[:5]) for row in bulk.run(self.session, statement, {"numbers": bulk.listed(numbers)})]
        self.people.update({row.id_number: row for row in rows})
        ids = [row.id for row in rows]
        if not ids:
            return
        for kind, person_id, _, started, ended, reason, round_id, barcode in self.session.execute(
                _AROUND, {"ids": bulk.listed(ids), "first": self._first_at(), "last": self._last_at()}):
            if kind == "c":
                self.controls.setdefault(person_id, []).append((started, ended, reason))
            else:
                self.open_in.setdefault(person_id, {}).setdefault(round_id, set()).add(barcode)

    def _checked(self, check: Callable[[str | None], str], raw: str | None) -> str:
        """A barcode or identity number checked once a group (read first, used again by its scan)."""
        key = (check, raw)
        if key not in self.checks:
            try:
                self.checks[key] = check(raw)
            except Refusal as refusal:
                self.checks[key] = refusal
        found = self.checks[key]
        if isinstance(found, Refusal):
            raise found
        return found

    def _valid(self, check: Callable[[str | None], str], raw: str | None) -> str | None:
        try:
            return self._checked(check, raw)
        except Refusal:
            return None

    def _first_at(self) -> datetime:
        # The group's own moment counts: scans sent without a time are made at it.
        return min([self.moment, *(s.scanned_at for j in self.jobs for s in j.scans if s.scanned_at)])

    def _last_at(self) -> datetime:
        return max([self.moment, *(s.scanned_at for j in self.jobs for s in j.scans if s.scanned_at)])

    def _person(self, id_number: str) -> PersonRow | None:
        """The person with that number; a merged record gives way to its survivor."""
        self._load_people([id_number])
        row = self.people.get(id_number)
        if row is not None and row.merged_into_id is not None:
            survivor = find_person(self.session, id_number)
            if survivor is None:
                return None
            self._load_people([survivor.id_number])
            row = self.people.get(survivor.id_number)
        return row

    def _control(self, person_id: int, at: datetime) -> str | None:
        for started, ended, reason in self.controls.get(person_id, ()):
            if started <= at and (ended is None or ended > at):
                return reason
        for check in CONTROL_CHECKS:
            if (found := check(self.session, person_id, at)) is not None:
                return found
        return None

    def _round_for(self, area_code: str, at: datetime) -> Any:
        if self.rounds is None:
            # Rounds are few: every round not over before the earliest scan, read once.
            self.rounds = list(self.session.execute(_ROUNDS.where(_R.deadline_at >= self._first_at())))
        return pick_round(self.rounds, area_code, at)

    def _elsewhere(self, barcodes: Iterable[str]) -> list[TubeRow]:
        """Other open tubes a person is in: read (unlocked) only when there are some, which is a
        refusal; a tube closed by an earlier scan of this transaction no longer counts."""
        wanted = sorted(barcodes)
        if not wanted:
            return []
        missing = [code for code in wanted if code not in self.tubes]
        found = {row.barcode: TubeRow(*row) for row in bulk.run(self.session, _TUBES, {
            "barcodes": bulk.listed(missing)})} if missing else {}
        return [tube for code in wanted if (tube := self.tubes.get(code) or found.get(code)) is not None
                and tube.state == "open"]

    # --- the rules, scan by scan (tubes.py: the same for an offline batch) ------------------

    def _apply(self, actor: Principal, scan: ScanInput, point: PointRow | None) -> Outcome:
        if scan.action not in ACTIONS:
            raise Refusal("bad_action", f"action must be one of {', '.join(ACTIONS)}")
        rules.check_point(actor, point)
        if scan.action != "open" and not (scan.barcode or "").strip():
            raise Refusal("unknown_tube", "scan a tube first", barcode="")
        barcode = self._checked(check_barcode, scan.barcode)
        at = scan.scanned_at or self.moment
        if scan.action == "open":
            return self._open(actor, scan, barcode, point, at)
        tube = self.tubes.get(barcode)
        if tube is None:
            raise Refusal("unknown_tube", f"tube {barcode} has not been opened: scan the tube first", barcode=barcode)
        rules.check_tube(actor, tube)
        if scan.action == "close":
            return self._close(scan, tube, at)
        return self._add(actor, scan, tube, point, at)

    def _open(self, actor: Principal, scan: ScanInput, barcode: str, point: PointRow | None,
              at: datetime) -> Outcome:
        flags = []
        if point is None:
            flags.append(f"sampling point {scan.point_code or '(none)'} unknown")
        code = (scan.round_code or "").strip()
        chosen = None
        if code:
            if code not in self.by_code:
                self.by_code[code] = self.session.execute(_ROUNDS.where(_R.code == code)).first()
            chosen = self.by_code[code]
            if chosen is None:
                flags.append(f"round {scan.round_code} unknown")
        elif point is not None:
            chosen = self._round_for(point.area_code, at)
        self.sizes = self.sizes or pool_sizes()
        size = rules.pool_size(scan.pool_size, chosen.pool_size if chosen else None, self.sizes)
        point_id = point.id if point else None
        tube_id = self.session.scalar(_OPEN[self.postgresql], {
            "barcode": barcode, "round_id": chosen.id if chosen else None, "point_id": point_id,
            "pool_size": size, "members": 0, "state": "open", "opened_at": at, "flag": "; ".join(flags) or None,
            "actor_id": actor.id or None})
        if tube_id is None:
            tube = self._existing(barcode)
            if tube.state == "open" and tube.point_id == point_id and rules.in_reach(actor, tube):
                return {"scan_id": scan.scan_id, "status": "ok", "code": "tube_resumed",
                        "message": f"tube {barcode} is open: go on scanning", "params": {"barcode": barcode},
                        "tube": _view(tube)}
            raise rules.barcode_used(actor, tube)
        self.tubes[barcode] = TubeRow(tube_id, barcode, "open", size, 0, chosen.id if chosen else None, point_id,
                                      point.area_code if point else None, actor.id or None)
        return {"scan_id": scan.scan_id, "status": "ok", "code": "tube_opened",
                "message": f"tube {barcode} opened for {size}", "params": {"barcode": barcode, "size": size},
                "flags": flags, "tube": _view(self.tubes[barcode])}

    def _existing(self, barcode: str) -> TubeRow:
        """A tube whose barcode another scan used: as this transaction leaves it (locked on PostgreSQL)."""
        if barcode not in self.tubes:
            self._load_tubes([barcode])
        return self.tubes[barcode]

    def _set(self, changed: TubeRow, at: datetime) -> TubeRow:
        self.tubes[changed.barcode] = changed
        # `at` is when it closed, if it did: a closed tube changes no more.
        self.changed[changed.id] = {"id": changed.id, "members": changed.members, "state": changed.state, "at": at}
        return changed

    def _close(self, scan: ScanInput, tube: TubeRow, at: datetime) -> Outcome:
        rules.check_close(tube)
        closed = self._set(replace(tube, state="closed"), at)
        return {"scan_id": scan.scan_id, "status": "ok", "code": "tube_closed",
                "message": f"tube {tube.barcode} closed with {tube.members}",
                "params": {"barcode": tube.barcode, "members": tube.members}, "tube": _view(closed)}

    def _add(self, actor: Principal, scan: ScanInput, tube: TubeRow, point: PointRow | None,
             at: datetime) -> Outcome:
        rules.check_open(tube)
        id_number = self._checked(check_id_number, scan.id_number)
        row = self._person(id_number)
        temporary = False
        if row is None:
            name = rules.name_to_register(id_number, scan.name)
            area = point.area_code if point else fallback_area(self.session, actor)
            person = register_unverified(self.session, actor, id_number, name, area,
                                         point.code if point else None, "not in the registry when sampled")
            row = self.people[id_number] = PersonRow(person.id, person.name, person.id_number, None, area)
            temporary = True
        self.swabbed = row.area_code
        rules.check_person(actor, row)
        rounds = self.open_in.setdefault(row.id, {})
        here = rounds.get(tube.round_id, set())
        rules.check_swab(actor, tube, row, control=self._control(row.id, at), in_tube=tube.barcode in here,
                         elsewhere=self._elsewhere(here - {tube.barcode}) if tube.round_id is not None else [])
        grown = self._set(rules.swabbed(tube), at)
        rounds.setdefault(tube.round_id, set()).add(tube.barcode)
        self.samples.append({
            "tube_id": tube.id, "person_id": row.id, "round_id": tube.round_id, "sampled_at": at,
            "scan_id": scan.scan_id, "point_code": scan.point_code, "actor_id": actor.id or None})
        return {"scan_id": scan.scan_id, "status": "ok",
                "code": "tube_closed_full" if grown.state == "closed" else "added",
                "message": f"{row.name} in tube {tube.barcode} ({grown.members}/{tube.pool_size})",
                "params": {"name": row.name, "barcode": tube.barcode, "members": grown.members,
                           "size": tube.pool_size},
                "person": {"name": row.name, "id_number": mask_id_number(row.id_number), "temporary": temporary},
                "tube": _view(grown)}

    # --- writing ---------------------------------------------------------------------------

    def _write(self, answers: dict[str, Outcome], fresh: list[list[Outcome]]) -> None:
        """Samples, tubes, answers and audit rows: one statement on PostgreSQL, one a table on SQLite,
        whatever the number of scans."""
        if not answers:
            return  # every scan was a resend: nothing changed
        dialect = "postgresql" if self.postgresql else "sqlite"
        parts = []
        if self.samples:
            parts.append(bulk.insert_part(dialect, SAMPLES, self.samples, SAMPLE_COLUMNS))
        if self.changed:
            parts.append(bulk.update_part(dialect, TUBES, "id", [self.changed[key] for key in sorted(self.changed)],
                                          TUBE_CHANGES, extra=TUBE_EXTRA))
        # One audit entry per request that wrote something, made by the audit module for the same
        # statement as the scans.
        parts.append(audit.bulk_entries(self.session, self.moment, [
            audit.Entry(job.actor, "scan", "scans", after={
                "scan_ids": [o["scan_id"] for o in mine][:MAX_BATCH],
                "ok": sum(o["status"] == "ok" for o in mine), "refused": sum(o["status"] != "ok" for o in mine)})
            for job, mine in zip(self.jobs, fresh, strict=True) if mine]))
        # Last, for its result: each scan with the answer a resend will get. Another transaction
        # storing one of these scan ids since they were read means that scan was just applied
        # twice: undo it all.
        parts.append(bulk.insert_part(dialect, SCANS, self.claims, SCAN_COLUMNS, conflict="scan_id",
                                      returning="scan_id", computed=SCAN_POINT, extra=SCAN_EXTRA))
        written = set(bulk.write(self.session, parts).scalars())
        if len(written) != len(self.claims):
            raise ScanRaced(sorted({claim["scan_id"] for claim in self.claims} - written))


def _taken(scan: ScanInput) -> Outcome:
    """What a scan id already used by someone out of sight gets: nothing of the first scan's answer."""
    return {"scan_id": scan.scan_id, "action": scan.action, "status": "refused", "code": "scan_id_taken",
            "repeated": False, "params": {},
            "message": "this scan id was sent before by another handheld: the handheld must make a new one"}


def may_see(who: Principal, maker: int | None, reach: list[str | None] | None) -> bool:
    """Whether a stored scan's answer may go to this principal: its own sender, or one whose
    jurisdiction holds every record it names (the point, the tube's point, the person). An answer
    stored without its reach, or naming no known place, only to the county."""
    if maker == (who.id or None):
        return True
    known = [area for area in reach or () if area is not None]
    if not known:
        return county_wide(who)
    return all(sees(who, area) for area in known)



def _view(tube: TubeRow) -> TubeView:
    return {"barcode": tube.barcode, "members": tube.members, "pool_size": tube.pool_size, "state": tube.state}
