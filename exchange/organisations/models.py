from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import User, enum_column
from exchange.db import Base, utcnow


class OrganisationKind(StrEnum):
    EMPLOYER = "employer"
    AGENCY = "agency"
    CENTRE = "centre"


class MemberRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    MEMBER = "member"


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        sa.UniqueConstraint("kind", "bin"),
        sa.CheckConstraint("kind = 'centre' OR bin IS NOT NULL", name="bin_required"),
        sa.CheckConstraint("kind <> 'agency' OR registry_number IS NOT NULL", name="agency_registry_number"),
        sa.CheckConstraint("kind <> 'centre' OR kato_code IS NOT NULL", name="centre_district"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(sa.String(300))
    bin: Mapped[str | None] = mapped_column(sa.String(12))
    registry_number: Mapped[str | None] = mapped_column(sa.String(40))
    kato_code: Mapped[str | None] = mapped_column(sa.String(9), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, "member_role"), default=MemberRole.MEMBER)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
