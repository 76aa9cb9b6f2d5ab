"""The close and secondary contact rules of formats.md ("Co-presence"), once, as SQL over the log.

The same rules as fangyi/tracing/derivation.py (the database derivation, one case at a time),
written for many cases at once: every row carries its case. Steps, each a SELECT over the
tables below and the steps before it, which an engine makes into a table or a view:

    checkins(person_id, venue_id, in_at, out_at)         the log (epoch seconds)
    venues(id, code, kind, dflt, close_kind, secondary_kind)
        dflt: the stay without a check-out, in seconds (the venue's own, else the edition's for
        its kind); close_kind/secondary_kind: whether the edition counts the kind for close or
        secondary contacts
    cases(case_id, case_no, person_id, s, e, now_at)     s, e: the case's exposure window
    places(case_id, venue_id, in_at, out_at)             the places the case gave in the interview
    named(case_id, person_id, seen_at, relationship)     whom the case named, last seen then
    quarantined(case_id, person_id, since)              a close contact's quarantine start
    persons(id, id_number, household_id, merged)

A stay is [in_at, out_at], or [in_at, in_at + dflt] without a check-out; two stays are
co-present when they overlap by at least m seconds (touching ends: zero, which counts when m is
0). Only dialect.sql differs between the engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from fangyi.tracing.batch.dialect import Dialect, sql

INPUTS = ("checkins", "venues", "cases", "places", "named", "quarantined", "persons")


@dataclass(frozen=True)
class Rules:
    """The edition's numbers the SQL needs (the rest are in the venues table)."""

    min_overlap: int  # seconds
    close_household: bool  # household among the close contact kinds
    secondary_household: bool  # household among the secondary contact kinds
    only_higher_risk: bool  # secondary contacts only of close contacts exposed through secondary kinds
    zone: str  # the deployment's time zone, for the times written out


