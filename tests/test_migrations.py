"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from exchange import migrate
from exchange.app import state
from exchange.models import metadata
from tests.conftest import ON_POSTGRES


def test_models_match_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False, "include_name": migrate.include_name}), metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run scripts/new_migration.sh: {diff[:5]}"


def test_downgrade_to_base_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, revision="base")
    engine = sa.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)


def test_session_database_is_at_head(app):
    """The test database (PostgreSQL when configured) was built by the migrations."""
    engine = state(app).db.engine
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert (version,) == migrate.current_heads()
        if ON_POSTGRES:
            assert conn.dialect.name == "postgresql"
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False, "include_name": migrate.include_name}), metadata)
            assert diff == []


def test_constraints_are_named():
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
