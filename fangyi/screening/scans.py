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
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, func, literal, null, select, text, type_coerce, union_all
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.areacodes import AreaCodeError, within
from fangyi.audit.models import AuditEntry
from fangyi.auth.models import User
from fangyi.db import bulk
from fangyi.db.base import Instant
from fangyi.db.session import write_first
from fangyi.identity import mask_id_number
from fangyi.registry.models import Person
from fangyi.screening.common import (
    CONTROL_CHECKS,
    Refusal,
    check_barcode,
    check_id_number,
    fallback_area,
    find_person,
    pick_round,
    pool_sizes,
    register_unverified,
)
from fangyi.screening.models import Control, Sample, SamplingPoint, Scan, ScreeningRound, Tube
from fangyi.timeutil import now

ACTIONS = ("open", "person", "close")
MAX_BATCH = 20
# Advisory-lock class for "a person being scanned" (PostgreSQL): any fixed number no other part uses.
PERSON_LOCK = 4304


@dataclass(frozen=True)
class TubeRow:
    id: int
    barcode: str
    state: str
    pool_size: int
    members: int
    round_id: int | None
    point_id: int | None = None
    point_area: str | None = None  # where its point is: who may scan into it


@dataclass(frozen=True)
class PointRow:
    id: int
    code: str
    area_code: str


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    id_number: str
    merged_into_id: int | None


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
# Each stored scan with who made it and where: its answer (a name, a masked number, a tube) is
# shown again only to its own sender or to someone whose jurisdiction holds both the point it named
# and its tube's own point.
_STORED = select(SCANS.c.scan_id, SCANS.c.outcome, SCANS.c.actor_id,
                 select(_SP.area_code).where(_SP.id == SCANS.c.point_id).scalar_subquery(),
                 select(_SP.area_code).join(TUBES, _T.point_id == _SP.id).where(
                     _T.barcode == func.upper(func.trim(SCANS.c.barcode))).scalar_subquery()).where(
    bulk.in_json(SCANS.c.scan_id, "ids"))
_TUBE_COLUMNS = (_T.id, _T.barcode, _T.state, _T.pool_size, _T.members, _T.round_id, _T.point_id,
                 select(_SP.area_code).where(_SP.id == _T.point_id).scalar_subquery())
