"""Close and secondary close contacts of one case, by the rules of formats.md ("Co-presence").

Every number comes from the protocol edition in force. Times are epoch seconds
(UTC), as check-ins are stored, and every interval is closed: stays that touch
at an end overlap by zero, which counts when the minimum overlap is zero.

Two overlapping intervals [a, b] and [c, d] share min(b, d) - max(a, c), which
is the least of b - a, b - c, d - a and d - c; so "overlap >= m" is four
plain comparisons that both databases can drive from an index.

The work is set-based (ceilings.md: a Python loop issuing a query per row is
what made tracing slow): one interval join finds the case's close contacts,
one more finds every secondary contact of all close contacts at once.

The result goes to a temporary table, FOUND: one row per contact with its
degree, exposure and reasons and `via` as JSON text, for contacts.py to store
and assignment.py to give to tracers. Close contacts are few and come back to
Python, whose rules (named contacts, households, higher risk) are easiest read
there; secondary contacts can be tens of thousands, so their overlaps are
written by the database into PAIRS and grouped into FOUND there, without
passing through Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, select, text
from sqlalchemy.orm import Session

from fangyi.protocols.reader import Protocol
from fangyi.registry.models import Person
from fangyi.tracing.models import Case, InvestigationPlace, NamedContact

CHUNK = 2000  # rows of a VALUES list, or ids of an IN list, per statement

# Temporary tables of one derivation (per connection; PostgreSQL empties them at commit).
PAIRS = "tracing_pairs"  # a secondary contact's overlaps: with whom (via), where (venue, NULL: home), when
FOUND = "tracing_found"  # the derived contacts, for storing; contact_id and wants_owner are storage's
_TABLES = {
    PAIRS: "person_id BIGINT NOT NULL, via BIGINT NOT NULL, venue_id BIGINT, f BIGINT NOT NULL, t BIGINT NOT NULL",
    # area_code: where the person lives, read once here for assignment.py to group tracers by.
    # sort_key: their identity number, the contact row's sort key (models.Contact).
    FOUND: "person_id BIGINT PRIMARY KEY, degree VARCHAR(10) NOT NULL, first_at BIGINT NOT NULL, "
           "last_at BIGINT NOT NULL, reasons TEXT NOT NULL, via TEXT NOT NULL, area_code VARCHAR(20), "
           "sort_key VARCHAR(40), contact_id BIGINT, wants_owner INTEGER NOT NULL DEFAULT 1",
}


@dataclass(slots=True)  # up to thousands of them for a case at a crowded market
class Found:
    """A derived close contact: when they were exposed and why (secondary ones stay in the database)."""

    person_id: int
    degree: str
    first: int
    last: int
    # cn-9 counts secondary contacts only of close contacts exposed through the secondary kinds.
    higher_risk: bool = False
    # Overlaps at venues as (venue code, from, to): made into reasons once, at the end.
    spans: set[tuple[str, int, int]] = field(default_factory=set, repr=False)
    others: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def add(self, start: int, end: int, reason: dict[str, Any]) -> None:
        if start < self.first:
            self.first = start
        if end > self.last:
            self.last = end
        if reason not in self.others:
            self.others.append(reason)

    def span(self, code: str, start: int, end: int) -> None:
        if start < self.first:
            self.first = start
        if end > self.last:
            self.last = end
        self.spans.add((code, start, end))

    def reasons_json(self) -> str:
        """The reasons as JSON text in the shape of formats.md ("fangyi trace"): the others by
        (from, to), then the venue overlaps by (from, to, venue code); _GROUP_* below write
        a secondary contact's the same way."""
        parts = [json.dumps(reason) for reason in sorted(self.others, key=_reason_order)]
        parts += [f'{{"kind": "venue", "venue_code": {_quoted(code)}, "from": {f}, "to": {t}}}'
                  for f, t, code in sorted((f, t, code) for code, f, t in self.spans)]
        return "[" + ", ".join(parts) + "]"

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """Every reason once, in time order (venue reasons by from, to, venue code)."""
        venue = [{"kind": "venue", "venue_code": code, "from": f, "to": t}
                 for f, t, code in sorted((f, t, code) for code, f, t in self.spans)]
        return sorted(self.others, key=_reason_order) + venue if self.others else venue


