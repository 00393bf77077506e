"""Applications: one record per (resume, vacancy), its history, and organisations' own stages."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import enum_column
from exchange.db import Base, utcnow
from exchange.organisations.models import Organisation
from exchange.resumes.models import Resume
from exchange.seekers.models import SeekerProfile
from exchange.vacancies.models import Vacancy


class ApplicationOrigin(StrEnum):
    RESPONSE = "response"  # the seeker applied
    INVITATION = "invitation"  # an employer or agency invited the seeker
    REFERRAL = "referral"  # an employment centre sent the seeker's resume (R-FLOW-4)


class ApplicationState(StrEnum):
    NEW = "new"
    VIEWED = "viewed"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    AUTO_REJECTED = "auto_rejected"


class InterviewKind(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    TESTING = "testing"


class StageState(StrEnum):
    """The pipeline state an organisation's own stage belongs to."""

    VIEWED = "viewed"
    INTERVIEW = "interview"
    OFFER = "offer"


class EventKind(StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    STAGE = "stage"
    NOTE = "note"
    CONSENT = "consent"
    CONTACT = "contact"


OPEN_STATES = (ApplicationState.NEW, ApplicationState.VIEWED, ApplicationState.INTERVIEW, ApplicationState.OFFER)
OPEN_STATE_VALUES = tuple(s.value for s in OPEN_STATES)


class OrganisationStage(Base):
    """An organisation's own ordered hiring step between "new" and "hired" (R-AG-15)."""

    __tablename__ = "organisation_stages"
    __table_args__ = (sa.Index("ix_organisation_stages_org_position", "organisation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[StageState] = mapped_column(enum_column(StageState, "stage_state"))
    interview_kind: Mapped[InterviewKind | None] = mapped_column(enum_column(InterviewKind, "stage_interview_kind"))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        # One record per resume and vacancy, whatever started it.
        sa.UniqueConstraint("resume_id", "vacancy_id"),
        sa.CheckConstraint("origin <> 'referral' OR answer_due_at IS NOT NULL", name="referral_has_deadline"),
        # The sweep reads unanswered referrals by deadline; a partial index keeps it small.
        sa.Index(
            "ix_applications_unanswered_due",
            "answer_due_at",
            postgresql_where=sa.text("answered_at IS NULL AND answer_due_at IS NOT NULL"),
            sqlite_where=sa.text("answered_at IS NULL AND answer_due_at IS NOT NULL"),
        ),
        # The pipeline board reads each column's newest cards straight off this index (see 0005).
        sa.Index("ix_applications_vacancy_board", "vacancy_id", "state", "updated_at", "id", postgresql_include=["stage_id"]),
        sa.Index("ix_applications_organisation_created", "organisation_id", "created_at"),
        sa.Index("ix_applications_centre_due", "centre_id", "answer_due_at"),
        sa.Index("ix_applications_initiated_by_updated", "initiated_by_organisation_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resume_id: Mapped[int] = mapped_column(sa.ForeignKey("resumes.id", ondelete="CASCADE"))
    vacancy_id: Mapped[int] = mapped_column(sa.ForeignKey("vacancies.id", ondelete="CASCADE"))
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seeker_profiles.id", ondelete="CASCADE"), index=True)
    # The employer the vacancy belongs to.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    origin: Mapped[ApplicationOrigin] = mapped_column(enum_column(ApplicationOrigin, "application_origin"))
    state: Mapped[ApplicationState] = mapped_column(
        enum_column(ApplicationState, "application_state"), default=ApplicationState.NEW
    )
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation_stages.id", ondelete="SET NULL"))
    # The organisation that invited (employer or agency) or referred (centre).
    initiated_by_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    centre_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    cover_note: Mapped[str | None] = mapped_column(sa.Text)
    # When the seeker agreed that this organisation sees their contacts (applying, or consent to a referral).
    consent_at: Mapped[dt.datetime | None]
    consent_note: Mapped[str | None] = mapped_column(sa.String(300))
    referral_sent_at: Mapped[dt.datetime | None]
    answer_due_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]  # the employer's first decision; stops the referral clock
    reminded_at: Mapped[dt.datetime | None]  # the "due tomorrow" reminder went out
    interview_kind: Mapped[InterviewKind | None] = mapped_column(enum_column(InterviewKind, "interview_kind"))
    interview_at: Mapped[dt.datetime | None]
    interview_place: Mapped[str | None] = mapped_column(sa.String(300))
    hired_on: Mapped[dt.date | None]
    closed_at: Mapped[dt.datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    resume: Mapped[Resume] = relationship()
    vacancy: Mapped[Vacancy] = relationship()
    seeker: Mapped[SeekerProfile] = relationship()
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    centre: Mapped[Organisation | None] = relationship(foreign_keys=[centre_id])
    stage: Mapped[OrganisationStage | None] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def awaits_answer(self) -> bool:
        """A referral whose three-working-day clock is still running."""
        return self.answer_due_at is not None and self.answered_at is None and self.is_open


class ApplicationEvent(Base):
    """One entry of an application's history: who did what, when, from which state to which."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "application_event_kind"))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation_stages.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(sa.String(10), default="web")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    stage: Mapped[OrganisationStage | None] = relationship()