_TUBES = select(*_TUBE_COLUMNS).where(bulk.in_json(_T.barcode, "barcodes")).order_by(_T.id)
_TUBES_LOCKED = _TUBES.with_for_update(of=TUBES)
_PEOPLE = select(_P.id, _P.name, _P.id_number, _P.merged_into_id).where(
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
AUDIT = cast(Table, AuditEntry.__table__)
AUDIT_COLUMNS = ("at", "actor_id", "actor", "action", "entity", "after")
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


def record_scans(session: Session, actor: Principal, scans: list[ScanInput]) -> list[dict[str, Any]]:
    """Apply one sender's scans in order; each gets its outcome (ok or refused, with the reason).
    The caller commits."""
    return record_jobs(session, [Job(actor, scans)])[0]


def record_jobs(session: Session, jobs: Sequence[Job]) -> list[list[dict[str, Any]]]:
    """Apply the scans of many requests in one transaction; the outcomes per job, in order.
    The caller commits."""
    for job in jobs:
        if isinstance(job.actor, User):
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

    def run(self) -> list[list[dict[str, Any]]]:
        self.postgresql = self.session.get_bind().dialect.name == "postgresql"
        scans = [scan for job in self.jobs for scan in job.scans]
        if not scans:
            return [[] for _ in self.jobs]
        ids = sorted({scan.scan_id for scan in scans})
        stored: dict[str, Any] = {}
        # scan_id -> (actor id, the areas of the point it named and of its tube's point)
        makers: dict[str, tuple[int | None, tuple[str | None, ...]]] = {}
        for sid, out, actor_id, *areas in self.session.execute(_STORED, {"ids": bulk.listed(ids)}):
            stored[sid], makers[sid] = out, (actor_id, tuple(areas))
        self._read([scan for scan in scans if scan.scan_id not in stored])  # a resend reads nothing more
        answers: dict[str, dict[str, Any]] = {}
        fresh: list[list[dict[str, Any]]] = []
        results: list[list[dict[str, Any]]] = []
        for job in self.jobs:
            outcomes, mine = [], []
            for scan in job.scans:
                if scan.scan_id in answers or scan.scan_id in stored:
                    if not _may_see(job.actor, *makers[scan.scan_id]):
                        outcomes.append(_TAKEN | {"scan_id": scan.scan_id, "action": scan.action})
                        continue
                    # A stored scan without an answer (none is written so now) is reported pending.
                    first = answers.get(scan.scan_id) or stored[scan.scan_id] or {
                        "scan_id": scan.scan_id, "status": "pending"}
                    outcomes.append({**first, "repeated": True})
                    continue
                point = self.points.get((scan.point_code or "").strip())
                tube = self.tubes.get(self._valid(check_barcode, scan.barcode) or "")
                makers[scan.scan_id] = (job.actor.id or None, (point.area_code if point else None,
                                                               tube.point_area if tube else None))
                try:
                    outcome = self._apply(job.actor, scan, point)
                except Refusal as refusal:
                    outcome = {"status": "refused", "code": refusal.code, "message": refusal.message,
                               "params": {k: str(v) for k, v in refusal.params.items()}}
                answers[scan.scan_id] = {"scan_id": scan.scan_id, "action": scan.action, **outcome}
                self.claims.append({"scan_id": scan.scan_id, "action": scan.action,
                                    "barcode": (scan.barcode or "")[:60] or None, "at": self.moment,
                                    "actor_id": job.actor.id or None,
                                    "point_code": (scan.point_code or "").strip() or None,
                                    "outcome": answers[scan.scan_id]})
                mine.append(answers[scan.scan_id])
                outcomes.append({**answers[scan.scan_id], "repeated": False})
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
        rows = [PersonRow(*row[:4]) for row in bulk.run(self.session, statement, {"numbers": bulk.listed(numbers)})]
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

    # --- the rules, scan by scan ----------------------------------------------------------

    def _apply(self, actor: Principal, scan: ScanInput, point: PointRow | None) -> dict[str, Any]:
        if scan.action not in ACTIONS:
            raise Refusal("bad_action", f"action must be one of {', '.join(ACTIONS)}")
        if isinstance(actor, User) and point is not None and not _inside(point.area_code, actor.area_code):
            raise Refusal("outside", f"sampling point {point.code} is outside your jurisdiction", point=point.code)
        if scan.action != "open" and not (scan.barcode or "").strip():
            raise Refusal("unknown_tube", "scan a tube first", barcode="")
        barcode = self._checked(check_barcode, scan.barcode)
        at = scan.scanned_at or self.moment
        if scan.action == "open":
            return self._open(actor, scan, barcode, point, at)
        tube = self.tubes.get(barcode)
        if tube is None:
            raise Refusal("unknown_tube", f"tube {barcode} has not been opened: scan the tube first", barcode=barcode)
        if (isinstance(actor, User) and tube.point_area is not None
                and not _inside(tube.point_area, actor.area_code)):
            # The tube's own point, not the one the scan names: a tube is worked where it was opened.
            raise Refusal("outside", f"tube {barcode} belongs to a sampling point outside your jurisdiction",
                          barcode=barcode)
        if scan.action == "close":
            return self._close(tube, at)
        return self._add(actor, scan, tube, point, at)

    def _open(self, actor: Principal, scan: ScanInput, barcode: str, point: PointRow | None,
              at: datetime) -> dict[str, Any]:
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
        sizes = self.sizes = self.sizes or pool_sizes()
        size = scan.pool_size or (chosen.pool_size if chosen else max(sizes))
        if size not in sizes:
            allowed = ", ".join(map(str, sizes))
            raise Refusal("bad_pool_size", f"pool size {size} is not allowed ({allowed})", size=size, allowed=allowed)
        point_id = point.id if point else None
        tube_id = self.session.scalar(_OPEN[self.postgresql], {
            "barcode": barcode, "round_id": chosen.id if chosen else None, "point_id": point_id,
            "pool_size": size, "members": 0, "state": "open", "opened_at": at, "flag": "; ".join(flags) or None,
            "actor_id": actor.id or None})
        if tube_id is None:
            tube = self._existing(barcode)
            if tube.state == "open" and tube.point_id == point_id:
                return {"status": "ok", "code": "tube_resumed", "message": f"tube {barcode} is open: go on scanning",
                        "params": {"barcode": barcode}, "tube": _view(tube)}
            raise Refusal("barcode_used", f"barcode {barcode} was used already ({tube.state}); take a new tube",
                          barcode=barcode, state=tube.state)
        self.tubes[barcode] = TubeRow(tube_id, barcode, "open", size, 0, chosen.id if chosen else None, point_id,
                                      point.area_code if point else None)
        return {"status": "ok", "code": "tube_opened", "message": f"tube {barcode} opened for {size}",
                "params": {"barcode": barcode, "size": size}, "flags": flags, "tube": _view(self.tubes[barcode])}

    def _existing(self, barcode: str) -> TubeRow:
        """A tube whose barcode another scan used: as this transaction leaves it (locked on PostgreSQL)."""
        if barcode not in self.tubes:
            self._load_tubes([barcode])
        return self.tubes[barcode]

    def _set(self, tube: TubeRow, at: datetime, **changes: Any) -> TubeRow:
        changed = self.tubes[tube.barcode] = replace(tube, **changes)
        # `at` is when it closed, if it did: a closed tube changes no more.
        self.changed[tube.id] = {"id": tube.id, "members": changed.members, "state": changed.state, "at": at}
        return changed

    def _close(self, tube: TubeRow, at: datetime) -> dict[str, Any]:
        if tube.state != "open":
            raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state} already", barcode=tube.barcode,
                          state=tube.state)
        if tube.members == 0:
            raise Refusal("tube_empty", f"tube {tube.barcode} holds nobody; scan people first", barcode=tube.barcode)
        closed = self._set(tube, at, state="closed")
        return {"status": "ok", "code": "tube_closed", "message": f"tube {tube.barcode} closed with {tube.members}",
                "params": {"barcode": tube.barcode, "members": tube.members}, "tube": _view(closed)}

    def _add(self, actor: Principal, scan: ScanInput, tube: TubeRow, point: PointRow | None,
             at: datetime) -> dict[str, Any]:
        if tube.state != "open":
            raise Refusal("tube_not_open", f"tube {tube.barcode} is {tube.state}: open a new tube",
                          barcode=tube.barcode, state=tube.state)
        id_number = self._checked(check_id_number, scan.id_number)
        row = self._person(id_number)
        temporary = False
        if row is None:
            name = (scan.name or "").strip()
            if not name:
                raise Refusal("unknown_person", f"{mask_id_number(id_number)} is not in the registry: type the "
                              "name to register on the spot", id=mask_id_number(id_number))
            area = point.area_code if point else fallback_area(self.session, actor)
            person = register_unverified(self.session, actor, id_number, name, area,
                                         point.code if point else None, "not in the registry when sampled")
            row = self.people[id_number] = PersonRow(person.id, person.name, person.id_number, None)
            temporary = True
        reason = self._control(row.id, at)
        if reason is not None and tube.pool_size > 1:
            raise Refusal("under_control", f"{row.name} is under control ({reason}): swab alone in a single tube",
                          name=row.name, reason=reason)
        rounds = self.open_in.setdefault(row.id, {})
        if tube.barcode in rounds.get(tube.round_id, ()):
            raise Refusal("already_in_tube", f"{row.name} is in tube {tube.barcode} already", name=row.name,
                          barcode=tube.barcode)
        if tube.round_id is not None:
            # A tube closed by an earlier scan of this transaction no longer counts as open.
            elsewhere = sorted(b for b in rounds.get(tube.round_id, ()) if self._is_open(b))
            if elsewhere:
                raise Refusal("in_other_tube", f"{row.name} is in open tube {elsewhere[0]} of this round already",
                              name=row.name, barcode=elsewhere[0])
        if tube.members >= tube.pool_size:
            raise Refusal("tube_full", f"tube {tube.barcode} is full ({tube.pool_size}): open a new tube",
                          barcode=tube.barcode, size=tube.pool_size)
        members = tube.members + 1
        grown = self._set(tube, at, members=members, state="closed" if members >= tube.pool_size else "open")
        rounds.setdefault(tube.round_id, set()).add(tube.barcode)
        self.samples.append({
            "tube_id": tube.id, "person_id": row.id, "round_id": tube.round_id, "sampled_at": at,
            "scan_id": scan.scan_id, "point_code": scan.point_code, "actor_id": actor.id or None})
        return {"status": "ok", "code": "tube_closed_full" if grown.state == "closed" else "added",
                "message": f"{row.name} in tube {tube.barcode} ({members}/{tube.pool_size})",
                "params": {"name": row.name, "barcode": tube.barcode, "members": members, "size": tube.pool_size},
                "person": {"name": row.name, "id_number": mask_id_number(row.id_number), "temporary": temporary},
                "tube": _view(grown)}

    def _is_open(self, barcode: str) -> bool:
        tube = self.tubes.get(barcode)
        return tube is None or tube.state == "open"  # not touched here: read as open

    # --- writing ---------------------------------------------------------------------------

    def _write(self, answers: dict[str, dict[str, Any]], fresh: list[list[dict[str, Any]]]) -> None:
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
        # The rows audit.record() would add, one per request: through the ORM's unit of work these
        # rows would cost more than the scans they record.
        parts.append(bulk.insert_part(dialect, AUDIT, [
            {"at": self.moment, "actor_id": job.actor.id or None, "actor": job.actor.username, "action": "scan",
             "entity": "scans", "after": {
                 "scan_ids": [o["scan_id"] for o in mine][:MAX_BATCH],
                 "ok": sum(o["status"] == "ok" for o in mine), "refused": sum(o["status"] != "ok" for o in mine)}}
            for job, mine in zip(self.jobs, fresh, strict=True) if mine], AUDIT_COLUMNS))
        # Last, for its result: each scan with the answer a resend will get. Another transaction
        # storing one of these scan ids since they were read means that scan was just applied
        # twice: undo it all.
        parts.append(bulk.insert_part(dialect, SCANS, self.claims, SCAN_COLUMNS, conflict="scan_id",
                                      returning="scan_id", computed=SCAN_POINT, extra=SCAN_EXTRA))
        written = set(bulk.write(self.session, parts).scalars())
        if len(written) != len(self.claims):
            raise ScanRaced(sorted({claim["scan_id"] for claim in self.claims} - written))


# What a scan id already used by someone out of sight gets: nothing of the first scan's answer.
_TAKEN: dict[str, Any] = {
    "status": "refused", "code": "scan_id_taken", "repeated": False, "params": {},
    "message": "this scan id was sent before by another handheld: the handheld must make a new one"}


def _may_see(actor: Principal, maker: int | None, areas: tuple[str | None, ...]) -> bool:
    """Whether a scan's stored answer may go to this sender: its own, or one whose points (the one
    it named, its tube's) all lie in the sender's jurisdiction. Fangyi's own work (imports without
    a login) sees all."""
    if not isinstance(actor, User) or maker == (actor.id or None):
        return True
    known = [area for area in areas if area is not None]
    return bool(known) and all(_inside(area, actor.area_code) for area in known)


def _inside(area_code: str, jurisdiction: str) -> bool:
    try:
        return within(area_code, jurisdiction)
    except AreaCodeError:
        return area_code == jurisdiction


def _view(tube: TubeRow) -> dict[str, Any]:
    return {"barcode": tube.barcode, "members": tube.members, "pool_size": tube.pool_size, "state": tube.state}