@lru_cache(maxsize=4096)
def _quoted(code: str) -> str:
    return json.dumps(code)


@dataclass
class Derived:
    """The window and the close contacts; every contact, close and secondary, is in FOUND."""

    window: tuple[int, int]
    close: dict[int, Found]
    secondary: int  # how many secondary contacts FOUND holds


def exposure_window(case: Case, protocol: Protocol, tz: ZoneInfo) -> tuple[int, int]:
    """From the onset date (the sampling date without one, always for an asymptomatic case)
    minus the look-back days at 00:00 local time, to isolation. A case found by routine repeated
    testing, where the edition says so (cn-9), looks back to the sampling time of its last
    negative test instead."""
    day = case.onset_date
    if case.classification == "asymptomatic" or day is None:
        day = case.sampled_at.astimezone(tz).date()
    start = datetime.combine(day - timedelta(days=protocol.contacts.lookback_days), time.min, tzinfo=tz)
    if (protocol.contacts.routine_testing_lookback == "last_negative_sampling"
            and case.found_by == "routine_screening" and case.last_negative_at is not None):
        start = case.last_negative_at
    end = case.confirmed_at
    if case.isolated_at is not None and case.isolated_at < end:
        end = case.isolated_at
    return int(start.timestamp()), int(end.timestamp())


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class _VenueInfo:
    code: str
    kind: str
    default_stay: int  # seconds, for a stay without a check-out
    longest: int  # seconds: no stay at this venue lasts longer


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Each venue's longest stay (kept in venue_stays on both databases): see _venues.
VENUE_SQL = ("SELECT v.id, v.code, v.kind, v.default_stay_minutes, s.longest "
             "FROM venues v LEFT JOIN venue_stays s ON s.venue_id = v.id WHERE v.id IN ({ids})")


def _venues(session: Session, protocol: Protocol, ids: Iterable[int]) -> dict[int, _VenueInfo]:
    """Each venue's code, kind, default stay, and the longest stay recorded there.

    The longest stay bounds how early a stay that still reaches a given moment
    can have started: the join's lower bound on in_at, which keeps it an index
    range on (venue_id, in_at). It comes from the data, because a stay may be
    any length. Both databases keep it in venue_stays, by triggers on check-ins
    (migrations 0535 and 0795; a venue without a row there has no stay with a
    check-out, and its default bounds it).
    """
    found: dict[int, _VenueInfo] = {}
    for chunk in _chunks(sorted(set(ids))):
        for venue_id, code, kind, minutes, longest in _fetch(session, _in_text(VENUE_SQL, chunk).text):
            stay = 60 * (minutes if minutes is not None else protocol.contacts.stay_minutes(kind))
            found[int(venue_id)] = _VenueInfo(code, kind, stay, max(stay, int(longest or 0)))
    return found


def _fetch(session: Session, sql: str) -> list[Any]:
    """Rows of a statement straight through the driver: for thousands of rows, SQLAlchemy's
    row objects (and fetching them one at a time) cost more than the statement."""
    driver: Any = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        with driver.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    return list(driver.execute(sql).fetchall())


def _in_text(sql: str, ids: Sequence[int]) -> Any:
    # Ids are integers from our own queries, inlined so that the statement's size, not
    # a bind-parameter limit (SQLite: 32,766), bounds a list.
    return text(sql.format(ids=", ".join(str(int(i)) for i in ids)))


