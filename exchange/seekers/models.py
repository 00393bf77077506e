from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class SeekerCategory(StrEnum):
    JOB_SEEKER = "job_seeker"
    UNEMPLOYED = "unemployed"
    SELF_EMPLOYED = "self_employed"
    TO_BE_LAID_OFF = "to_be_laid_off"


class DeregistrationReason(StrEnum):
    """Grounds for leaving the register (Employment Law, art. 16, and the programme's R-MON-1)."""

    EMPLOYED = "employed"
    PENSION_CONTRIBUTIONS = "pension_contributions"
    MOVED_AWAY = "moved_away"
    REFUSED_SUITABLE_WORK = "refused_suitable_work"
    OWN_REQUEST = "own_request"
    TRAINING = "training"
    PENSION_AGE = "pension_age"
    FAILED_TO_APPEAR = "failed_to_appear"
    FALSE_INFORMATION = "false_information"
    DEATH = "death"


class SeekerProfile(Base):
    __tablename__ = "seeker_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A centre may register someone who has no portal account yet, so the user is optional.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    iin: Mapped[str] = mapped_column(sa.String(12), unique=True)
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    birth_date: Mapped[dt.date]
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    kato_code: Mapped[str] = mapped_column(sa.String(9), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    category: Mapped[SeekerCategory] = mapped_column(
        enum_column(SeekerCategory, "seeker_category"), default=SeekerCategory.JOB_SEEKER
    )
    has_disability: Mapped[bool] = mapped_column(default=False)
    consent_publish_at: Mapped[dt.datetime | None]
    consent_verification_at: Mapped[dt.datetime | None]
    consent_credit_check_at: Mapped[dt.datetime | None]
    created_by_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    departed_at: Mapped[dt.datetime | None]  # employed or otherwise left the market
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registrations: Mapped[list[Registration]] = relationship(
        back_populates="seeker", order_by="Registration.registered_at", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def current_registration(self) -> Registration | None:
        return next((r for r in reversed(self.registrations) if r.deregistered_at is None), None)


class Registration(Base):
    """A period during which a person is on a centre's register as a job seeker or unemployed."""

    __tablename__ = "registrations"
    __table_args__ = (
        # At most one open registration per person.
        sa.Index(
            "uq_registrations_open_per_seeker",
            "seeker_id",
            unique=True,
            postgresql_where=sa.text("deregistered_at IS NULL"),
            sqlite_where=sa.text("deregistered_at IS NULL"),
        ),
        sa.Index("ix_registrations_centre_open", "centre_id", "deregistered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"))
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="RESTRICT"))
    category: Mapped[SeekerCategory] = mapped_column(enum_column(SeekerCategory, "registration_category"))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    registered_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    deregistered_at: Mapped[dt.datetime | None]
    deregistration_reason: Mapped[DeregistrationReason | None] = mapped_column(
        enum_column(DeregistrationReason, "deregistration_reason")
    )
    deregistration_note: Mapped[str | None] = mapped_column(sa.Text)

    seeker: Mapped[SeekerProfile] = relationship(back_populates="registrations")
