"""Layoff notices: an employer's advance report of workers it will release (R-EMP-5, R-FLOW-7)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class LayoffReason(StrEnum):
    LIQUIDATION = "liquidation"
    END_OF_ACTIVITY = "end_of_activity"
    STAFF_REDUCTION = "staff_reduction"
    LOWER_VOLUME = "lower_volume"  # lower production or work volume


class FilingStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class LayoffNotice(Base):
    __tablename__ = "layoff_notices"
    __table_args__ = (
        sa.CheckConstraint("people_count > 0", name="people_positive"),
        sa.Index("ix_layoff_notices_district_status", "kato_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    status: Mapped[FilingStatus] = mapped_column(enum_column(FilingStatus, "layoff_status"), default=FilingStatus.DRAFT)
    reason: Mapped[LayoffReason] = mapped_column(enum_column(LayoffReason, "layoff_reason"))
    planned_date: Mapped[dt.date]
    people_count: Mapped[int]
    kato_code: Mapped[str] = mapped_column(sa.String(9))  # district of the workplace: its centre handles the notice
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    positions: Mapped[list[LayoffPosition]] = relationship(
        back_populates="notice", order_by="LayoffPosition.id", cascade="all, delete-orphan"
    )
    people: Mapped[list[LayoffPerson]] = relationship(
        back_populates="notice", order_by="LayoffPerson.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[LayoffEvent]] = relationship(order_by="LayoffEvent.id", cascade="all, delete-orphan")


class LayoffPosition(Base):
    """One line of the notice: a position (with its occupation) and how many people hold it."""

    __tablename__ = "layoff_positions"
    __table_args__ = (sa.CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("layoff_notices.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    occupation_code: Mapped[str] = mapped_column(sa.String(4))
    count: Mapped[int]

    notice: Mapped[LayoffNotice] = relationship(back_populates="positions")


class LayoffPerson(Base):
    """A named worker to be released; published as a seeker only with their consent."""

    __tablename__ = "layoff_people"
    __table_args__ = (sa.UniqueConstraint("notice_id", "iin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("layoff_notices.id", ondelete="CASCADE"), index=True)
    iin: Mapped[str] = mapped_column(sa.String(12), index=True)
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    position: Mapped[str | None] = mapped_column(sa.String(200))
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4))
    # When the person agreed to be published as a job seeker, and who recorded it.
    consent_publish_at: Mapped[dt.datetime | None]
    contacted_at: Mapped[dt.datetime | None]  # the centre reached the person
    contact_note: Mapped[str | None] = mapped_column(sa.Text)
    seeker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="SET NULL"))
    resume_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resumes.id", ondelete="SET NULL"))
    converted_at: Mapped[dt.datetime | None]

    notice: Mapped[LayoffNotice] = relationship(back_populates="people")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def consented(self) -> bool:
        return self.consent_publish_at is not None


class LayoffEvent(Base):
    """Edit history of a notice: every save, submission, withdrawal, contact and conversion."""

    __tablename__ = "layoff_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("layoff_notices.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))  # created, updated, submitted, withdrawn, contacted, converted
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
