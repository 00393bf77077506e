from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow
from exchange.organisations.models import Organisation


class VacancyStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class VacancyKind(StrEnum):
    REGULAR = "regular"
    SOCIAL_JOB = "social_job"
    YOUTH_INTERNSHIP = "youth_internship"
    PUBLIC_WORKS = "public_works"


class VacancySource(StrEnum):
    EMPLOYER = "employer"
    CENTRE = "centre"
    AGENCY = "agency"


class EmploymentType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    TEMPORARY = "temporary"
    SEASONAL = "seasonal"
    PROJECT = "project"


class Schedule(StrEnum):
    FIVE_DAY = "five_day"
    SIX_DAY = "six_day"
    SHIFT = "shift"
    ROTATION = "rotation"
    FLEXIBLE = "flexible"
    REMOTE = "remote"


class WorkingRegime(StrEnum):
    DAY = "day"
    NIGHT = "night"
    SHIFTS = "shifts"
    SPLIT = "split"
    REDUCED_HOURS = "reduced_hours"


class Vacancy(Base):
    __tablename__ = "vacancies"
    __table_args__ = (
        sa.UniqueConstraint("source_organisation_id", "external_id"),
        sa.CheckConstraint("positions >= 1", name="positions_positive"),
        sa.CheckConstraint("positions_filled >= 0 AND positions_filled <= positions", name="positions_filled_bounds"),
        sa.CheckConstraint("salary_from IS NULL OR salary_to IS NULL OR salary_from <= salary_to", name="salary_range"),
        sa.Index("ix_vacancies_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    qualification: Mapped[str | None] = mapped_column(sa.Text)
    min_experience_months: Mapped[int] = mapped_column(default=0)
    education_level: Mapped[str | None] = mapped_column(sa.String(30))
    languages: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    driving_licences: Mapped[list[str]] = mapped_column(default=list)
    skills: Mapped[list[str]] = mapped_column(default=list)
    health_restrictions: Mapped[str | None] = mapped_column(sa.Text)
    salary_from: Mapped[int | None]
    salary_to: Mapped[int | None]
    employment_type: Mapped[EmploymentType] = mapped_column(
        enum_column(EmploymentType, "employment_type"), default=EmploymentType.FULL_TIME
    )
    schedule: Mapped[Schedule] = mapped_column(enum_column(Schedule, "vacancy_schedule"), default=Schedule.FIVE_DAY)
    working_regime: Mapped[WorkingRegime] = mapped_column(enum_column(WorkingRegime, "working_regime"), default=WorkingRegime.DAY)
    kato_code: Mapped[str] = mapped_column(sa.String(9), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    transport_notes: Mapped[str | None] = mapped_column(sa.Text)
    positions: Mapped[int] = mapped_column(default=1)
    positions_filled: Mapped[int] = mapped_column(default=0)
    kind: Mapped[VacancyKind] = mapped_column(enum_column(VacancyKind, "vacancy_kind"), default=VacancyKind.REGULAR)
    accessible: Mapped[bool] = mapped_column(default=False)  # suitable for people with disabilities
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    status: Mapped[VacancyStatus] = mapped_column(enum_column(VacancyStatus, "vacancy_status"), default=VacancyStatus.DRAFT)
    source: Mapped[VacancySource] = mapped_column(enum_column(VacancySource, "vacancy_source"), default=VacancySource.EMPLOYER)
    source_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    close_reason: Mapped[str | None] = mapped_column(sa.String(60))
    view_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])

    @property
    def is_public(self) -> bool:
        return self.status == VacancyStatus.PUBLISHED

    @property
    def positions_open(self) -> int:
        return self.positions - self.positions_filled
