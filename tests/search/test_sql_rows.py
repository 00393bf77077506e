"""The SQL backend's fast write path (driver-level executemany on SQLite, COPY on PostgreSQL)
stores exactly the rows a SQLAlchemy Core insert of the same documents stores."""

from __future__ import annotations

import pickle

import pytest
import sqlalchemy as sa

from exchange.app import state
from exchange.db import utcnow
from search import documents
from search.models import FTS_TABLES, DocTerm
from search.sql_backend import MODELS, PreparedBatch, RowWriter, SqlBackend, document_row, prepare_batch
from tests import factories as f


def _documents(db) -> dict[str, list[dict]]:
    _, employer = f.employer(db)
    vacancies = [
        f.vacancy(db, employer),
        f.vacancy(db, employer, title="Мұғалім, ағылшын тілі", occupation_code="2341", salary_from=None, salary_to=None,
                  driving_licences=[], description="Мектепке мұғалім керек. Ёлка и «кавычки» — тире.", languages="kk:C1, en:B2"),
    ]
    profile, person = f.seeker(db)
    resumes = [f.resume(db, profile, person), f.resume(db, profile, person, title="Сварщик", driving_licences=["B", "C", "CE"])]
    db.flush()
    now = utcnow()
    out = {}
    for kind, items in (("vacancy", vacancies), ("resume", resumes)):
        built = documents.build(db, kind, [i.id for i in items], now)
        out[kind] = [built[i.id] for i in items]
        assert all(out[kind]), out
    return out


def _stored(conn, kind: str, ids: list[int]) -> tuple[list, list, list]:
    table = MODELS[kind].__table__
    columns = [c for c in table.c if c.name != "indexed_at"]
    rows = conn.execute(sa.select(*[sa.type_coerce(c, sa.String) if c.name == "doc" else c for c in columns])
                        .where(table.c.id.in_(ids)).order_by(table.c.id)).all()
    terms = conn.execute(sa.select(DocTerm.__table__).where(DocTerm.kind == kind, DocTerm.doc_id.in_(ids))
                         .order_by(DocTerm.doc_id, DocTerm.field, DocTerm.value)).all()
    fts = []
    if conn.dialect.name == "sqlite":
        fts = conn.exec_driver_sql(
            f"SELECT rowid, body FROM {FTS_TABLES[kind]} WHERE rowid IN ({','.join(str(i) for i in ids)}) ORDER BY rowid"  # noqa: S608 - ids are ints
        ).all()
    return rows, terms, fts


def _clear(conn, kind: str, ids: list[int]) -> None:
    table = MODELS[kind].__table__
    conn.execute(table.delete().where(table.c.id.in_(ids)))
    conn.execute(DocTerm.__table__.delete().where(DocTerm.kind == kind, DocTerm.doc_id.in_(ids)))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DELETE FROM {FTS_TABLES[kind]} WHERE rowid IN ({','.join(str(i) for i in ids)})")  # noqa: S608 - ids are ints


@pytest.mark.parametrize("kind", documents.KINDS)
def test_fast_rows_equal_a_core_insert(app, db, kind):
    SqlBackend(state(app).db).ensure()
    docs = _documents(db)[kind]
    ids = [d["id"] for d in docs]
    conn = db.connection()
    _clear(conn, kind, ids)

    # The reference: SQLAlchemy Core with the columns' own types converting every value.
    now = utcnow()
    conn.execute(MODELS[kind].__table__.insert(), [document_row(kind, d, now) for d in docs])
    conn.execute(DocTerm.__table__.insert(), [
        {"kind": kind, "field": name, "value": value, "doc_id": d["id"]}
        for d in docs for name in ("languages", "licences") for value in sorted(set(d.get(name) or []))
    ])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLES[kind]}(rowid, body) SELECT id, body FROM {MODELS[kind].__tablename__}")  # noqa: S608 - our names
    expected = _stored(conn, kind, ids)
    _clear(conn, kind, ids)

    writer = RowWriter(kind, conn.dialect)
    # The batch crosses a process boundary in a rebuild: it must survive pickling unchanged.
    batch = pickle.loads(pickle.dumps(writer.prepare(docs)))  # noqa: S301 - our own bytes
    writer.write(conn, batch)
    actual = _stored(conn, kind, ids)

    assert actual == expected
    rows, terms, _ = actual
    assert len(rows) == len(docs) and terms, actual
    # Stored documents read back as the documents themselves (UTF-8 JSON on SQLite, jsonb on PostgreSQL).
    assert SqlBackend(state(app).db).get_documents(kind, ids) == {d["id"]: d for d in docs}


def test_a_batch_for_another_kind_or_database_is_refused(app, db):
    docs = _documents(db)["vacancy"]
    dialect = db.connection().dialect
    batch = prepare_batch("vacancy", dialect, [(d["id"], d["version"], d) for d in docs])
    assert isinstance(batch, PreparedBatch) and batch.count == len(docs)
    with pytest.raises(ValueError, match="resume"):
        RowWriter("resume", dialect).write(db.connection(), batch)
