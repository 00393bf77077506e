"""Fixtures over real services, with the embedded default as the fallback.

With ``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` / ``TEST_ELASTICSEARCH_URL`` set
(``scripts/services.sh`` prints them), tests run against PostgreSQL, Redis and
Elasticsearch. Without them the suite runs on the embedded default (SQLite, SQL
search, in-process jobs) and tests that need a service are skipped.

Isolation: every test runs inside one outer transaction that is rolled back at the
end (sessions join it through savepoints), so tests never see each other's rows.
Tests that need real commits from several connections (concurrency) use
``committed_app`` instead, which truncates what they wrote afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from exchange.app import create_app, state
from exchange.models import metadata

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ELASTICSEARCH_URL = os.environ.get("TEST_ELASTICSEARCH_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")




def pytest_report_header(config) -> list[str]:
    return [
        f"database: {DATABASE_URL or 'embedded SQLite'}",
        f"redis: {REDIS_URL or 'none (in-process jobs)'}",
        f"elasticsearch: {ELASTICSEARCH_URL or 'none (SQL search backend)'}",
    ]


def pytest_collection_modifyitems(config, items) -> None:
    missing = {
        "postgres": not ON_POSTGRES,
        "redis": not REDIS_URL,
        "elasticsearch": not ELASTICSEARCH_URL,
    }
    missing["services"] = any(missing.values())
    for item in items:
        for marker, absent in missing.items():
            if absent and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"needs {marker} (set TEST_* from scripts/services.sh)"))


# Each pytest process works in its own PostgreSQL schema, so parallel runs never collide.
PG_SCHEMA = f"test_{os.getpid()}"


def _database_url(tmp_root: Path) -> str:
    if not DATABASE_URL:
        return f"sqlite:///{tmp_root / 'test.db'}"
    if ON_POSTGRES:
        separator = "&" if "?" in DATABASE_URL else "?"
        return f"{DATABASE_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"
    return DATABASE_URL


def base_overrides(tmp_root: Path) -> dict:
    return {
        "INSTANCE_PATH": str(tmp_root / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": _database_url(tmp_root),
        "SEARCH_BACKEND": "elasticsearch" if ELASTICSEARCH_URL else "sql",
        "ELASTICSEARCH_URL": ELASTICSEARCH_URL,
        "ELASTICSEARCH_INDEX_PREFIX": f"birzha_test_{os.getpid()}",
        "REDIS_URL": REDIS_URL,
        # Jobs run in-process in tests unless a test drives a real RQ worker itself.
        "JOBS_MODE": "inline",
        "RQ_QUEUE_PREFIX": f"birzha_test_{os.getpid()}",
        "WTF_CSRF_ENABLED": False,
        "DEMO_ON_FIRST_RUN": False,
        "PUBLIC_URL": "http://localhost",
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }


def _reset_schema(url: str) -> None:
    """Start the session from an empty database migrated to head (proves the migrations)."""
    from exchange import migrate

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        else:
            metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()
    migrate.upgrade(url)
    # Tables of models newer than the last migration are created directly, so work in
    # progress can be tested; tests/test_migrations.py fails until a migration covers them.
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def _drop_test_indices(prefix: str) -> None:
    """Delete this process's Elasticsearch indices (the node refuses wildcard deletes, so by name):
    otherwise every run leaves its indices on a long-lived development node."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(ELASTICSEARCH_URL, request_timeout=30)
    # "<prefix>-kind-…" for the app's indices, "<prefix>_suffix-…" for the contract suite's; a bare
    # "<prefix>*" would also match another process whose pid starts with this one's.
    patterns = f"{prefix}-*,{prefix}_*"
    names = list(client.indices.get(index=patterns, expand_wildcards="all", allow_no_indices=True, ignore_unavailable=True))
    for start in range(0, len(names), 50):
        client.indices.delete(index=",".join(names[start:start + 50]), ignore_unavailable=True)
    client.close()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("birzha")
    overrides = base_overrides(root)
    _reset_schema(overrides["DATABASE_URL"])
    application = create_app(overrides)
    from exchange.classifiers.operations import load_classifiers

    with state(application).db.unit_of_work() as session:
        load_classifiers(session)
    yield application
    state(application).db.dispose()
    if ELASTICSEARCH_URL:
        _drop_test_indices(overrides["ELASTICSEARCH_INDEX_PREFIX"])
    if ON_POSTGRES:
        engine = sa.create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        engine.dispose()


@pytest.fixture()
def db(app) -> Iterator:
    """A session inside a transaction that is rolled back after the test.

    The app's sessionmaker is re-bound to the same connection for the duration of the
    test, so requests, inline jobs and the test itself all see one another's writes.
    """
    database = state(app).db
    connection = database.engine.connect()
    outer = connection.begin()
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=True, join_transaction_mode="create_savepoint"
    )
    session = database.new_session()
    try:
        with app.app_context():
            yield session
    finally:
        session.close()
        database.sessionmaker = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture()
def committed_app(app) -> Iterator:
    """The app with ordinary commits (several connections); written rows are removed afterwards."""
    yield app
    database = state(app).db
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name != "classifier_items"]
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for name in tables:
                conn.exec_driver_sql(f"DELETE FROM {name}")  # noqa: S608 - names from our metadata


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def sign_in(client):
    """Sign a user in through the real form; returns the client."""

    def _sign_in(person, password: str = "correct-horse-42"):  # noqa: S107 - the factories' test password
        response = client.post("/sign-in", data={"email": person.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _sign_in