def _values(name: str, columns: Sequence[str], rows: Sequence[Sequence[int]]) -> str:
    """A WITH entry of integer rows, which SQLite and PostgreSQL both accept."""
    rendered = []
    for index, row in enumerate(rows):
        if index == 0:
            # The first row types the columns on PostgreSQL: epoch seconds need BIGINT.
            rendered.append("(" + ", ".join(f"CAST({int(v)} AS BIGINT)" for v in row) + ")")
        else:
            rendered.append("(" + ", ".join(str(int(v)) for v in row) + ")")
    return f"{name}({', '.join(columns)}) AS (VALUES {', '.join(rendered)})"


# The other stay's end: its check-out, or its check-in plus the venue's default stay.
_END = "COALESCE(c.out_at, c.in_at + w.dflt)"

# One interval join, in two steps. Each row of w is a stay [s, e] already cut to its window; the
# stays that can overlap it start between w.lo (the earliest start that can still reach s) and
# e - m. Close contacts share the same places at the same hours (533 colleagues' days at one
# workplace), so the rows' ranges are first merged per venue into r, and each stay in r's ranges
# is read once, from ix_checkins_venue_cover (venue, time, end, person: no table rows read), into
# near; only then are its stays matched to the rows of w they overlap. Joined row by row instead,
# every colleague's stays were read once per colleague's stay: 2.5M index entries for a case of
# 533 close contacts, every one of them dropped afterwards as a close contact.
# Persons in `skip` (the case and its close contacts, when looking for secondary ones) are
# dropped before the match. SQLite stops reading the covering index alone (and reads a table row
# per stay looked at) as soon as the range's WHERE holds a NOT IN; an anti-join to skip (looked up
# in an automatic index) keeps it on the index, and k is read once (half the time of reading the
# ranges into a table and filtering that).
_SELECT = f"""
SELECT w.who, c.person_id, c.venue_id,
       CASE WHEN c.in_at > w.s THEN c.in_at ELSE w.s END,
       CASE WHEN {_END} < w.e THEN {_END} ELSE w.e END
"""
_OVERLAP = f"WHERE {_END} >= w.s + {{m}} AND {_END} - c.in_at >= {{m}} AND c.person_id <> w.who"
_SKIP = "person_id NOT IN (SELECT id FROM skip)"
_MATCH = f"""{_SELECT}
FROM w JOIN k c ON c.venue_id = w.venue_id AND c.in_at >= w.lo AND c.in_at <= w.e - {{m}}
{_OVERLAP}"""
_JOIN = f"""k AS MATERIALIZED (
    SELECT c.person_id, c.venue_id, c.in_at, c.out_at FROM r
    JOIN checkins c ON c.venue_id = r.venue_id AND c.in_at >= r.lo AND c.in_at <= r.hi
    LEFT JOIN skip x ON x.id = c.person_id WHERE x.id IS NULL)
{_MATCH}"""
# PostgreSQL misjudges how selective the ranges from a VALUES list are and, on tables of a
# few hundred thousand rows, prefers scanning the whole table; a LATERAL subquery behind
# OFFSET 0 (which keeps it from being flattened into a plain join) is looked up per range.
_JOIN_PG = f"""k AS MATERIALIZED (
    SELECT c.person_id, c.venue_id, c.in_at, c.out_at FROM r
    CROSS JOIN LATERAL (
        SELECT person_id, venue_id, in_at, out_at FROM checkins
        WHERE venue_id = r.venue_id AND in_at >= r.lo AND in_at <= r.hi OFFSET 0
    ) c WHERE c.{_SKIP})
{_MATCH}"""


def _ranges(rows: Sequence[tuple[int, int, int, int, int, int]], min_overlap: int) -> list[tuple[int, int, int]]:
    """The start times the rows' overlapping stays can have, (venue, lo, hi), merged per venue
    wherever they overlap or meet: every stay any row can overlap starts inside one of them."""
    merged: list[list[int]] = []
    for venue_id, lo, hi in sorted((venue_id, lo, e - min_overlap) for _, venue_id, _, e, lo, _ in rows):
        if hi < lo:
            continue  # no stay both starts by e - m and lasts m (a row shorter than m: never)
        if merged and merged[-1][0] == venue_id and lo <= merged[-1][2] + 1:
            merged[-1][2] = max(merged[-1][2], hi)
        else:
            merged.append([venue_id, lo, hi])
    return [(v, lo, hi) for v, lo, hi in merged] or [(0, 1, 0)]


