"""Recording the SQL statements a block of code runs (tests that hold a page or an operation to a
fixed number of statements)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def recorded_statements(target: sa.Engine | sa.Connection, *, starting: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """Every statement run on ``target`` (an engine, or one connection) inside the block, in order;
    with ``starting``, only those whose first word is one of these (e.g. ``("SELECT", "WITH")``)."""
    seen: list[str] = []
    prefixes = tuple(word.upper() for word in starting)

    def record(_conn, _cursor, statement: str, *_args) -> None:
        if not prefixes or statement.lstrip().upper().startswith(prefixes):
            seen.append(statement)

    sa.event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(target, "before_cursor_execute", record)
