"""Imported pension-fund feeds, their contribution rows, and reconciliation runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow
from exchange.seekers.models import SeekerProfile


class FeedSource(StrEnum):
    FILE = "file"
    HTTP = "http"


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    ABANDONED = "abandoned"  # its process died; a later run noticed


class PensionFeed(Base):
    """One imported feed file. The SHA-256 of its bytes recognises the same file sent twice."""

    __tablename__ = "pension_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    source: Mapped[FeedSource] = mapped_column(enum_column(FeedSource, "pension_feed_source"))
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_loaded: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)  # already loaded from an earlier feed
    rows_rejected: Mapped[int] = mapped_column(default=0)
    # [{"line": 7, "field": "iin", "code": "iin_invalid", "value": "…"}], at most MAX_STORED_ERRORS.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pension_runs.id", ondelete="SET NULL"), index=True)


class PensionContribution(Base):
    __tablename__ = "pension_contributions"
    __table_args__ = (
        # The same payment in two feeds is one payment.
        sa.UniqueConstraint("iin", "employer_bin", "period", "paid_on", "amount"),
        sa.Index("ix_pension_contributions_iin_paid_on", "iin", "paid_on"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(sa.ForeignKey("pension_feeds.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int]
    iin: Mapped[str] = mapped_column(sa.String(12))
    employer_bin: Mapped[str] = mapped_column(sa.String(12))
    employer_name: Mapped[str] = mapped_column(sa.String(300))
    period: Mapped[dt.date]  # first day of the month the contribution is for
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    paid_on: Mapped[dt.date]


class PensionRun(Base):
    """One reconciliation: its figures are the report shown in the admin and centre cabinets."""

    __tablename__ = "pension_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[dt.date] = mapped_column(index=True)  # Monday (Asia/Almaty) of the run's week
    trigger: Mapped[str] = mapped_column(sa.String(20))  # schedule, cli, web
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus, "pension_run_status"), default=RunStatus.RUNNING)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    duration_ms: Mapped[int | None]
    feeds: Mapped[int] = mapped_column(default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    matched: Mapped[int] = mapped_column(default=0)  # open registrations with a qualifying contribution
    seekers_deregistered: Mapped[int] = mapped_column(default=0)
    employments_created: Mapped[int] = mapped_column(default=0)
    through_platform: Mapped[int] = mapped_column(default=0)
    resumes_archived: Mapped[int] = mapped_column(default=0)
    applications_closed: Mapped[int] = mapped_column(default=0)
    by_centre: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # [{"centre_id", "deregistered", "through_platform"}]
    error: Mapped[str | None] = mapped_column(sa.Text)
    started_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    def report(self) -> dict[str, Any]:
        return {
            "run_id": self.id, "status": str(self.status), "week_start": self.week_start.isoformat(),
            "trigger": self.trigger, "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_ms": self.duration_ms, "feeds": self.feeds, "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected, "matched": self.matched,
            "seekers_deregistered": self.seekers_deregistered, "employments_created": self.employments_created,
            "through_platform": self.through_platform, "resumes_archived": self.resumes_archived,
            "applications_closed": self.applications_closed, "by_centre": self.by_centre, "error": self.error,
        }


class PensionMatch(Base):
    """A registration ended by a run: who, which contribution, attributed to the platform or not.

    Filled set-based by the run (INSERT … SELECT); the rest of the run works from it,
    and centres see their district's rows.
    """

    __tablename__ = "pension_matches"
    __table_args__ = (sa.UniqueConstraint("registration_id"), sa.Index("ix_pension_matches_run_centre", "run_id", "centre_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("pension_runs.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id", ondelete="CASCADE"))
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("pension_contributions.id", ondelete="CASCADE"))
    employer_bin: Mapped[str] = mapped_column(sa.String(12))
    employer_name: Mapped[str] = mapped_column(sa.String(300))
    period: Mapped[dt.date]
    paid_on: Mapped[dt.date]
    employer_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    through_platform: Mapped[bool] = mapped_column(default=False)
    application_id: Mapped[int | None]
    vacancy_id: Mapped[int | None]

    seeker: Mapped[SeekerProfile] = relationship()
