"""Schema migrations (Alembic) driven from code: ``exchange db upgrade`` and tests use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Leave the SQL search backend's full-text structures (made by raw DDL) out of comparisons."""
    if type_ == "table" and name and name.startswith("search_") and "_fts" in name:
        return False
    return not (type_ == "index" and name and name.endswith("_fulltext"))


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, connection: Connection | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str | None = None, connection: Connection | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url, connection), revision)


def current_heads() -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
