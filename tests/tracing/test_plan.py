"""The interval join walks the (venue_id, in_at, out_at, person_id) index of check-ins instead of the whole table."""

from __future__ import annotations

from sqlalchemy import text

from fangyi.tracing.derivation import _GROUP_SQLITE, VENUE_SQL, interval_join, scratch


def test_the_interval_join_uses_the_venue_time_index(db):
    dialect = db.get_bind().dialect.name
    # With persons to leave out, as the secondary join has them (SQLite once read table rows then).
    query = interval_join([(1, 5, 1648350000, 1648353600, 1648340000, 3600), (1, 6, 1648360000, 1648363600,
                                                                                 1648350000, 3600)], [1, 7], dialect, 0)
    if dialect == "postgresql":
        # On a small table a sequential scan is cheaper; forbid it to see whether the index can serve.
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.execute(text("EXPLAIN " + query.text)))
    else:
        plan = "\n".join(str(row[-1]) for row in db.execute(text("EXPLAIN QUERY PLAN " + query.text)))
    # The covering index: the stays' ends and persons come from the index, not the table.
    assert "ix_checkins_venue_cover" in plan
    if dialect == "sqlite":
        assert "COVERING INDEX ix_checkins_venue_cover" in plan, plan
    assert "in_at" in plan  # a range on the time, not only the venue



def test_the_longest_stay_per_venue_is_read_from_venue_stays_on_both_databases(db):
    dialect = db.get_bind().dialect.name
    query = VENUE_SQL.format(ids="1, 2, 3")
    if dialect == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.execute(text("EXPLAIN " + query)))
        # venue_stays by its primary key; no check-in is read.
        assert "pk_venue_stays" in plan and "checkins" not in plan
    else:
        plan = "\n".join(str(row[-1]) for row in db.execute(text("EXPLAIN QUERY PLAN " + query)))
        # venue_stays (alias s) by its key, after the venues; no check-in is read.
        assert "SEARCH s USING INTEGER PRIMARY KEY" in plan and "checkins" not in plan


def test_secondary_contacts_are_grouped_in_the_order_of_their_key_without_a_sort_on_sqlite(db):
    """group_concat takes a person's reasons and via in the order it reads them: GROUP BY must walk
    the items' key (person, kind, from, to, code), not a sorter that may reorder equal persons."""
    if db.get_bind().dialect.name != "sqlite":
        return
    scratch(db)
    group = next(step for step in _GROUP_SQLITE if step.startswith("INSERT INTO"))
    plan = "\n".join(str(row[-1]) for row in db.execute(text("EXPLAIN QUERY PLAN " + group)))
    assert "TEMP B-TREE" not in plan, plan


def test_a_lists_first_row_per_person_is_looked_up_among_the_persons_rows_not_the_cases(db):
    """The lists keep one row per person by a subquery per row. Given the case's own index, a
    PostgreSQL whose statistics predate the case's rows read the whole case for every row (90 s to
    stream 19,549 contacts on a new database); the subquery can only take the person's rows."""
    from sqlalchemy import select

    from fangyi.tracing.models import Case, Contact
    from fangyi.tracing.trace import shown

    case = Case(id=5, person_id=309)  # never stored: the statement is only planned
    query = select(Contact.id).where(*shown(case, "secondary")).order_by(Contact.sort_key)
    compiled = query.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in db.execute(text(f"EXPLAIN {compiled}")))
        subplan = plan.split("SubPlan", 1)[1]
    else:
        rows = list(db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        plan = "\n".join(str(row[-1]) for row in rows)
        subplan = plan.split("CORRELATED SCALAR SUBQUERY", 1)[1]
    assert "ix_contacts_person_id" in subplan, plan
    assert "ix_contacts_case_list" not in subplan and "ix_contacts_case_person" not in subplan, plan
