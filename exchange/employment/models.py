from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow


class EmploymentSource(StrEnum):
    HIRE = "hire"  # the employer confirmed a hire on the platform
    PENSION_CONTRIBUTIONS = "pension_contributions"  # found by the weekly reconciliation
    REPORTED = "reported"  # reported by a centre, agency or the seeker


class Employment(Base):
    __tablename__ = "employments"
    __table_args__ = (
        # One employment per seeker, employer and start: re-running a reconciliation or
        # retrying a hire never records the same job twice.
        sa.UniqueConstraint("seeker_id", "employer_bin", "started_on"),
        sa.Index("ix_employments_started_on", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"), index=True)
    employer_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    employer_bin: Mapped[str] = mapped_column(sa.String(12))
    employer_name: Mapped[str] = mapped_column(sa.String(300))
    started_on: Mapped[dt.date]
    source: Mapped[EmploymentSource] = mapped_column(enum_column(EmploymentSource, "employment_source"))
    through_platform: Mapped[bool] = mapped_column(default=False)
    vacancy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vacancies.id", ondelete="SET NULL"))
    application_id: Mapped[int | None]
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4))
    kato_code: Mapped[str | None] = mapped_column(sa.String(9))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
