"""One table for every classifier scheme; codes are text (ISCO group 0, 9-digit KATO)."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base


class Scheme(StrEnum):
    KATO = "kato"
    ISCO = "isco"
    EDUCATION = "education"
    LANGUAGE = "language"
    LANGUAGE_LEVEL = "language_level"
    LICENCE = "licence"


class ClassifierItem(Base):
    __tablename__ = "classifier_items"
    __table_args__ = (
        sa.UniqueConstraint("scheme", "code"),
        sa.Index("ix_classifier_items_parent", "scheme", "parent_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(sa.String(20))
    code: Mapped[str] = mapped_column(sa.String(20))
    parent_code: Mapped[str | None] = mapped_column(sa.String(20))
    level: Mapped[int] = mapped_column(default=1)
    rank: Mapped[int] = mapped_column(default=0)
    name_kk: Mapped[str] = mapped_column(sa.String(300))
    name_ru: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]

    def name(self, locale: str) -> str:
        return {"kk": self.name_kk, "ru": self.name_ru}.get(locale, self.name_en) or self.name_en
