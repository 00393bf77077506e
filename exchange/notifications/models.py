"""What the exchange told whom, through which channel, and how each person wants to be told."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"
    TELEGRAM = "telegram"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waiting to be sent (first time or after a retryable failure)
    SENDING = "sending"  # claimed by one sender; never claimed twice
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider confirmed delivery (Twilio status callback)
    FAILED = "failed"  # given up: permanent error, attempts exhausted, or interrupted mid-send
    SKIPPED = "skipped"  # the channel is off (no credentials) or the person has no address for it


class Notification(Base):
    """One message to one person: the in-app inbox entry and the parent of its deliveries."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One notification per event and recipient: a consumer run twice finds the first one.
        sa.UniqueConstraint("dedupe_key"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A seeker a centre registered may have no account: then only SMS/e-mail reach them.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    seeker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(sa.String(60))
    event_id: Mapped[int | None]  # the outbox event it answers, if any
    dedupe_key: Mapped[str] = mapped_column(sa.String(120))
    locale: Mapped[str] = mapped_column(sa.String(2), default="ru")
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    read_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="notification", order_by="Delivery.id")


class Delivery(Base):
    """One notification sent through one channel, with its provider's answer."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # (event, recipient, channel): a retried job finds this row instead of sending again.
        sa.UniqueConstraint("idempotency_key"),
        sa.Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_notification_deliveries_provider", "channel", "provider_id"),
        sa.Index("ix_notification_deliveries_org_day", "organisation_id", "channel", "created_at"),
        sa.Index("ix_notification_deliveries_address", "channel", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "notification_channel"))
    address: Mapped[str | None] = mapped_column(sa.String(254))  # e-mail, E.164 phone or Telegram chat id
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    provider_id: Mapped[str | None] = mapped_column(sa.String(255))  # an SMTP Message-ID can be long
    provider_status: Mapped[str | None] = mapped_column(sa.String(40))
    error: Mapped[str | None] = mapped_column(sa.Text)
    # Set when an organisation contacts a candidate itself (its daily cap counts these).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")


class NotificationPreference(Base):
    """A person's channels for one event type; the row with event_type '*' holds defaults and quiet hours."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "event_type"),
        sa.CheckConstraint(
            "(quiet_from IS NULL) = (quiet_until IS NULL)", name="quiet_hours_pair"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(sa.String(60))
    channels: Mapped[list[str]] = mapped_column(default=list)
    # Local wall-clock times in Asia/Almaty; a window may wrap past midnight (22:00–08:00).
    quiet_from: Mapped[dt.time | None] = mapped_column(sa.Time)
    quiet_until: Mapped[dt.time | None] = mapped_column(sa.Time)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TelegramLink(Base):
    """A portal account linked to a Telegram chat, plus the bot's dialogue state for that chat."""

    __tablename__ = "telegram_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    telegram_username: Mapped[str | None] = mapped_column(sa.String(64))
    # A one-time deep-link token (stored hashed) until the person presses Start in Telegram.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None]
    linked_at: Mapped[dt.datetime | None]
    dialog: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
