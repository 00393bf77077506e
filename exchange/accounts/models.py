from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, utcnow


class AccountRole(StrEnum):
    SEEKER = "seeker"
    EMPLOYER = "employer"
    AGENCY = "agency"
    CENTRE = "centre"
    ADMIN = "admin"


def enum_column(enum: type[StrEnum], name: str, **kw) -> sa.Enum:
    """A portable enum column: a VARCHAR with a named CHECK constraint on every backend."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum) + 4,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kw,
    )


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    role: Mapped[AccountRole] = mapped_column(enum_column(AccountRole, "account_role"))
    locale: Mapped[str] = mapped_column(sa.String(2), default="ru")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # The session stores the id with the password-change stamp, so changing the
        # password signs out every other session.
        return f"{self.id}:{int(self.password_changed_at.timestamp())}"
