"""Tables of the JSON API: keys, imports, the change feed, webhooks, verifications, agency reports."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.auth import SCOPES, granted_scopes  # the one vocabulary lives with the scope checks
from exchange.db import Base, utcnow
from exchange.organisations.models import Organisation


class ApiKey(Base):
    """A secret an organisation's software presents; only a SHA-256 of the token is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The public part of the token, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    rate_limit: Mapped[str | None] = mapped_column(sa.String(40))  # None: the API_RATE_LIMIT setting
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def granted_scopes(self) -> list[str]:
        """The scopes this key grants in current names (a key stored with old names keeps its access)."""
        granted = granted_scopes(self.scopes or [])
        return [scope for scope in SCOPES if scope in granted]

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ImportKind(StrEnum):
    VACANCIES = "vacancies"
    RESUMES = "resumes"


class ImportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class Import(Base):
    """One uploaded file of vacancies or resumes, processed line by line by a job."""

    __tablename__ = "api_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="SET NULL"))
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind, "import_kind"))
    format: Mapped[ImportFormat] = mapped_column(enum_column(ImportFormat, "import_format"))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, "import_status"), default=ImportStatus.QUEUED)
    # Kept in the database so any worker process can pick the job up.
    content: Mapped[str] = mapped_column(sa.Text)
    total_lines: Mapped[int] = mapped_column(default=0)
    processed_lines: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class FeedEntry(Base):
    """One line of the change feed; ``id`` order is commit order (appends are serialised)."""

    __tablename__ = "api_feed"
    __table_args__ = (sa.Index("ix_api_feed_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(unique=True)  # the outbox event: redelivery never appends twice
    entity_type: Mapped[str] = mapped_column(sa.String(20))
    entity_id: Mapped[int]
    op: Mapped[str] = mapped_column(sa.String(10))  # upsert or delete (a tombstone)
    version: Mapped[int] = mapped_column(default=0)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    __tablename__ = "api_webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(sa.String(80))
    event_types: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[dt.datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # gave up after the last retry


class WebhookDelivery(Base):
    __tablename__ = "api_webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_api_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("api_webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int]
    topic: Mapped[str] = mapped_column(sa.String(80))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_response: Mapped[str | None] = mapped_column(sa.Text)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()


class VerificationStatus(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class SeekerVerification(Base):
    """The state registry's answer about a seeker's identity data, kept with its date (R-AG-3)."""

    __tablename__ = "api_seeker_verifications"
    __table_args__ = (sa.Index("ix_api_seeker_verifications_seeker", "seeker_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    requested_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[VerificationStatus] = mapped_column(enum_column(VerificationStatus, "verification_status"))
    matches: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field -> bool
    registry_reference: Mapped[str | None] = mapped_column(sa.String(100))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AgencyReport(Base):
    """How many people applied to an agency and how many it placed, per period and occupation (R-AG-4)."""

    __tablename__ = "agency_reports"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "period_start", "period_end", "occupation_code"),
        sa.CheckConstraint("period_end >= period_start", name="period_ordered"),
        sa.CheckConstraint("applied_count >= 0 AND employed_count >= 0", name="counts_non_negative"),
        sa.CheckConstraint("employed_count <= applied_count", name="employed_within_applied"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    occupation_code: Mapped[str] = mapped_column(sa.String(4))
    applied_count: Mapped[int] = mapped_column(default=0)
    employed_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
