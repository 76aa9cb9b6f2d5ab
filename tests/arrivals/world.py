"""Small arrivals worlds: people from elsewhere, the command's origin-risk list, Hengdong time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fangyi.identity import make_id_number

LOCAL = timedelta(hours=8)
SHANGHAI_PUDONG = "310115"
CHANGSHA = "430100"
WUHAN_WUCHANG = "420106"


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Hengdong wall-clock time as a UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - LOCAL


def number(n: int, area: str = "310115") -> str:
    """A valid identity number of someone born elsewhere (checksum and all)."""
    return make_id_number(area, date(1990, 1, 1), n, "M" if n % 2 else "F")
