"""Tables of the embedded SQL search backend, and saved filter sets.

The SQL backend keeps its own projection of vacancies and resumes (one row per
document, filter columns, a stemmed text body), so it behaves like an index: sync
writes it from outbox events, reindex rebuilds it, check compares it with the
database. Full text: an FTS5 table on SQLite, a GIN ``tsvector`` index on PostgreSQL
(both created together with the tables).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, utcnow


class DocumentJSON(sa.types.TypeDecorator):
    """The stored document: JSON. On SQLite written as UTF-8 text rather than ``\\uXXXX`` escapes,
    which makes Cyrillic and Kazakh documents (and so every row) about 2.5 times smaller. orjson
    writes the same compact UTF-8 text as ``json.dumps(ensure_ascii=False)``, several times faster."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(sa.Text() if dialect.name == "sqlite" else sa.JSON())

    def process_bind_param(self, value, dialect):
        if dialect.name != "sqlite" or value is None:
            return value
        return orjson.dumps(value).decode()

    def process_result_value(self, value, dialect):
        if dialect.name != "sqlite" or value is None:
            return value
        return orjson.loads(value)


class _DocColumns:
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    title_lc: Mapped[str] = mapped_column(sa.String(200), default="")
    occupation_code: Mapped[str | None] = mapped_column(sa.String(4))
    kato_code: Mapped[str | None] = mapped_column(sa.String(9))
    region_code: Mapped[str | None] = mapped_column(sa.String(9))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    salary_min: Mapped[int | None]
    salary_max: Mapped[int | None]
    employment_type: Mapped[str | None] = mapped_column(sa.String(30))
    schedule: Mapped[str | None] = mapped_column(sa.String(30))
    working_regime: Mapped[str | None] = mapped_column(sa.String(30))
    education_level: Mapped[str | None] = mapped_column(sa.String(30))
    published_at: Mapped[dt.datetime | None]
    doc: Mapped[dict[str, Any]] = mapped_column(DocumentJSON, default=dict)
    indexed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Every column a filter, a facet or the date sort reads, in one index per table: searches and
# facet counts scan this narrow index instead of the wide rows (each row carries its document,
# several kilobytes), and the date-sorted listing walks it in order. Leads with published_at.
VACANCY_FILTER_COLUMNS = (
    "published_at", "kato_code", "region_code", "occupation_code", "employment_type", "schedule", "working_regime",
    "education_level", "kind", "organisation_id", "accessible", "min_experience_months", "salary_min", "salary_max", "lat", "lon",
)
RESUME_FILTER_COLUMNS = (
    "published_at", "kato_code", "region_code", "occupation_code", "employment_type", "schedule", "working_regime",
    "education_level", "visibility", "consent", "departed", "expires_at", "centre_id", "source_organisation_id", "owner_user_id",
    "experience_months", "willing_to_relocate", "accessibility_needs", "birth_date", "available_from", "salary_min", "salary_max",
    "lat", "lon",
)


class VacancyDoc(_DocColumns, Base):
    __tablename__ = "search_vacancy_docs"
    __table_args__ = (
        sa.Index("ix_search_vacancy_docs_filters", *VACANCY_FILTER_COLUMNS),
        sa.Index("ix_search_vacancy_docs_title", "title_lc"),
        sa.Index("ix_search_vacancy_docs_occupation", "occupation_code"),
        sa.Index("ix_search_vacancy_docs_kato", "kato_code"),
    )

    min_experience_months: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(30), default="regular")
    accessible: Mapped[bool] = mapped_column(default=False)
    organisation_id: Mapped[int | None]


class ResumeDoc(_DocColumns, Base):
    __tablename__ = "search_resume_docs"
    __table_args__ = (
        sa.Index("ix_search_resume_docs_filters", *RESUME_FILTER_COLUMNS),
        sa.Index("ix_search_resume_docs_title", "title_lc"),
        sa.Index("ix_search_resume_docs_occupation", "occupation_code"),
        sa.Index("ix_search_resume_docs_centre", "centre_id"),
    )

    experience_months: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[dt.datetime | None]
    visibility: Mapped[str] = mapped_column(sa.String(20), default="active")
    consent: Mapped[bool] = mapped_column(default=False)
    departed: Mapped[bool] = mapped_column(default=False)
    centre_id: Mapped[int | None]
    source_organisation_id: Mapped[int | None]
    owner_user_id: Mapped[int | None]
    birth_date: Mapped[dt.date | None]
    available_from: Mapped[dt.date | None]
    willing_to_relocate: Mapped[bool] = mapped_column(default=False)
    accessibility_needs: Mapped[bool] = mapped_column(default=False)


class DocTerm(Base):
    """Multi-valued keyword fields (languages, licences) of SQL-backend documents."""

    __tablename__ = "search_doc_terms"
    __table_args__ = (sa.Index("ix_search_doc_terms_doc", "kind", "doc_id"),)

    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    doc_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


FTS_TABLES = {"vacancy": "search_vacancy_fts", "resume": "search_resume_fts"}
# rowid = document id; unicode61 without diacritic folding keeps Kazakh letters apart.
FTS_DDL = "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')"


def _fts_ddl(table: str) -> sa.DDL:
    return sa.DDL(FTS_DDL.format(table=table)).execute_if(dialect="sqlite")


def _pg_gin_ddl(table: str) -> sa.DDL:
    return sa.DDL(
        f"CREATE INDEX IF NOT EXISTS ix_{table}_fulltext ON {table} USING gin (to_tsvector('simple', body))"
    ).execute_if(dialect="postgresql")


for _model, _kind in ((VacancyDoc, "vacancy"), (ResumeDoc, "resume")):
    sa.event.listen(_model.__table__, "after_create", _fts_ddl(FTS_TABLES[_kind]))
    sa.event.listen(_model.__table__, "after_create", _pg_gin_ddl(_model.__tablename__))
    sa.event.listen(
        _model.__table__, "after_drop", sa.DDL(f"DROP TABLE IF EXISTS {FTS_TABLES[_kind]}").execute_if(dialect="sqlite")
    )


class SavedFilter(Base):
    """A named set of search parameters kept by an organisation (R-EMP-13, R-AG-11)."""

    __tablename__ = "search_saved_filters"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(100))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
