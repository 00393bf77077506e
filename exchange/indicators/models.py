from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, utcnow

UNKNOWN_REGION = "000000000"  # records without a KATO code


class IndicatorSnapshot(Base):
    """The platform indicators of one region at the end of one day (Asia/Almaty)."""

    __tablename__ = "indicator_snapshots"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)  # KATO region (level 1)
    registered_seekers: Mapped[int] = mapped_column(default=0)  # seeker profiles on the exchange, not departed
    on_register: Mapped[int] = mapped_column(default=0)  # of them, on an employment centre's register
    registered_employers: Mapped[int] = mapped_column(default=0)  # active employer organisations
    employed_ytd: Mapped[int] = mapped_column(default=0)  # employments recorded since 1 January
    employed_through_platform_ytd: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def share_through_platform(self) -> float | None:
        """Per cent of this year's employments that came through the platform."""
        if not self.employed_ytd:
            return None
        return round(100.0 * self.employed_through_platform_ytd / self.employed_ytd, 1)
