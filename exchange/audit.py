"""Audit log of who saw or changed which personal data (personal-data law, R-AG-3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from exchange.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_subject", "subject_type", "subject_id"),
        sa.Index("ix_audit_log_actor", "actor_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None]
    actor_organisation_id: Mapped[int | None]
    via: Mapped[str] = mapped_column(sa.String(10))  # web, api, bot, cli, job
    action: Mapped[str] = mapped_column(sa.String(40))  # view, export, verify, update, contact
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))


def record(session: Session, actor, action: str, subject_type: str, subject_id: int | None, **detail: Any) -> None:
    """Write one audit line in the current transaction (actor is an :class:`exchange.auth.Actor`)."""
    session.add(
        AuditEntry(
            actor_user_id=actor.user_id,
            actor_organisation_id=actor.organisation_id,
            via=actor.via,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
            ip=actor.ip,
        )
    )
