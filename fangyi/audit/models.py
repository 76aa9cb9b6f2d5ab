"""The append-only audit trail. Triggers in the migration refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangyi.db.base import Base, BigId, Instant, Json
from fangyi.timeutil import now


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(Instant, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(Json)
    after: Mapped[dict[str, Any] | None] = mapped_column(Json)
    note: Mapped[str | None] = mapped_column(String(500))


class AuditSeal(Base):
    """An entry's link in its stream's hash chain: the hash of the entry's content and the link
    before it. Written when the entry's transaction commits, never changed (append-only, like the
    trail). An entry edited, removed or slipped in behind the server's back breaks its chain."""

    __tablename__ = "audit_seals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    stream: Mapped[str] = mapped_column(String(16))  # the local day and a shard: 2022-03-30/2
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("stream", "seq", name="uq_audit_seals_stream_seq"),)


class AuditHead(Base):
    """Each stream's last link: writers take its row lock to extend the chain one at a time, and a
    chain cut short at its end no longer meets its head."""

    __tablename__ = "audit_heads"

    stream: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")