def _co_present(
    session: Session,
    stays: list[tuple[int, int, int, int]],
    venues: dict[int, _VenueInfo],
    min_overlap: int,
    skip: Iterable[int] = (),
) -> list[tuple[int, int, int, int, int]]:
    """(who, venue, s, e) stays to (who, other person, venue, from, to) overlaps."""
    rows = [
        (who, venue_id, s, e, s + min_overlap - venues[venue_id].longest, venues[venue_id].default_stay)
        for who, venue_id, s, e in stays
    ]
    skipped = sorted(set(skip) | _merged(session))
    dialect = session.get_bind().dialect.name
    # Straight through the driver: a large case returns a hundred thousand rows.
    found: list[tuple[int, int, int, int, int]] = []
    for chunk in _chunks(rows):
        found.extend(_fetch(session, interval_join(chunk, skipped, dialect, min_overlap).text))
    return found


def _merged(session: Session) -> set[int]:
    """Persons merged into another record: never contacts themselves (few, and indexed)."""
    return set(session.scalars(select(Person.id).where(Person.merged_into_id.is_not(None))))


def interval_join(
    rows: Sequence[tuple[int, int, int, int, int, int]], skip: Sequence[int] = (), dialect: str = "sqlite",
    min_overlap: int = 0,
) -> TextClause:
    """The join over rows of (who, venue_id, s, e, lo, dflt), leaving out the persons in skip,
    with the minimum overlap in seconds written into the statement."""
    skipped = _values("skip", ("id",), _skip_rows(skip))
    ranges = _values("r", ("venue_id", "lo", "hi"), _ranges(rows, min_overlap))
    ctes = f"{_values('w', ('who', 'venue_id', 's', 'e', 'lo', 'dflt'), rows)}, {skipped}, {ranges}"
    join = _JOIN_PG if dialect == "postgresql" else _JOIN
    return text(f"WITH {ctes}, {join.replace('{m}', str(int(min_overlap)))}")


def _stays_of(session: Session, person_ids: Sequence[int], until: int) -> list[tuple[int, int, int, int | None]]:
    """Every stay of these persons starting by `until`: (person, venue, in_at, out_at)."""
    stays: list[tuple[int, int, int, int | None]] = []
    for chunk in _chunks(sorted(person_ids)):
        sql = ("SELECT person_id, venue_id, in_at, out_at FROM checkins "
               f"WHERE person_id IN ({{ids}}) AND in_at <= {int(until)}")
        for person_id, venue_id, in_at, out_at in _fetch(session, _in_text(sql, chunk).text):
            stays.append((int(person_id), int(venue_id), int(in_at), None if out_at is None else int(out_at)))
    return stays


def _places(session: Session, case: Case, until: int) -> list[tuple[int, int, int, int | None]]:
    rows = session.execute(
        select(InvestigationPlace.venue_id, InvestigationPlace.start_at, InvestigationPlace.end_at).where(
            InvestigationPlace.case_id == case.id
        )
    ).all()
    return [
        (case.person_id, venue_id, epoch(start_at), epoch(end_at))
        for venue_id, start_at, end_at in rows
        if epoch(start_at) <= until
    ]


def _named(session: Session, case_id: int) -> list[tuple[int, int, str]]:
    rows = session.execute(
        select(NamedContact.person_id, NamedContact.last_contact_at, NamedContact.relationship)
        .join(Person, Person.id == NamedContact.person_id)
        .where(NamedContact.case_id == case_id, Person.merged_into_id.is_(None))
    ).all()
    return [(person_id, epoch(moment), relationship) for person_id, moment, relationship in rows]


