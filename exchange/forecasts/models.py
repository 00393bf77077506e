"""Forecast jobs: the jobs an employer plans to create in a period (R-EMP-6, R-FLOW-8)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow
from exchange.layoffs.models import FilingStatus


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    YEAR = "year"


class ForecastReport(Base):
    """One employer's planned jobs in one district for one quarter or year."""

    __tablename__ = "forecast_reports"
    __table_args__ = (
        sa.CheckConstraint(
            "(period_kind = 'year' AND quarter IS NULL) OR (period_kind = 'quarter' AND quarter BETWEEN 1 AND 4)",
            name="quarter_matches_kind",
        ),
        sa.Index("ix_forecast_reports_period", "year", "quarter", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    status: Mapped[FilingStatus] = mapped_column(enum_column(FilingStatus, "forecast_status"), default=FilingStatus.DRAFT)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind, "forecast_period_kind"))
    year: Mapped[int]
    quarter: Mapped[int | None]
    kato_code: Mapped[str] = mapped_column(sa.String(9), index=True)  # the district where the jobs will be
    note: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[ForecastLine]] = relationship(
        back_populates="report", order_by="ForecastLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ForecastEvent]] = relationship(order_by="ForecastEvent.id", cascade="all, delete-orphan")

    @property
    def total_jobs(self) -> int:
        return sum(line.count for line in self.lines)


class ForecastLine(Base):
    __tablename__ = "forecast_lines"
    __table_args__ = (sa.CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("forecast_reports.id", ondelete="CASCADE"), index=True)
    occupation_code: Mapped[str] = mapped_column(sa.String(4), index=True)
    count: Mapped[int]
    qualification: Mapped[str | None] = mapped_column(sa.String(300))  # what the new hires must know

    report: Mapped[ForecastReport] = relationship(back_populates="lines")


class ForecastEvent(Base):
    __tablename__ = "forecast_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("forecast_reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))  # created, updated, submitted, withdrawn
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