def _end(alias: str) -> str:
    """A stay's end: its check-out, or its check-in plus the venue's default stay (v.dflt)."""
    return f"COALESCE({alias}.out_at, {alias}.in_at + v.dflt)"


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def steps(rules: Rules, dialect: Dialect) -> list[tuple[str, str]]:
    """(name, SELECT) in order; the last, `contacts`, is the result: one row per case and
    contact with the case number, identity number, degree, exposure (epoch seconds and local
    time), reasons and via as JSON text, in the shape `fangyi import contacts` takes."""
    m = int(rules.min_overlap)
    end_k = _end("k")
    venue_reason = sql(dialect, "json_object", "'kind'", "'venue'", "'venue_code'", "code", "'from'", "f", "'to'", "t")
    named_reason = sql(dialect, "json_object", "'kind'", "'named'", "'relationship'", "n.relationship")
    zone = "'" + rules.zone.replace("'", "''") + "'"
    reasons = sql(dialect, "ordered_join", "txt", keys=("grp", "f", "t", "code", "txt"))
    vias = sql(dialect, "ordered_join", "'\"' || id_number || '\"'", keys=("via",))
    return [
        ("merged", "SELECT id FROM persons WHERE merged"),
        # The case's own stays up to the window's end: its check-ins and the places it gave.
        ("own", """
            SELECT c.case_id, c.person_id AS who, k.venue_id, k.in_at, k.out_at
            FROM cases c JOIN checkins k ON k.person_id = c.person_id AND k.in_at <= c.e WHERE c.e >= c.s
            UNION ALL
            SELECT c.case_id, c.person_id, p.venue_id, p.in_at, p.out_at
            FROM cases c JOIN places p ON p.case_id = c.case_id AND p.in_at <= c.e WHERE c.e >= c.s"""),
        # ... at kinds counted for close contacts, cut to the window; too short ones dropped.
        ("case_cut", f"""
            SELECT case_id, who, venue_id, s, e FROM (
                SELECT o.case_id, o.who, o.venue_id, GREATEST(o.in_at, c.s) AS s, LEAST({_end('o')}, c.e) AS e
                FROM own o JOIN cases c ON c.case_id = o.case_id JOIN venues v ON v.id = o.venue_id
                WHERE v.close_kind) x
            WHERE e - s >= {m}"""),
        # Everyone whose stay at the same venue overlaps a cut stay by m or more.
        ("close_venue", f"""
            SELECT w.case_id, k.person_id, v.code, v.secondary_kind AS higher,
                   GREATEST(k.in_at, w.s) AS f, LEAST({end_k}, w.e) AS t
            FROM case_cut w JOIN checkins k ON k.venue_id = w.venue_id AND k.in_at <= w.e - {m}
            JOIN venues v ON v.id = w.venue_id LEFT JOIN merged x ON x.id = k.person_id
            WHERE {end_k} >= w.s + {m} AND {end_k} - k.in_at >= {m} AND k.person_id <> w.who AND x.id IS NULL"""),
        # Every reason of every close contact: venue overlaps, whom the case named inside the
        # window (higher risk), the case's household over the whole window.
        ("close_why", f"""
            SELECT case_id, person_id, 2 AS grp, f, t, code, {venue_reason} AS txt, higher FROM close_venue
            UNION ALL
            SELECT n.case_id, n.person_id, 0, n.seen_at, n.seen_at, '', {named_reason}, TRUE
            FROM named n JOIN cases c ON c.case_id = n.case_id AND c.e >= c.s
            JOIN persons p ON p.id = n.person_id AND NOT p.merged
            WHERE n.person_id <> c.person_id AND n.seen_at >= c.s AND n.seen_at <= c.e
            UNION ALL
            SELECT c.case_id, o.id, 1, c.s, c.e, '', '{{"kind":"household"}}', {_bool(rules.secondary_household)}
            FROM cases c JOIN persons me ON me.id = c.person_id
            JOIN persons o ON o.household_id = me.household_id AND NOT o.merged AND o.id <> c.person_id
            WHERE {_bool(rules.close_household)} AND c.e >= c.s"""),
        ("close", """
            SELECT case_id, person_id, MIN(f) AS first_at, MAX(t) AS last_at, bool_or(higher) AS higher
            FROM close_why GROUP BY case_id, person_id"""),
        # A close contact's own window: from the first exposure to their quarantine start, or now.
        ("windows", f"""
            SELECT case_id, via, f, u FROM (
                SELECT c.case_id, c.person_id AS via, c.first_at AS f, COALESCE(q.since, k.now_at) AS u, c.higher
                FROM close c JOIN cases k ON k.case_id = c.case_id
                LEFT JOIN quarantined q ON q.case_id = c.case_id AND q.person_id = c.person_id) x
            WHERE u >= f AND (higher OR NOT {_bool(rules.only_higher_risk)})"""),
        ("contact_cut", f"""
            SELECT case_id, via, venue_id, s, e FROM (
                SELECT w.case_id, w.via, k.venue_id, GREATEST(k.in_at, w.f) AS s, LEAST({end_k}, w.u) AS e
                FROM windows w JOIN checkins k ON k.person_id = w.via AND k.in_at <= w.u
                JOIN venues v ON v.id = k.venue_id WHERE v.secondary_kind) x
            WHERE e - s >= {m}"""),
        # Overlaps with close contacts, and their housemates, of anyone who is neither the case,
        # one of its close contacts, nor a merged record.
        ("pairs", f"""
            SELECT p.case_id, p.person_id, p.via, p.grp, p.f, p.t, p.code FROM (
                SELECT w.case_id, k.person_id, w.via, 2 AS grp, GREATEST(k.in_at, w.s) AS f,
                       LEAST({end_k}, w.e) AS t, v.code
                FROM contact_cut w JOIN checkins k ON k.venue_id = w.venue_id AND k.in_at <= w.e - {m}
                JOIN venues v ON v.id = w.venue_id
                WHERE {end_k} >= w.s + {m} AND {end_k} - k.in_at >= {m} AND k.person_id <> w.via
                UNION ALL
                SELECT w.case_id, o.id, w.via, 1, w.f, w.u, ''
                FROM windows w JOIN persons h ON h.id = w.via
                JOIN persons o ON o.household_id = h.household_id AND NOT o.merged
                WHERE {_bool(rules.secondary_household)}) p
            LEFT JOIN merged x ON x.id = p.person_id
            LEFT JOIN close c ON c.case_id = p.case_id AND c.person_id = p.person_id
            LEFT JOIN cases k ON k.case_id = p.case_id AND k.person_id = p.person_id
            WHERE x.id IS NULL AND c.person_id IS NULL AND k.case_id IS NULL"""),
        ("secondary_why", f"""
            SELECT DISTINCT case_id, person_id, grp, CASE WHEN grp = 1 THEN 0 ELSE f END AS f,
                   CASE WHEN grp = 1 THEN 0 ELSE t END AS t, code,
                   CASE WHEN grp = 1 THEN '{{"kind":"household"}}' ELSE {venue_reason} END AS txt
            FROM pairs"""),
        ("secondary_via", """
            SELECT d.case_id, d.person_id, d.via, p.id_number
            FROM (SELECT DISTINCT case_id, person_id, via FROM pairs) d JOIN persons p ON p.id = d.via"""),
        ("found", f"""
            SELECT e.case_id, e.person_id, 'close' AS degree, e.first_at, e.last_at, r.reasons, '[]' AS via
            FROM close e JOIN (SELECT case_id, person_id, '[' || {reasons} || ']' AS reasons
                               FROM (SELECT DISTINCT case_id, person_id, grp, CASE WHEN grp = 2 THEN f ELSE 0 END AS f,
                                            CASE WHEN grp = 2 THEN t ELSE 0 END AS t, code, txt FROM close_why) d
                               GROUP BY case_id, person_id) r
              ON r.case_id = e.case_id AND r.person_id = e.person_id
            UNION ALL
            SELECT e.case_id, e.person_id, 'secondary', e.first_at, e.last_at, r.reasons, w.via
            FROM (SELECT case_id, person_id, MIN(f) AS first_at, MAX(t) AS last_at FROM pairs
                  GROUP BY case_id, person_id) e
            JOIN (SELECT case_id, person_id, '[' || {reasons} || ']' AS reasons FROM secondary_why
                  GROUP BY case_id, person_id) r ON r.case_id = e.case_id AND r.person_id = e.person_id
            JOIN (SELECT case_id, person_id, '[' || {vias} || ']' AS via FROM secondary_via
                  GROUP BY case_id, person_id) w ON w.case_id = e.case_id AND w.person_id = e.person_id"""),
        ("contacts", f"""
            SELECT c.case_no, p.id_number, f.degree,
                   {sql(dialect, 'local_time', 'f.first_at', zone)} AS first_exposure,
                   {sql(dialect, 'local_time', 'f.last_at', zone)} AS last_exposure,
                   f.reasons, f.via, f.first_at, f.last_at, f.case_id, f.person_id
            FROM found f JOIN cases c ON c.case_id = f.case_id JOIN persons p ON p.id = f.person_id"""),
    ]


# The columns of the file `fangyi trace batch` writes and `fangyi import contacts` reads.
FILE_COLUMNS = ("case_no", "id_number", "degree", "first_exposure", "last_exposure", "reasons", "via")