def _households(session: Session, person_ids: Sequence[int]) -> dict[int, int]:
    """Each of these persons' household, where they have one."""
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(person_ids)):
        sql = "SELECT id, household_id FROM persons WHERE id IN ({ids}) AND household_id IS NOT NULL"
        for person_id, household_id in session.execute(_in_text(sql, chunk)):
            found[int(person_id)] = int(household_id)
    return found


def _members(session: Session, household_ids: Iterable[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(set(household_ids))):
        sql = (
            "SELECT household_id, id FROM persons WHERE household_id IN ({ids}) "
            "AND merged_into_id IS NULL ORDER BY id"
        )
        for household_id, person_id in session.execute(_in_text(sql, chunk)):
            members.setdefault(int(household_id), []).append(int(person_id))
    return members


def _cut(
    stays: Iterable[tuple[int, int, int, int | None]],
    venues: dict[int, _VenueInfo],
    kinds: tuple[str, ...],
    windows: dict[int, tuple[int, int]],
    min_overlap: int,
) -> list[tuple[int, int, int, int]]:
    """Stays at venues of these kinds, cut to each person's window; too short ones dropped."""
    cut = []
    for person_id, venue_id, in_at, out_at in stays:
        venue = venues[venue_id]
        if venue.kind not in kinds:
            continue
        start, end = windows[person_id]
        s = max(in_at, start)
        e = min(out_at if out_at is not None else in_at + venue.default_stay, end)
        if e - s >= min_overlap:
            cut.append((person_id, venue_id, s, e))
    return cut


_ANALYSED = ("person_id", "area_code", "wants_owner", "contact_id")  # FOUND's columns PostgreSQL is told of


def scratch(session: Session) -> Any:
    """FOUND and PAIRS, created on first use on this connection and emptied; the driver's connection."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    # ON COMMIT DELETE ROWS: a committed derivation leaves no rows (nor dead ones) behind.
    tail = " ON COMMIT DELETE ROWS" if postgresql else ""
    fresh = postgresql and session.scalar(text(f"SELECT to_regclass('pg_temp.{FOUND}')")) is None
    for name, columns in _TABLES.items():
        session.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns}){tail}"))
        session.execute(text(f"DELETE FROM {name}"))
    if fresh:
        # _secondaries analyses FOUND for its row count and the columns joined on; a sample of 3,000
        # rows tells them as well as the default 30,000, which took 46 ms for a heavy case's list.
        session.execute(text(f"ALTER TABLE {FOUND} " + ", ".join(
            f"ALTER COLUMN {column} SET STATISTICS 10" for column in _ANALYSED)))
    if not postgresql:
        session.execute(text(_ITEMS_TABLE))
    return session.connection().connection.driver_connection


def derive(
    session: Session, case: Case, protocol: Protocol, tz: ZoneInfo, now: int, quarantined: dict[int, int]
) -> Derived:
    """The contacts of a case as the data stands, written to FOUND. `quarantined` maps a close
    contact's person id to the start of their quarantine, which ends their secondary window."""
    rules = protocol.contacts
    m = 60 * rules.min_overlap_minutes
    start, end = exposure_window(case, protocol, tz)
    scratch(session)
    if end < start:
        return Derived((start, end), {}, 0)
    me = case.person_id

    # The places the case gave in the interview count like their own check-ins.
    own = _stays_of(session, [me], end) + _places(session, case, end)
    venues = _venues(session, protocol, (venue_id for _, venue_id, _, _ in own))
    close: dict[int, Found] = {}

    def found_close(person_id: int) -> Found:
        if person_id not in close:
            close[person_id] = Found(person_id, "close", 2**62, -(2**62))
        return close[person_id]

    case_stays = _cut(own, venues, rules.close_contact_kinds, {me: (start, end)}, m)
    for _, other, venue_id, f, t in _co_present(session, case_stays, venues, m):
        venue = venues[venue_id]
        entry = found_close(other)
        entry.span(venue.code, f, t)
        entry.higher_risk |= venue.kind in rules.secondary_contact_kinds
    # Whoever the case named counts when their last time together falls inside the window;
    # taken as a higher-risk contact, since the case named them as company kept.
    for other, moment, relationship in _named(session, case.id):
        if other != me and start <= moment <= end:
            entry = found_close(other)
            entry.add(moment, moment, {"kind": "named", "relationship": relationship})
            entry.higher_risk = True
    if "household" in rules.close_contact_kinds:
        household = _households(session, [me]).get(me)
        for other in _members(session, [household] if household else []).get(household or 0, []):
            if other != me:
                entry = found_close(other)
                entry.add(start, end, {"kind": "household"})
                entry.higher_risk |= "household" in rules.secondary_contact_kinds

    _store_close(session, close.values())
    secondary = _secondaries(session, protocol, close, me, now, quarantined, m)
    return Derived((start, end), close, secondary)


def _reason_order(reason: dict[str, Any]) -> tuple[int, int, str]:
    return (int(reason.get("from", 0)), int(reason.get("to", 0)), str(reason.get("venue_code", "")))


def _store_close(session: Session, close: Iterable[Found]) -> None:
    rows = [(f.person_id, f.degree, f.first, f.last, f.reasons_json(), "[]") for f in close]
    if rows:
        session.execute(
            text(f"INSERT INTO {FOUND} (person_id, degree, first_at, last_at, reasons, via, area_code, sort_key) "
                 "SELECT :p, :d, :f, :l, :r, :v, area_code, id_number FROM persons WHERE id = :p"),
            [{"p": p, "d": d, "f": f, "l": last, "r": r, "v": v} for p, d, f, last, r, v in rows],
        )


def _secondaries(
    session: Session,
    protocol: Protocol,
    close: dict[int, Found],
    me: int,
    now: int,
    quarantined: dict[int, int],
    m: int,
) -> int:
    """Secondary contacts into FOUND: their overlaps with each close contact's window go to
    PAIRS, inside the database, then are grouped per person there. Returns how many."""
    rules = protocol.contacts
    windows: dict[int, tuple[int, int]] = {}
    for person_id, contact in close.items():
        if rules.secondary_only_higher_risk and not contact.higher_risk:
            continue
        until = quarantined.get(person_id, now)
        if until >= contact.first:
            windows[person_id] = (contact.first, until)
    if not windows:
        return 0
    # The case, its close contacts and merged records are nobody's secondary contact.
    skip = sorted({me, *close} | _merged(session))
    dialect = session.get_bind().dialect.name

    stays = _stays_of(session, list(windows), max(until for _, until in windows.values()))
    venues = _venues(session, protocol, (venue_id for _, venue_id, _, _ in stays))
    cut = _cut(stays, venues, rules.secondary_contact_kinds, windows, m)
    rows = [
        (who, venue_id, s, e, s + m - venues[venue_id].longest, venues[venue_id].default_stay)
        for who, venue_id, s, e in cut
    ]
    codes = _codes({venue_id for _, venue_id, _, _ in cut}, venues, dialect)
    columns = f"INSERT INTO {PAIRS} (via, person_id, venue_id, f, t) "
    for chunk in _chunks(rows):
        session.execute(text(columns + interval_join(chunk, skip, dialect, m).text))
    if "household" in rules.secondary_contact_kinds:
        # Everyone sharing a close contact's home, for the whole of that contact's window. CROSS
        # JOIN keeps SQLite's order (the close contacts, their homes, the members): left to choose,
        # it read every person and looked their home up among the close contacts' (60 ms at 200,000).
        homes = [(via, f, t) for via, (f, t) in windows.items()]
        skipped = _values("skip", ("id",), _skip_rows(skip))
        for chunk in _chunks(homes):
            session.execute(text(
                f"{columns} WITH {_values('w', ('via', 'f', 't'), chunk)}, {skipped} "
                "SELECT w.via, m.id, NULL, w.f, w.t FROM w CROSS JOIN persons h CROSS JOIN persons m "
                "WHERE h.id = w.via AND h.household_id IS NOT NULL AND m.household_id = h.household_id "
                "AND m.merged_into_id IS NULL AND m.id NOT IN (SELECT id FROM skip)"
            ))
    if dialect == "postgresql":
        # The grouping sorts a heavy case's 70,000 items in one go: in memory (64 MB at most)
        # rather than in temporary files past the default 4 MB; set back after it (and at the
        # transaction's end in any case: set_config's local setting).
        was = session.scalar(text("SELECT current_setting('work_mem')"))
        session.execute(text("SELECT set_config('work_mem', '64MB', true)"))
    for step in (_GROUP_PG,) if dialect == "postgresql" else _GROUP_SQLITE:
        result = session.execute(text(step.replace("{codes}", codes)))
    # The rows the last step (the grouping) wrote: SQLite's steps before it clear and fill the
    # items, whose counts are not the contacts'.
    counted = int(getattr(result, "rowcount", 0) or 0)
    if dialect == "postgresql":
        session.execute(text("SELECT set_config('work_mem', :was, true)"), {"was": was})
    if dialect == "postgresql":
        # Temporary tables get no statistics by themselves: without them PostgreSQL takes
        # FOUND for a few rows and joins it by nested loops (0.4 s for 3,000 contacts). The
        # columns joined on are enough (the row count comes with any): reasons cost most to sample.
        session.execute(text(f"ANALYZE {FOUND} ({', '.join(_ANALYSED)})"))
    return counted


def _codes(venue_ids: Iterable[int], venues: dict[int, _VenueInfo], dialect: str) -> str:
    """A WITH entry of the codes of the venues the join looked at, already known here: joined
    to the whole venues table instead, PostgreSQL hashes all of it (7 ms for 22,000 venues).
    SQLite looks each up by primary key, which is as fast as it gets."""
    if dialect != "postgresql":
        return "codes(id, code) AS (SELECT id, code FROM venues)"
    # On PostgreSQL each code comes as its JSON text (what to_json wrote per reason) with its place
    # in the codes' order (code points, as Python and COLLATE "C" order them): the items sort by an
    # integer instead of text, and the reasons are written without a function call each.
    ids = sorted(set(venue_ids), key=lambda i: venues[i].code)
    rows = [f"({int(i)}, {rank}, '{_quoted(venues[i].code).replace(chr(39), chr(39) * 2)}')"
            for rank, i in enumerate(ids)]
    return f"codes(id, k3, code) AS (VALUES {', '.join(rows or ['(0, 0, NULL)'])})"


def _skip_rows(skip: Sequence[int]) -> list[tuple[int]]:
    # An id no record has keeps the skip list's VALUES non-empty.
    return [(i,) for i in skip] or [(0,)]


# Grouping PAIRS into one FOUND row per secondary contact, by one aggregate per person: each
# reason once, the home first, then the venue overlaps by (from, to, venue code), as JSON text in
# the shape of formats.md ("fangyi trace") and of Found.reasons_json; via: every close contact
# through whom, by person id. ITEMS holds a person's parts in that order, keyed by (person, grp,
# k1, k2, code): grp 0 the home (k1, k2: the earliest and latest of its windows), 1 a venue
# overlap (k1, k2: from, to), 2 a close contact in via (k1: their id). Narrow rows to sort: the
# aggregate writes the text of each as it takes it (NULLs skipped).
_ITEMS = f"""
SELECT s.person_id, 1 AS grp, s.f AS k1, s.t AS k2, v.code AS code
FROM {{spans}} s JOIN {{codes}} v ON v.id = s.venue_id
UNION ALL
SELECT person_id, 0, MIN(f), MAX(t), '' FROM {PAIRS} WHERE venue_id IS NULL GROUP BY person_id
UNION ALL
SELECT {{unique}} person_id, 2, via, 0, '' FROM {PAIRS}
"""
_REASON = ("""CASE i.grp WHEN 1 THEN '{{"kind": "venue", "venue_code": ' || {quote} || ', "from": ' || i.k1 """
           """|| ', "to": ' || i.k2 || '}}' WHEN 0 THEN '{{"kind": "household"}}' END""")
_GROUP = (f"INSERT INTO {FOUND} (person_id, degree, first_at, last_at, reasons, via, area_code, sort_key) "
          "SELECT i.person_id, 'secondary', MIN(CASE WHEN i.grp < 2 THEN i.k1 END), "
          "MAX(CASE WHEN i.grp < 2 THEN i.k2 END), '[' || {agg}({reason}, ', ') || ']', "
          "'[' || {agg}(CASE WHEN i.grp = 2 THEN {via} END, ', ') || ']', "
          "(SELECT p.area_code FROM persons p WHERE p.id = i.person_id), "
          "(SELECT p.id_number FROM persons p WHERE p.id = i.person_id) FROM {items} i GROUP BY i.person_id")
# SQLite before 3.44 has no ORDER BY inside an aggregate: ITEMS is a table WITHOUT ROWID keyed
# in the order wanted (INSERT OR IGNORE keeps one row of each reason and each via), and GROUP BY
# person_id walks that key, so group_concat takes each person's rows in key order, as the query
# plan shows (no sorter: tests/tracing/test_plan.py). The three grouping steps this replaces
# (window functions copying each person's whole text once per row) took 1.1 s for 19,549 persons.
ITEMS = "tracing_items"
_ITEMS_TABLE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {ITEMS} (person_id BIGINT NOT NULL, grp INTEGER NOT NULL, "
                "k1 BIGINT NOT NULL, k2 BIGINT NOT NULL, code TEXT NOT NULL, "
                "PRIMARY KEY (person_id, grp, k1, k2, code)) WITHOUT ROWID")
_GROUP_SQLITE = (
    f"DELETE FROM {ITEMS}",
    f"INSERT OR IGNORE INTO {ITEMS} (person_id, grp, k1, k2, code) "
    + _ITEMS.format(spans=PAIRS, codes="venues", unique=""),
    _GROUP.format(agg="group_concat", reason=_REASON.format(quote="json_quote(i.code)"), via="i.k1", items=ITEMS),
)
# PostgreSQL 15 sorts the input of an aggregate with ORDER BY group by group (a sort set up per
# person, 20,000 of them); fed from a subquery sorted by person and then the key, GroupAggregate
# (or HashAggregate) takes each person's rows in that order from one sort of all of them, which
# PostgreSQL's manual gives as the way to order an aggregate's input. The venues' codes come in
# a VALUES list (_codes), as JSON text and with their place in the codes' order (k3): joined to
# the whole venues table, PostgreSQL hashes all of it.
_ITEMS_PG = f"""
SELECT s.person_id, 1 AS grp, s.f AS k1, s.t AS k2, v.k3 AS k3, v.code AS code
FROM (SELECT DISTINCT person_id, venue_id, f, t FROM {PAIRS} WHERE venue_id IS NOT NULL) s
JOIN codes v ON v.id = s.venue_id
UNION ALL
SELECT person_id, 0, MIN(f), MAX(t), 0, '' FROM {PAIRS} WHERE venue_id IS NULL GROUP BY person_id
UNION ALL
SELECT DISTINCT person_id, 2, via, 0, 0, '' FROM {PAIRS}
"""
_GROUP_PG = "WITH {codes} " + _GROUP.format(
    agg="string_agg", reason=_REASON.format(quote="i.code"), via="i.k1::text",
    items="(SELECT * FROM (" + _ITEMS_PG + ") u ORDER BY person_id, grp, k1, k2, k3)",
)
