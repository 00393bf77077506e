"""Saved searches, the documents each has already alerted about, and the queue of new documents."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class SubscriptionKind(StrEnum):
    VACANCIES = "vacancies"  # a seeker follows new vacancies
    RESUMES = "resumes"  # an employer or agency follows new resumes


class Frequency(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (sa.Index("ix_subscriptions_kind_active", "kind", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[SubscriptionKind] = mapped_column(enum_column(SubscriptionKind, "subscription_kind"))
    name: Mapped[str] = mapped_column(sa.String(120))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the search parameters, as the search page takes them
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "subscription_frequency"), default=Frequency.INSTANT)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_alert_at: Mapped[dt.datetime | None]


class SubscriptionHit(Base):
    """A document a subscription matched: the unique pair means it is never announced twice."""

    __tablename__ = "subscription_hits"
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "document_id"),
        sa.Index("ix_subscription_hits_pending_digest", "subscription_id", "notified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("subscriptions.id", ondelete="CASCADE"))
    document_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[dt.datetime | None]  # in an instant alert or a daily digest


class NewDocument(Base):
    """A newly published vacancy or resume waiting for the next matching micro-batch."""

    __tablename__ = "subscription_new_documents"
    __table_args__ = (sa.UniqueConstraint("kind", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SubscriptionKind] = mapped_column(enum_column(SubscriptionKind, "new_document_kind"))
    document_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
