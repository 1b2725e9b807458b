"""The bench's own table, for the one-insert reference route.

It has its own MetaData, so it is not part of the app's schema: migrations and
`db.metadata` never see it. The bench creates it before a run (and drops it
with the bench's schema on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class BenchBase(DeclarativeBase):
    metadata = MetaData()


class BenchHit(BenchBase):
    """One row per request to POST /bench/insert."""

    __tablename__ = "bench_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
