from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow
from exchange.seekers.models import SeekerProfile


class Visibility(StrEnum):
    ACTIVE = "active"
    HIDDEN = "hidden"
    ARCHIVED = "archived"


class RecordSource(StrEnum):
    SELF = "self"
    CENTRE = "centre"
    AGENCY = "agency"


# The expiry sweep's index: only terms still running, so past ones are never walked again.
_UNEXPIRED = "expired_at IS NULL AND visibility <> 'archived'"


class Resume(Base):
    __tablename__ = "resumes"
    __table_args__ = (
        sa.UniqueConstraint("source_organisation_id", "external_id"),
        sa.CheckConstraint("desired_salary IS NULL OR desired_salary >= 0", name="salary_non_negative"),
        sa.CheckConstraint("expires_at IS NULL OR published_at IS NULL OR expires_at > published_at", name="expiry_after_publication"),
        sa.Index("ix_resumes_expiry", "expires_at"),
        sa.Index("ix_resumes_expiry_due", "expires_at", "id", postgresql_where=sa.text(_UNEXPIRED), sqlite_where=sa.text(_UNEXPIRED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    about: Mapped[str | None] = mapped_column(sa.Text)
    skills: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # [{"code": "kk", "level": "C1"}]
    driving_licences: Mapped[list[str]] = mapped_column(default=list)
    education_level: Mapped[str | None] = mapped_column(sa.String(30))
    experience_months: Mapped[int] = mapped_column(default=0)
    desired_salary: Mapped[int | None]
    desired_schedule: Mapped[str | None] = mapped_column(sa.String(30))
    desired_employment_type: Mapped[str | None] = mapped_column(sa.String(30))
    desired_working_regime: Mapped[str | None] = mapped_column(sa.String(30))
    kato_code: Mapped[str] = mapped_column(sa.String(9), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    willing_to_relocate: Mapped[bool] = mapped_column(default=False)
    accessibility_needs: Mapped[str | None] = mapped_column(sa.Text)
    available_from: Mapped[dt.date | None]
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "resume_visibility"), default=Visibility.ACTIVE)
    source: Mapped[RecordSource] = mapped_column(enum_column(RecordSource, "resume_source"), default=RecordSource.SELF)
    source_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    published_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]  # set by the expiry sweep, cleared on renewal
    archived_reason: Mapped[str | None] = mapped_column(sa.String(60))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped on every change: optimistic locking here, external version in the search index.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    seeker: Mapped[SeekerProfile] = relationship()
    work_history: Mapped[list[WorkHistoryEntry]] = relationship(
        back_populates="resume", order_by="WorkHistoryEntry.start_date.desc()", cascade="all, delete-orphan"
    )
    education: Mapped[list[EducationEntry]] = relationship(
        back_populates="resume", order_by="EducationEntry.graduation_year.desc()", cascade="all, delete-orphan"
    )

    def is_public(self, now: dt.datetime | None = None) -> bool:
        """Shown on the portal: active, published, not expired, and the seeker consented."""
        now = now or utcnow()
        return (
            self.visibility == Visibility.ACTIVE
            and self.published_at is not None
            and (self.expires_at is None or self.expires_at > now)
        )


class WorkHistoryEntry(Base):
    __tablename__ = "resume_work_history"
    __table_args__ = (sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(sa.ForeignKey("resumes.id", ondelete="CASCADE"), index=True)
    employer_name: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[str] = mapped_column(sa.String(200))
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    description: Mapped[str | None] = mapped_column(sa.Text)
    added_by_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    resume: Mapped[Resume] = relationship(back_populates="work_history")


class EducationEntry(Base):
    __tablename__ = "resume_education"

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(sa.ForeignKey("resumes.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(sa.String(30))
    institution: Mapped[str] = mapped_column(sa.String(300))
    speciality: Mapped[str | None] = mapped_column(sa.String(200))
    graduation_year: Mapped[int | None]

    resume: Mapped[Resume] = relationship(back_populates="education")
