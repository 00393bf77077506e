"""Transactional outbox: operations record what happened; consumers act after commit.

An operation calls :func:`emit` inside its transaction. The event row commits or rolls
back together with the change it describes, so a consumer (index sync, notifications,
webhooks) never acts on a change that did not happen, and never misses one that did:
undelivered rows are picked up again by the relay (``workers.outbox``).

Each consumer's delivery of an event is recorded in :class:`OutboxDelivery`; the event
counts as dispatched (``dispatched_at``) once every consumer of its topic has run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from exchange.db import Base, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay scans undispatched events oldest first; a partial index keeps that cheap.
        sa.Index(
            "ix_outbox_events_pending",
            "id",
            postgresql_where=sa.text("dispatched_at IS NULL"),
            sqlite_where=sa.text("dispatched_at IS NULL"),
        ),
        sa.Index("ix_outbox_events_aggregate", "aggregate_type", "aggregate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(80))
    aggregate_type: Mapped[str] = mapped_column(sa.String(40))
    aggregate_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_user_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    def as_message(self) -> dict[str, Any]:
        """The plain-data form handed to consumers (never the ORM object)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "payload": self.payload,
            "actor_user_id": self.actor_user_id,
            "created_at": self.created_at.isoformat(),
        }


class OutboxDelivery(Base):
    """One consumer's successful (or failing) handling of one event.

    The durable record of "this consumer already ran": the relay re-dispatches only the
    consumers of an event that have no ``delivered_at`` yet, so a retry after a partial
    failure never re-runs the consumers that succeeded.
    """

    __tablename__ = "outbox_deliveries"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True)
    consumer: Mapped[str] = mapped_column(sa.String(120), primary_key=True)  # module path from CONSUMER_MODULES
    delivered_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)  # failed attempts of this consumer
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def emit(
    session: Session,
    topic: str,
    aggregate_type: str,
    aggregate_id: int | None,
    payload: dict[str, Any] | None = None,
    actor_user_id: int | None = None,
) -> OutboxEvent:
    """Record an event in the current transaction; it is dispatched after commit."""
    event = OutboxEvent(
        topic=topic,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload or {},
        actor_user_id=actor_user_id,
    )
    session.add(event)
    session.flush([event])
    track(session, [event.id])
    return event


# --- bulk emission ---------------------------------------------------------------------
# The one place that knows about the after-commit list (``session.info["outbox_pending"]``,
# read by :mod:`exchange.db` after commit): bulk writers insert their rows with these helpers.

COLUMNS = ("topic", "aggregate_type", "aggregate_id", "payload", "actor_user_id", "created_at", "attempts")


def track(session: Session, ids: Any) -> list[int]:
    """Queue already-inserted outbox rows for dispatch after this session commits."""
    ids = [int(i) for i in ids]
    session.info.setdefault("outbox_pending", []).extend(ids)
    return ids


def pending_count(session: Session) -> int:
    """How many events this session has queued so far (a mark for :func:`untrack_since`)."""
    return len(session.info.get("outbox_pending", []))


def untrack_since(session: Session, mark: int) -> None:
    """Forget the events queued after ``mark`` (their savepoint was rolled back)."""
    pending = session.info.get("outbox_pending")
    if pending is not None:
        del pending[mark:]


def emit_many(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many events in few statements (executemany); each row takes :func:`emit`'s arguments.

    Returns the new ids in the order of ``rows``.
    """
    if not rows:
        return []
    now = utcnow()
    values = [
        {
            "topic": row["topic"], "aggregate_type": row["aggregate_type"], "aggregate_id": row.get("aggregate_id"),
            "payload": row.get("payload") or {}, "actor_user_id": row.get("actor_user_id"),
            "created_at": row.get("created_at") or now, "attempts": 0,
        }
        for row in rows
    ]
    result = session.execute(sa.insert(OutboxEvent).returning(OutboxEvent.id, sort_by_parameter_order=True), values)
    return track(session, result.scalars().all())


def emit_from_select(session: Session, select: sa.Select | sa.TextClause, params: dict[str, Any] | None = None) -> list[int]:
    """INSERT INTO outbox_events … SELECT: one event per row of ``select``.

    ``select`` yields the columns of :data:`COLUMNS` in that order (a SQLAlchemy select, or
    text SQL with ``params``). Returns the new ids.
    """
    if isinstance(select, sa.TextClause):
        select = select.columns()  # a textual SELECT keeps its typed bind parameters
    table = OutboxEvent.__table__
    stmt = sa.insert(table).from_select(list(COLUMNS), select).returning(table.c.id)
    ids = list(session.scalars(stmt, params or {}))
    return track(session, ids)
