"""Settings, read from the environment each time they are asked for.

Read lazily (not at import) so that tests and the CLI can point Fangyi at
another database by setting ``FANGYI_DATABASE_URL`` before the first use.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite:///fangyi.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"


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


def _secret_key() -> str:
    key = os.environ.get("FANGYI_SECRET_KEY")
    if key:
        return key
    # Without a configured key, sessions still work for one process; a
    # deployment must set FANGYI_SECRET_KEY so logins survive a restart.
    global _EPHEMERAL_KEY
    if _EPHEMERAL_KEY is None:
        _EPHEMERAL_KEY = secrets.token_urlsafe(32)
    return _EPHEMERAL_KEY


_EPHEMERAL_KEY: str | None = None


def get_settings() -> Settings:
    protocol_dir = os.environ.get("FANGYI_PROTOCOL_DIR")
    return Settings(
        database_url=os.environ.get("FANGYI_DATABASE_URL", DEFAULT_DATABASE_URL),
        timezone=os.environ.get("FANGYI_TIMEZONE", DEFAULT_TIMEZONE),
        secret_key=_secret_key(),
        protocol=os.environ.get("FANGYI_PROTOCOL", "cn-8"),
        protocol_dir=Path(protocol_dir) if protocol_dir else None,
        tls=os.environ.get("FANGYI_TLS") == "1",
    )
