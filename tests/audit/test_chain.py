"""The trail proves itself: every entry is a sealed link of a hash chain, and `verify` names the
first link broken by an edit, a removal, a back-dated insert or a chain cut at its end, on both
databases, even when the database owner goes around the append-only triggers."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.audit import chain
from fangyi.audit import service as audit
from fangyi.audit.models import AuditEntry, AuditHead, AuditSeal
from fangyi.db.session import engine_for, session_scope
from tests.conftest import Cast


def _write(db: Session, cast: Cast, n: int) -> list[AuditEntry]:
    entries = [audit.record(db, cast["admin"], "update", "person", i, before={"a": i}, after={"a": i + 1})
               for i in range(n)]
    db.commit()
    return entries


def _around_triggers(db: Session, statement: str) -> None:
    """What a database owner can do: set the append-only triggers aside for one statement."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        db.execute(text("ALTER TABLE audit_seals DISABLE TRIGGER USER"))
        db.execute(text(statement))
        db.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        db.execute(text("ALTER TABLE audit_seals ENABLE TRIGGER USER"))
    else:
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_seals_no_update", "audit_seals_no_delete"):
            db.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        db.execute(text(statement))


def test_entries_are_sealed_when_their_transaction_commits(db: Session, cast: Cast) -> None:
    entries = _write(db, cast, 5)
    sealed = db.scalars(select(AuditSeal.entry_id).where(AuditSeal.entry_id.in_([e.id for e in entries])))
    assert sorted(sealed) == sorted(e.id for e in entries)
    verdict = chain.verify(db)
    assert verdict.ok and verdict.sealed >= 5 and verdict.heads


def test_a_rolled_back_entry_is_neither_kept_nor_sealed(db: Session, cast: Cast) -> None:
    before = db.scalar(select(func.count()).select_from(AuditSeal))
    with db.begin_nested() as savepoint:
        audit.record(db, cast["admin"], "update", "person", 1)
        db.flush()
        savepoint.rollback()
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditSeal)) == before
    assert chain.verify(db).ok


def test_an_entry_changed_behind_the_triggers_is_found(db: Session, cast: Cast) -> None:
    entries = _write(db, cast, 3)
    _around_triggers(db, f"UPDATE audit_log SET note = 'nothing happened' WHERE id = {entries[1].id}")
    verdict = chain.verify(db)
    assert not verdict.ok and f"entry {entries[1].id} was changed after it was written" in verdict.broken[0]


def test_a_removed_entry_is_found(db: Session, cast: Cast) -> None:
    entries = _write(db, cast, 3)
    _around_triggers(db, f"DELETE FROM audit_log WHERE id = {entries[0].id}")
    assert f"entry {entries[0].id} is gone" in chain.verify(db).broken[0]


def test_a_back_dated_insert_has_no_seal(db: Session, cast: Cast) -> None:
    _write(db, cast, 2)
    db.execute(text("INSERT INTO audit_log (at, actor, action, entity, entity_id) "
                    "VALUES ('2022-03-29 08:00:00', 'admin', 'release', 'placement', '7')"))
    stray = db.scalar(select(func.max(AuditEntry.id)))
    assert f"entry {stray} has no seal" in " ".join(chain.verify(db).broken)


def test_a_chain_cut_at_its_end_no_longer_meets_its_head(db: Session, cast: Cast) -> None:
    entries = _write(db, cast, 3)
    last = entries[-1].id
    _around_triggers(db, f"DELETE FROM audit_seals WHERE entry_id = {last}")
    _around_triggers(db, f"DELETE FROM audit_log WHERE id = {last}")
    assert "its head is at link" in chain.verify(db).broken[0]


def test_writers_at_once_never_fork_a_chain(committed_db: str) -> None:
    from fangyi.accounts.service import create_user
    from tests.conftest import COUNTY, add_areas

    with session_scope() as session:
        add_areas(session)
        create_user(session, SYSTEM, username="w", password="writer-pass-1", role="admin", area_code=COUNTY)
    engine: Engine = engine_for(committed_db)

    def writer(n: int) -> None:
        for i in range(10):
            with Session(engine) as session:
                audit.record(session, SYSTEM, "update", "venue", f"{n}-{i}")
                audit.record(session, SYSTEM, "update", "venue", f"{n}-{i}b")
                session.commit()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        verdict = chain.verify(session)
        assert verdict.ok, verdict.broken
        assert verdict.sealed == session.scalar(select(func.count()).select_from(AuditEntry))
        assert sum(head.seq for head in session.scalars(select(AuditHead))) == verdict.sealed


def test_fangyi_audit_verify_names_the_first_broken_link(committed_db: str) -> None:
    from fangyi.cli.main import app

    with session_scope() as session:
        for i in range(3):
            audit.record(session, SYSTEM, "update", "venue", i)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "3 entries sealed" in result.output
    with Session(engine_for(committed_db)) as session:
        target = session.scalar(select(func.min(AuditEntry.id)))
        _around_triggers(session, f"UPDATE audit_log SET note = 'x' WHERE id = {target}")
        session.commit()
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and f"entry {target} was changed" in result.output


def test_the_servers_role_may_only_add_to_the_trail(committed_db: str) -> None:
    """On PostgreSQL the server connects as a role of its own (fangyi db grant): it writes every
    table, but the trail only grows, and its triggers are not its to set aside."""
    import os

    import pytest
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from fangyi.cli.main import app

    owner = engine_for(committed_db)
    if owner.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    role = f"fangyi_app_{os.getpid()}"
    with owner.begin() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        assert CliRunner().invoke(app, ["db", "grant", role]).exit_code == 0
        server = create_engine(make_url(committed_db).set(username=role))
        with Session(server) as session:
            audit.record(session, SYSTEM, "update", "venue", 1)
            session.commit()  # it writes and seals
            for statement in ("UPDATE audit_log SET note = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                              "DELETE FROM audit_seals", "ALTER TABLE audit_log DISABLE TRIGGER USER",
                              "DROP TRIGGER audit_log_no_change ON audit_log"):
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner|append-only"):
                    session.execute(text(statement))
                session.rollback()
            assert chain.verify(session).ok
        server.dispose()
    finally:
        with owner.begin() as connection:
            connection.execute(text(f"REASSIGN OWNED BY {role} TO postgres"))
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
