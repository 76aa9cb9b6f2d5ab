"""Shared test ground: every database test runs on SQLite and on PostgreSQL.

The schema comes from the Alembic migrations. Each test runs inside a
transaction that is rolled back, so tests never see each other's rows. One
shared cast of users, one per role, with jurisdictions that differ.

PostgreSQL is found at FANGYI_TEST_POSTGRES_URL (default: the local server);
when it is unreachable its half of the tests is skipped, unless
FANGYI_TEST_REQUIRE_POSTGRES=1 (as in CI), when that is an error.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import fangyi.auth.security as security
from fangyi.access import SYSTEM, Role
from fangyi.accounts import service as accounts
from fangyi.app import create_app, install
from fangyi.assembly import load_models
from fangyi.auth.models import User
from fangyi.db.base import Base
from fangyi.db.migrate import upgrade
from fangyi.db.session import engine_for
from fangyi.deps import use_sessions
from fangyi.registry.models import Area

install()  # the parts, for tests that call services without an app

# Argon2 at its production cost would make the cast the slowest part of the suite.
security._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)

PG_URL = os.environ.get("FANGYI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/fangyi_test")
# Each run (and each xdist worker) gets its own database, dropped at the end,
# so that two runs on one server never drop each other's tables.
PG_URL = (
    make_url(PG_URL)
    .set(database=f"{make_url(PG_URL).database}_{os.getpid()}")
    .render_as_string(hide_password=False)
)
REQUIRE_PG = os.environ.get("FANGYI_TEST_REQUIRE_POSTGRES") == "1"


def _admin(sql: str) -> None:
    url = make_url(PG_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql.format(name=url.database)))
    finally:
        admin.dispose()


def _postgres_available() -> str | None:
    """Create the test database afresh; return why not if the server is unreachable."""
    try:
        _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin('CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure to reach the server means: no PostgreSQL here
        return f"PostgreSQL unreachable at {make_url(PG_URL).render_as_string(hide_password=True)}: {exc}"
    return None


_PG_PROBLEM: str | None = None
_PG_CHECKED = False


def _pg_problem() -> str | None:
    global _PG_CHECKED, _PG_PROBLEM
    if not _PG_CHECKED:
        _PG_PROBLEM = _postgres_available()
        _PG_CHECKED = True
    return _PG_PROBLEM


@pytest.fixture(autouse=True)
def _no_figures_kept_from_another_test() -> None:
    """Figures a process keeps (the dashboard's minute, the tally's anchors) are keyed by database,
    reader and day: the next test's world, on the same database with the same ids, must not see
    the last one's."""
    import sys

    for module in ("fangyi.command.dashboard", "fangyi.registry.tally"):
        if (loaded := sys.modules.get(module)) is not None:
            loaded.forget()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each kind, for the whole test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fangyi.db'}"
    else:
        problem = _pg_problem()
        if problem:
            if REQUIRE_PG:
                pytest.fail(problem)
            pytest.skip(problem)
        url = PG_URL

        def drop() -> None:
            engine_for(url).dispose()
            _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        request.addfinalizer(drop)
    upgrade(url=url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    return engine_for(database_url)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose every commit is a savepoint inside one rolled-back transaction."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


# --- the cast -----------------------------------------------------------------

COUNTY = "430424"
SHITAN = "430424101000"  # 石滩乡
MISHUI = "430424102000"  # 洣水镇
SHIJIN = "430424101001"  # 石金村, in 石滩乡
XIAOQUANWU = "430424101001001"  # 小泉屋组
CHENGGUAN = "430424102001"  # 城关社区, in 洣水镇

AREAS = [
    (COUNTY, "衡东县", "county", None),
    (SHITAN, "石滩乡", "township", COUNTY),
    (MISHUI, "洣水镇", "township", COUNTY),
    (SHIJIN, "石金村", "village", SHITAN),
    (XIAOQUANWU, "小泉屋组", "group", SHIJIN),
    (CHENGGUAN, "城关社区", "village", MISHUI),
]

# Where each role's user may look: most the county; the village doctor only
# 石滩乡, the site manager only 洣水镇, so that jurisdiction tests have teeth.
JURISDICTION = {role: COUNTY for role in Role} | {Role.village_doctor: SHITAN, Role.site_manager: MISHUI}


def password_for(role: str) -> str:
    return f"{role}-pass-2022"


@dataclass
class Cast:
    session: Session
    users: dict[str, User] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, role: str) -> User:
        return self.users[role]

    def headers(self, role: str) -> dict[str, str]:
        """Authorization headers of an API token for the user of this role."""
        if role not in self._tokens:
            self._tokens[role] = accounts.issue_token(self.session, SYSTEM, self.users[role], "test")
            self.session.flush()
        return {"Authorization": f"Bearer {self._tokens[role]}"}


def add_areas(session: Session) -> None:
    for code, name, level, parent in AREAS:
        session.add(Area(code=code, name=name, level=level, parent_code=parent))
    session.flush()


@pytest.fixture
def cast(db: Session) -> Cast:
    add_areas(db)
    cast = Cast(db)
    for role in Role:
        cast.users[role.value] = accounts.create_user(
            db, SYSTEM, username=role.value, password=password_for(role.value), role=role.value,
            area_code=JURISDICTION[role],
        )
    db.flush()
    return cast


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The app in-process, on the test's own session."""
    app = create_app()

    def same_session() -> Iterator[Session]:
        yield db

    use_sessions(app, same_session)  # the routes' and the scan intake's
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# --- committed databases, for the CLI and the browser ------------------------


def truncate_all(engine: Engine) -> None:
    load_models()  # all of them, whichever parts the test imported
    tables = [table.name for table in Base.metadata.sorted_tables]
    if engine.dialect.name == "postgresql":
        # A server's scan intake seals the trail on a thread of its own, up to a fraction of a second
        # after the test's last request: TRUNCATE, taking its tables one by one, may meet that
        # transaction the other way round. PostgreSQL then rolls one back; the emptying is tried again.
        for attempt in range(10):
            try:
                with engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                return
            except OperationalError as exc:
                if "deadlock detected" not in str(exc) or attempt == 9:
                    raise
                time.sleep(0.3)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        for table in reversed(tables):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(
            text(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
        )


@pytest.fixture
def committed_db(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A database whose commits stick (for CLI runs and a live server), emptied after the test.

    FANGYI_DATABASE_URL points at it for the duration of the test.
    """
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'committed.db'}"
        upgrade(url=url)
    else:
        url = database_url
    monkeypatch.setenv("FANGYI_DATABASE_URL", url)
    try:
        yield url
    finally:
        if not url.startswith("sqlite"):
            truncate_all(engine_for(url))
