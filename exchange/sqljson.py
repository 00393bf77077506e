"""JSON objects built in SQL, for set-based INSERT … SELECT of history rows and outbox events.

One builder for every module that writes many payloads in one statement (the referral
sweeps and bulk close in :mod:`exchange.applications`, the pension reconciliation):
``jsonb_build_object`` on PostgreSQL, ``json_object`` on SQLite, members in the order given.

Member values are SQL expressions (columns, ``sa.literal(...)``) or plain Python values:
a ``str``/``int``/``float`` is bound as a parameter, and ``True``/``False`` become JSON booleans
(SQLite has no boolean type: its ``json_object`` would write 1/0).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def json_bool(session: Session, value: bool) -> sa.ColumnElement:
    """A JSON ``true``/``false`` as a member value on either backend."""
    if _postgresql(session):
        return sa.true() if value else sa.false()
    return sa.func.json("true" if value else "false")


def _member(session: Session, value: Any) -> Any:
    if isinstance(value, bool):
        return json_bool(session, value)
    if isinstance(value, (str, int, float)):
        return sa.literal(value)
    return value


def json_object(session: Session, **members: Any) -> sa.ColumnElement:
    """A JSON object built in SQL (jsonb_build_object on PostgreSQL, json_object on SQLite)."""
    pairs: list[Any] = []
    for key, value in members.items():
        pairs.extend([sa.literal(key), _member(session, value)])
    build = sa.func.jsonb_build_object if _postgresql(session) else sa.func.json_object
    return build(*pairs)
