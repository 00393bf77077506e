"""Bulk loading of validated rows through a staging table (COPY on PostgreSQL).

Rows stream into a temporary table; duplicates inside the file are found there
with one window function (a single sort), and one ``INSERT … SELECT … ON CONFLICT
DO NOTHING`` moves the first copy of each row into ``pension_contributions``
(skipping payments an earlier feed already brought). Nothing is kept in Python
memory but one chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.pension.feed import Contribution, RowError

_KEY = "iin, employer_bin, period, paid_on, amount"
_COLUMNS = "line_no, iin, employer_bin, employer_name, period, amount, paid_on"
SORT_MEMORY = "128MB"  # per sort, for the import transaction only (SET LOCAL)


class Stage:
    def __init__(self, session: Session, feed_id: int) -> None:
        self.session = session
        self.feed_id = feed_id
        self.name = f"pension_stage_{feed_id}"
        self.dialect = session.get_bind().dialect.name
        self._deduplicated = False
        if self.dialect == "postgresql":
            ddl = (f"CREATE TEMP TABLE {self.name} (line_no integer, iin varchar(12), employer_bin varchar(12), "
                   "employer_name varchar(300), period date, amount numeric(14,2), paid_on date)")
        else:
            ddl = (f"CREATE TEMP TABLE {self.name} (line_no INTEGER, iin TEXT, employer_bin TEXT, "
                   "employer_name TEXT, period TEXT, amount NUMERIC, paid_on TEXT)")
        session.execute(sa.text(ddl))

    def write(self, rows: Sequence[Contribution]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            driver = self.session.connection().connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(f"COPY {self.name} ({_COLUMNS}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((r.line, r.iin, r.employer_bin, r.employer_name, r.period, r.amount, r.paid_on))
            return
        self.session.execute(
            sa.text(f"INSERT INTO {self.name} ({_COLUMNS}) VALUES (:line, :iin, :bin, :name, :period, :amount, :paid_on)"),  # noqa: S608
            [
                {"line": r.line, "iin": r.iin, "bin": r.employer_bin, "name": r.employer_name,
                 "period": r.period.isoformat(), "amount": str(r.amount), "paid_on": r.paid_on.isoformat()}
                for r in rows
            ],
        )

    def duplicates(self, limit: int) -> tuple[int, list[RowError]]:
        """Rows repeating an earlier line of the same file: how many, and the first ``limit`` of them.

        One sort of the staged rows puts each repeat with the line it repeats into a small
        table; :meth:`load` leaves those lines out without sorting for them again.
        """
        self._work_mem()
        self.session.execute(sa.text(
            f"CREATE TEMP TABLE {self.name}_dup AS SELECT line_no, first_line FROM ("  # noqa: S608
            f"  SELECT line_no, MIN(line_no) OVER (PARTITION BY {_KEY}) AS first_line FROM {self.name}"
            f") d WHERE line_no > first_line"
        ))
        count = self.session.scalar(sa.text(f"SELECT COUNT(*) FROM {self.name}_dup"))  # noqa: S608
        rows = self.session.execute(
            sa.text(f"SELECT line_no, first_line FROM {self.name}_dup ORDER BY line_no LIMIT :n"),  # noqa: S608
            {"n": limit},
        )
        self._deduplicated = True
        return int(count or 0), [RowError(line, "line", "duplicate_row", f"= {first}") for line, first in rows]

    def load(self) -> int:
        """Move each distinct row into the contributions; returns how many were new.

        Rows go in key order (IIN first), so the contributions' indexes are written
        along, not at random places, and payments an earlier feed brought are skipped.
        """
        if not self._deduplicated:
            self.duplicates(0)
        result = self.session.execute(
            sa.text(
                f"INSERT INTO pension_contributions (feed_id, {_COLUMNS}) "  # noqa: S608
                f"SELECT :feed_id, {_COLUMNS} FROM {self.name} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.name}_dup d WHERE d.line_no = s.line_no) "
                f"ORDER BY {_KEY} "
                f"ON CONFLICT DO NOTHING"
            ),
            {"feed_id": self.feed_id},
        )
        return max(result.rowcount, 0)

    def _work_mem(self) -> None:
        """Sorting a weekly feed (about a million rows) fits in memory instead of spilling to disk."""
        if self.dialect == "postgresql":
            self.session.execute(sa.text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))

    def drop(self) -> None:
        self.session.execute(sa.text(f"DROP TABLE IF EXISTS {self.name}_dup"))
        self.session.execute(sa.text(f"DROP TABLE IF EXISTS {self.name}"))
