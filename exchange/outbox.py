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
    session.info.setdefault("outbox_pending", []).append(event.id)
    return event
