"""Database plumbing: declarative base, engine, sessions and the commit boundary.

Operations never commit. The boundary that owns a unit of work (a request, a CLI
command, a job) uses :func:`Database.unit_of_work` or the request hooks in
:mod:`exchange.app`; after a successful commit, outbox events written in that
transaction are handed to the dispatcher (see :mod:`exchange.outbox`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import JSON, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
        list[str]: JSON().with_variant(JSONB(), "postgresql"),
        list[dict[str, Any]]: JSON().with_variant(JSONB(), "postgresql"),
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, echo: bool = False) -> Engine:
    # JSON columns are read by the million in search rebuilds; orjson parses them several times
    # faster than the standard library and gives the same Python values for what we store.
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 30}, json_deserializer=orjson.loads)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so
            # savepoints and transactional DDL behave as on PostgreSQL.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # Foreign keys are off by default in SQLite; WAL lets the portal read while a job writes.
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN")

        return engine
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10, json_deserializer=orjson.loads)


AfterCommit = Callable[[list[int]], None]


class Database:
    """Engine + session factory for one configured database."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True)
        self.after_commit_hooks: list[AfterCommit] = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self) -> Session:
        session = self.sessionmaker()
        session.info["database"] = self
        return session

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on error, then run after-commit hooks."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


@event.listens_for(Session, "after_commit")
def _run_after_commit_hooks(session: Session) -> None:
    ids: list[int] = session.info.pop("outbox_pending", [])
    database: Database | None = session.info.get("database")
    if ids and database is not None:
        for hook in database.after_commit_hooks:
            hook(ids)


@event.listens_for(Session, "after_rollback")
def _forget_pending_events(session: Session) -> None:
    session.info.pop("outbox_pending", None)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive slices of at most ``size`` items (bounded IN lists and multi-row inserts:
    SQLite caps the number of bound parameters in one statement)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def id_in(session: Session, column: sa.ColumnElement[int], ids: list[int]) -> sa.ColumnElement[bool]:
    """``column IN ids`` for long id lists. On PostgreSQL one array parameter (``= ANY(:ids)``):
    thousands of separate bound parameters cost more to render and parse than the rows cost to
    read. SQLite has no arrays; its driver takes plain parameters cheaply."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(sa.BigInteger)))
    return column.in_(ids)
