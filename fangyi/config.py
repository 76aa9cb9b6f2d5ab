"""Settings, read from the environment each time they are asked for.

Read lazily (not at import) so that tests and the CLI can point Fangyi at
another database by setting ``FANGYI_DATABASE_URL`` before the first use.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite:///fangyi.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_ZONES_CHECK_AT = "23:55"


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: str
    secret_key: str
    protocol: str
    protocol_dir: Path | None
    tls: bool = False  # served over TLS (by a proxy in front): cookies only over HTTPS

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The deployment's time zone alone: read on every date check of a busy path, so without
    building the whole settings."""
    return _zone(os.environ.get("FANGYI_TIMEZONE", DEFAULT_TIMEZONE))


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def key_file(url: str) -> Path | None:
    """Where an embedded deployment keeps its secret key: beside its database, so that every
    server process (and every restart) signs with the same one."""
    database = sqlite_file(url)
    return None if database is None else database.parent / "fangyi.secret"


@lru_cache(maxsize=8)
def _stored_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(32)
    try:
        # Created readable by its owner only, and never overwritten: a second process racing this
        # one reads the first one's key.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(key)
    except FileExistsError:
        return path.read_text().strip()
    return key


def configured_key() -> bool:
    """Whether every server process signs with the same key (set, or stored beside the database)."""
    return bool(os.environ.get("FANGYI_SECRET_KEY")) or key_file(_database_url()) is not None


def _database_url() -> str:
    return os.environ.get("FANGYI_DATABASE_URL", DEFAULT_DATABASE_URL)


def secret_key() -> str:
    """The deployment's signing key (FANGYI_SECRET_KEY, or the one kept beside an embedded database)."""
    key = os.environ.get("FANGYI_SECRET_KEY")
    if key:
        return key
    stored = key_file(_database_url())
    if stored is not None and stored.parent.is_dir():
        return _stored_key(stored)
    # PostgreSQL without a configured key: sessions work for this one process only, and end with
    # it; `fangyi serve` refuses several workers so (a login would fail on every other one).
    global _EPHEMERAL_KEY
    if _EPHEMERAL_KEY is None:
        _EPHEMERAL_KEY = secrets.token_urlsafe(32)
    return _EPHEMERAL_KEY


_EPHEMERAL_KEY: str | None = None


def tls_configured() -> bool:
    """The deployment says it is served over TLS (by a proxy in front): FANGYI_TLS=1."""
    return os.environ.get("FANGYI_TLS") == "1"


def get_settings() -> Settings:
    protocol_dir = os.environ.get("FANGYI_PROTOCOL_DIR")
    return Settings(
        database_url=_database_url(),
        timezone=os.environ.get("FANGYI_TIMEZONE", DEFAULT_TIMEZONE),
        secret_key=secret_key(),
        protocol=os.environ.get("FANGYI_PROTOCOL", "cn-8"),
        protocol_dir=Path(protocol_dir) if protocol_dir else None,
        tls=tls_configured(),
    )


def zones_check_at() -> time | None:
    """When the server runs the zones' daily check, local time: FANGYI_ZONES_CHECK_AT, "HH:MM"
    (default 23:55), or "off" when cron runs `fangyi zones check` instead."""
    value = os.environ.get("FANGYI_ZONES_CHECK_AT", DEFAULT_ZONES_CHECK_AT).strip()
    if value.lower() == "off":
        return None
    try:
        hour, minute = value.split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise ValueError(f"FANGYI_ZONES_CHECK_AT={value!r} is not a local time HH:MM (or off)") from None
