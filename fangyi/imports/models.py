"""Each run of an import, with its counts and its rejected rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant
from fangyi.timeutil import now


class ImportRun(Base):
    """One run of an importer, with its counts; the rejected rows are ImportProblems."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    strict: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|done|rejected|failed
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(1000))
    started_at: Mapped[datetime] = mapped_column(Instant, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(Instant)


class ImportProblem(Base):
    __tablename__ = "import_problems"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
