"""Vocational training applications (R-EMP-7, R-SEEK-4, R-AG-5, R-FLOW-9)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class TrainingForm(StrEnum):
    TVE = "tve"  # technical and vocational education (колледж)
    SHORT_COURSE = "short_course"  # short-term vocational course


class TrainingStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class TrainingApplication(Base):
    """A request to train one person; filed by the person or by an employer or agency naming them."""

    __tablename__ = "training_applications"
    __table_args__ = (
        sa.CheckConstraint("status <> 'refused' OR decision_reason IS NOT NULL", name="refusal_has_reason"),
        sa.Index("ix_training_applications_district_status", "kato_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[TrainingStatus] = mapped_column(enum_column(TrainingStatus, "training_status"), default=TrainingStatus.DRAFT)
    # The person to train; linked to their seeker profile when they are on the exchange.
    seeker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="SET NULL"), index=True)
    iin: Mapped[str] = mapped_column(sa.String(12), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Who filed it: the person themselves (no organisation), an employer or an agency.
    filed_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filed_by_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    occupation_code: Mapped[str] = mapped_column(sa.String(4))
    form: Mapped[TrainingForm] = mapped_column(enum_column(TrainingForm, "training_form"))
    preferred_kato_code: Mapped[str] = mapped_column(sa.String(9))  # where the person would like to study
    kato_code: Mapped[str] = mapped_column(sa.String(9))  # the person's district: its centre decides
    motivation: Mapped[str | None] = mapped_column(sa.Text)
    employer_commitment: Mapped[bool] = mapped_column(default=False)  # the filing employer will hire after training
    submitted_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision_centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[TrainingEvent]] = relationship(order_by="TrainingEvent.id", cascade="all, delete-orphan")


class TrainingEvent(Base):
    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("training_applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))  # created, updated, submitted, approved, refused, withdrawn
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
