"""Embedded search: the projection tables of :mod:`search.models` queried with SQL.

SQLite uses FTS5 (bm25 ranking); PostgreSQL uses ``to_tsvector('simple', …)`` with a
GIN index. Text is stemmed in Python (:mod:`search.text`) on both sides, so both
dialects answer the same. Filters and facets are plain SQL over indexed columns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.db import Database, utcnow
from exchange.timeutil import ALMATY
from search import text
from search.backend import (
    AGE_BANDS,
    KM_PER_DEGREE,
    MULTI_FACET_FIELDS,
    PUBLISHED_STEPS,
    RADIUS_STEPS,
    RESUME_EXPERIENCE_STEPS,
    RESUME_FACETS,
    SALARY_STEPS,
    TERM_FACET_FIELDS,
    TERM_FACET_SIZE,
    VACANCY_EXPERIENCE_STEPS,
    VACANCY_FACETS,
    RawResult,
    SearchBackend,
)
from search.models import FTS_DDL, FTS_TABLES, DocTerm, ResumeDoc, VacancyDoc
from search.params import Clause, Query

MODELS = {"vacancy": VacancyDoc, "resume": ResumeDoc}
# SQLite page cache of a rebuild's connection (KiB).
REBUILD_CACHE_KIB = 256 * 1024
MULTI_FIELDS = ("languages", "licences")


def _parse_dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def body_of(doc: dict[str, Any]) -> str:
    # The title twice: a single-column FTS has no field boosts, so repetition stands in for one.
    return text.stem_text(doc["title"], doc["title"], " ".join(doc.get("skills") or []), doc.get("description"), doc.get("extra"))


def years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def document_row(kind: str, doc: dict[str, Any], indexed_at: dt.datetime) -> dict[str, Any]:
    """The projection row of one document (Python values, before the column types convert them)."""
    loc = doc.get("location") or {}
    row = {
        "id": doc["id"], "version": doc["version"], "body": body_of(doc), "title_lc": text.normalise(doc["title"])[:200],
        "occupation_code": doc.get("occupation_code"), "kato_code": doc.get("kato_code"), "region_code": doc.get("region_code"),
        "lat": loc.get("lat"), "lon": loc.get("lon"), "salary_min": doc.get("salary_min"), "salary_max": doc.get("salary_max"),
        "employment_type": doc.get("employment_type"), "schedule": doc.get("schedule"), "working_regime": doc.get("working_regime"),
        "education_level": doc.get("education_level"), "published_at": _parse_dt(doc.get("published_at")), "doc": doc,
        "indexed_at": indexed_at,
    }
    if kind == "vacancy":
        row.update(min_experience_months=doc["min_experience_months"], kind=doc["kind"], accessible=doc["accessible"],
                   organisation_id=doc["organisation_id"])
    else:
        row.update(
            experience_months=doc["experience_months"], expires_at=_parse_dt(doc.get("expires_at")), visibility=doc["visibility"],
            consent=doc["consent"], departed=doc["departed"], centre_id=doc.get("centre_id"),
            source_organisation_id=doc.get("source_organisation_id"), owner_user_id=doc.get("owner_user_id"),
            birth_date=_parse_date(doc.get("birth_date")), available_from=_parse_date(doc.get("available_from")),
            willing_to_relocate=doc["willing_to_relocate"], accessibility_needs=doc["accessibility_needs"],
        )
    return row


@dataclass
class PreparedBatch:
    """Rows of one batch as the database driver takes them: a tuple per row of the document table
    (in column order), of the multi-valued terms and, on SQLite, of the FTS table. Plain data, so a
    rebuild's producer process can build it and hand it over through a pipe."""

    kind: str
    dialect: str
    count: int
    docs: list[tuple]
    terms: list[tuple]
    fts: list[tuple]


def _json_text(doc: dict[str, Any]) -> str:
    # The same text as DocumentJSON writes on SQLite, and what a jsonb column takes through COPY.
    return orjson.dumps(doc).decode()


class RowWriter:
    """Writes documents of one kind into the projection tables without SQLAlchemy touching each row.

    ``prepare`` turns documents into driver-ready tuples: every value converted the way the
    column's own type converts it (SQLAlchemy's bind processors for the dialect, looked up once),
    so the rows are the ones a Core insert would write. ``write`` sends a prepared batch: one
    executemany per table on SQLite (the FTS table too), COPY on PostgreSQL. ``prepare`` needs no
    connection: a rebuild runs it in a producer process while this one writes.
    """

    def __init__(self, kind: str, dialect: sa.engine.Dialect) -> None:
        self.kind = kind
        self.dialect = dialect.name
        table = MODELS[kind].__table__
        self.table = table.name
        self.columns = [c.name for c in table.columns]
        self.converters: list[tuple[int, Any]] = []
        for i, column in enumerate(table.columns):
            if column.name == "doc":
                convert = _json_text
            elif self.dialect == "sqlite":
                convert = column.type.dialect_impl(dialect).bind_processor(dialect)
            else:
                convert = None  # COPY: psycopg writes bool, int, float, str, date and aware datetimes as PostgreSQL reads them
            if convert is not None:
                self.converters.append((i, convert))
        self.term_columns = ["kind", "field", "value", "doc_id"]

    def prepare(self, docs: list[dict[str, Any]]) -> PreparedBatch:
        indexed_at = utcnow()
        columns, converters, kind = self.columns, self.converters, self.kind
        rows, terms = [], []
        for doc in docs:
            values = document_row(kind, doc, indexed_at)
            row = [values[name] for name in columns]
            for i, convert in converters:
                if row[i] is not None:
                    row[i] = convert(row[i])
            rows.append(tuple(row))
            for name in MULTI_FIELDS:
                terms.extend((kind, name, value, doc["id"]) for value in sorted(set(doc.get(name) or [])))
        id_at, body_at = columns.index("id"), columns.index("body")
        fts = [(row[id_at], row[body_at]) for row in rows] if self.dialect == "sqlite" else []
        return PreparedBatch(kind, self.dialect, len(rows), rows, terms, fts)

    def write(self, conn: sa.Connection, batch: PreparedBatch) -> None:
        if batch.kind != self.kind or batch.dialect != self.dialect:
            raise ValueError(f"a {batch.dialect} batch of {batch.kind} documents given to the {self.dialect} writer of {self.kind}")
        if not batch.count:
            return
        if self.dialect == "sqlite":
            self._executemany(conn, self.table, self.columns, batch.docs)
            self._executemany(conn, DocTerm.__tablename__, self.term_columns, batch.terms)
            self._executemany(conn, FTS_TABLES[self.kind], ["rowid", "body"], batch.fts)
        else:
            cursor = conn.connection.driver_connection.cursor()
            try:
                for table, columns, rows in ((self.table, self.columns, batch.docs), (DocTerm.__tablename__, self.term_columns, batch.terms)):
                    if rows:
                        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
            finally:
                cursor.close()

    @staticmethod
    def _executemany(conn: sa.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
        if rows:
            marks = ", ".join("?" for _ in columns)
            conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 - names come from our tables, values are bound


def prepare_batch(kind: str, dialect: sa.engine.Dialect, items: list[tuple[int, int, dict[str, Any]]]) -> PreparedBatch:
    """A rebuild batch turned into rows (in a producer process, see search.maintenance)."""
    return RowWriter(kind, dialect).prepare([doc for _, _, doc in items])


class SqlBackend(SearchBackend):
    name = "sql"
    # A rebuild may build the rows of its batches in another process (search.maintenance).
    prepare_batch = staticmethod(prepare_batch)

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def dialect(self) -> str:
        return self.db.dialect

    # --- writing ---------------------------------------------------------------
    def ensure(self) -> None:
        with self.db.engine.begin() as conn:
            for model in MODELS.values():
                model.__table__.create(conn, checkfirst=True)
            DocTerm.__table__.create(conn, checkfirst=True)
            if conn.dialect.name == "sqlite":
                for table in FTS_TABLES.values():
                    conn.exec_driver_sql(FTS_DDL.format(table=table))

    def _remove(self, session: Session, kind: str, ids: list[int]) -> None:
        if not ids:
            return
        model = MODELS[kind]
        session.execute(sa.delete(model).where(model.id.in_(ids)))
        session.execute(sa.delete(DocTerm).where(DocTerm.kind == kind, DocTerm.doc_id.in_(ids)))
        if self.dialect == "sqlite":
            session.execute(sa.text(f"DELETE FROM {FTS_TABLES[kind]} WHERE rowid IN ({','.join(str(int(i)) for i in ids)})"))  # noqa: S608 - table names come from FTS_TABLES, values are bound

    def _insert(self, session: Session, kind: str, docs: list[dict[str, Any]]) -> None:
        if docs:
            writer = RowWriter(kind, self.db.engine.dialect)
            writer.write(session.connection(), writer.prepare(docs))

    def apply(self, kind: str, docs: Iterable[tuple[int, int, dict[str, Any] | None]]) -> int:
        items = list(docs)
        if not items:
            return 0
        model = MODELS[kind]
        applied = 0
        with self.db.unit_of_work() as session:
            current = dict(session.execute(sa.select(model.id, model.version).where(model.id.in_([i for i, _, _ in items]))).all())
            remove, upsert = [], []
            for doc_id, version, doc in items:
                stored = current.get(doc_id)
                if stored is not None and stored > version:
                    continue  # a newer version is already indexed: an old update never wins
                if doc is None:
                    if stored is not None:
                        remove.append(doc_id)
                        applied += 1
                    continue
                if stored is not None:
                    remove.append(doc_id)
                upsert.append(doc)
                applied += 1
            self._remove(session, kind, remove)
            self._insert(session, kind, upsert)
        return applied

    def rebuild(self, kind, batches, expected, force) -> dict[str, Any]:
        # One transaction: readers keep seeing the old rows until it commits (MVCC / WAL).
        self.ensure()
        count = 0
        with self.db.unit_of_work() as session, self._rebuild_cache(session):
            model = MODELS[kind]
            conn = session.connection()
            before = session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            session.execute(sa.delete(DocTerm).where(DocTerm.kind == kind))
            if self.dialect == "sqlite":
                self._recreate_empty(conn, kind)
            else:
                session.execute(sa.delete(model))
            writer = RowWriter(kind, self.db.engine.dialect)
            for batch in batches:
                # A batch comes as documents, or as rows a producer process prepared (prepare_batch).
                prepared = batch if isinstance(batch, PreparedBatch) else writer.prepare([doc for _, _, doc in batch])
                writer.write(conn, prepared)
                count += prepared.count
            sane = count == expected and (force or before == 0 or count >= before // 2)
            if not sane:
                session.rollback()
                return {"kind": kind, "indexed": count, "expected": expected, "previous": before, "swapped": False}
            if self.dialect == "sqlite":
                for index in sorted(model.__table__.indexes, key=lambda i: i.name):
                    conn.execute(sa.schema.CreateIndex(index))
            self._analyze(session, kind)
        return {"kind": kind, "indexed": count, "expected": expected, "previous": before, "swapped": True}

    @contextlib.contextmanager
    def _rebuild_cache(self, session: Session) -> Iterator[None]:
        """SQLite: a larger page cache on the rebuild's connection while it runs (the default 2 MB
        spills dirty pages to the WAL again and again during a transaction this large), set back
        afterwards since the connection returns to the pool. Durability is untouched."""
        if self.dialect != "sqlite":
            yield
            return
        # The driver's connection itself: the session may have rolled back (and released it to the
        # pool) by the time the setting is restored.
        raw = session.connection().connection.driver_connection
        previous = int(raw.execute("PRAGMA cache_size").fetchone()[0])
        raw.execute(f"PRAGMA cache_size = {-REBUILD_CACHE_KIB}")
        try:
            yield
        finally:
            raw.execute(f"PRAGMA cache_size = {previous}")

    def _recreate_empty(self, conn: sa.Connection, kind: str) -> None:
        """SQLite, inside the rebuild's transaction: the document and FTS tables dropped and created
        empty, the secondary indexes left for after the load (:meth:`rebuild` creates them then).

        Deleting every row costs more than writing it (FTS5 tokenises each deleted body again to
        find its entries), and keeping five indexes up to date row by row costs more than building
        each in one sorted pass. SQLite's DDL is transactional: readers keep the old tables until
        the commit, and a rollback brings them back whole."""
        table = MODELS[kind].__table__
        conn.exec_driver_sql(f"DROP TABLE {FTS_TABLES[kind]}")
        conn.exec_driver_sql(f"DROP TABLE {table.name}")
        conn.execute(sa.schema.CreateTable(table))
        conn.exec_driver_sql(FTS_DDL.format(table=FTS_TABLES[kind]))

    def _analyze(self, session: Session, kind: str) -> None:
        """Fresh planner statistics in the rebuild's transaction. A full ANALYZE (under a second at
        100k rows): statistics sampled from 1,000 rows made SQLite pick plans 4x slower."""
        conn = session.connection()
        for table in (MODELS[kind].__tablename__, DocTerm.__tablename__):
            conn.exec_driver_sql(f"ANALYZE {table}")

    def reset(self) -> None:
        with self.db.unit_of_work() as session:
            for kind, model in MODELS.items():
                session.execute(sa.delete(model))
                if self.dialect == "sqlite":
                    session.execute(sa.text(f"DELETE FROM {FTS_TABLES[kind]}"))  # noqa: S608 - table names come from FTS_TABLES, values are bound
            session.execute(sa.delete(DocTerm))

    # --- reading ---------------------------------------------------------------
    def versions(self, kind: str) -> dict[int, int]:
        model = MODELS[kind]
        with self.db.unit_of_work() as session:
            return dict(session.execute(sa.select(model.id, model.version)).all())

    def get_documents(self, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
        model = MODELS[kind]
        with self.db.unit_of_work() as session:
            return dict(session.execute(sa.select(model.id, model.doc).where(model.id.in_(ids))).all())

    def suggest_titles(self, kind: str, prefix: str, limit: int) -> list[str]:
        model = MODELS[kind]
        prefix = text.normalise(prefix.strip())
        if not prefix:
            return []
        with self.db.unit_of_work() as session:
            stmt = (
                sa.select(model.title_lc, sa.func.count())
                .where(model.title_lc >= prefix, model.title_lc < prefix + "\uffff")
                .group_by(model.title_lc)
                .order_by(sa.func.count().desc(), model.title_lc)
                .limit(limit)
            )
            if kind == "resume":
                stmt = stmt.where(ResumeDoc.visibility == "active", ResumeDoc.consent.is_(True))
            return [title for title, _ in session.execute(stmt)]

    def _match(self, kind: str, clause: Clause, n: list[int]):
        """Ids of documents whose body has every stem of the clause (in order, for a phrase)."""
        stems = [text.stem(w) for w in clause.words]
        n[0] += 1
        name = f"m{n[0]}"
        model = MODELS[kind]
        if self.dialect == "sqlite":
            fts = FTS_TABLES[kind]
            quoted = ['"' + s.replace('"', "") + '"' for s in stems]
            expr = ('"' + " ".join(s.replace('"', "") for s in stems) + '"') if clause.phrase else " AND ".join(quoted)
            return sa.text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :{name}").bindparams(**{name: expr}).columns(  # noqa: S608 - table names come from FTS_TABLES, values are bound
                sa.column("rowid", sa.Integer)
            )
        fn = sa.func.phraseto_tsquery if clause.phrase else sa.func.plainto_tsquery
        vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), model.body)
        return sa.select(model.id).where(vector.op("@@")(fn(sa.literal_column("'simple'::regconfig"), " ".join(stems))))

    def _conditions(self, q: Query) -> tuple[list, dict[str, Any]]:
        """The query's conditions: those no facet owns, and {facet name: condition of that facet's own filter}.

        A facet counts with every filter but its own (disjunctive facets), so the filters a facet
        offers are kept apart from the rest (text, visibility, ids, matching-only conditions).
        """
        m = MODELS[q.kind]
        conds: list = []
        owned: dict[str, Any] = {}
        n = [0]
        for clause in q.text.must:
            cond = m.id.in_(self._match(q.kind, clause, n))
            if clause.codes:
                cond = sa.or_(cond, m.occupation_code.in_(clause.codes))
            conds.append(cond)
        for clause in q.text.must_not:
            conds.append(m.id.not_in(self._match(q.kind, clause, n)))
        if q.ids is not None:
            conds.append(m.id.in_(q.ids))
        for name, values, column in (("occupation", q.occupation, m.occupation_code), ("region", q.kato, m.kato_code),
                                     ("employment_type", q.employment_type, m.employment_type), ("schedule", q.schedule, m.schedule),
                                     ("working_regime", q.working_regime, m.working_regime), ("education", q.education, m.education_level)):
            if values is not None:
                owned[name] = column.in_(sorted(values))
        if q.radius_km is not None:
            owned["radius_km"] = self._distance2(q, m) <= (q.radius_km / KM_PER_DEGREE) ** 2
        if q.salary_from is not None:
            cond = m.salary_max >= q.salary_from
            if q.kind == "vacancy":
                owned["salary_from"] = cond
            else:
                conds.append(cond)
        if q.salary_to is not None:
            cond = m.salary_min <= q.salary_to
            if q.kind == "resume":
                owned["salary_to"] = cond
            else:
                conds.append(cond)
        if q.with_salary:
            owned["with_salary"] = m.salary_max.is_not(None)
        for values, name, field_name in ((q.language, "language", "languages"), (q.licence, "licence", "licences")):
            if values is not None:
                owned[name] = self._has_term(q.kind, field_name, values)
        for code in sorted(q.licence_all or ()):
            conds.append(self._has_term(q.kind, "licences", {code}))
        if q.licence_within is not None:
            outside = sa.select(DocTerm.doc_id).where(
                DocTerm.kind == q.kind, DocTerm.field == "licences", DocTerm.value.not_in(sorted(q.licence_within) or [""])
            )
            conds.append(m.id.not_in(outside))
        if q.published_since is not None:
            owned["published_since"] = m.published_at >= q.published_since
        if q.kind == "vacancy":
            if q.min_experience is not None:
                owned["min_experience"] = m.min_experience_months <= q.min_experience
            if q.accessible:
                owned["accessible"] = m.accessible.is_(True)
            if q.kind_values is not None:
                owned["kind"] = m.kind.in_(sorted(q.kind_values))
            if q.employer is not None:
                owned["employer"] = m.organisation_id.in_(sorted(q.employer))
        else:
            conds.extend(self._resume_conditions(q, owned))
        return conds, owned

    def _resume_conditions(self, q: Query, owned: dict[str, Any]) -> list:
        m = ResumeDoc
        conds: list = [sa.or_(m.expires_at.is_(None), m.expires_at > q.now)]
        today = q.now.astimezone(ALMATY).date()
        if q.min_experience is not None:
            owned["min_experience"] = m.experience_months >= q.min_experience
        age = []
        if q.age_from is not None:
            age.append(m.birth_date <= years_ago(today, q.age_from))
        if q.age_to is not None:
            age.append(m.birth_date > years_ago(today, q.age_to + 1))
        if age:
            owned["age"] = sa.and_(*age)
        if q.available_by is not None:
            conds.append(sa.or_(m.available_from.is_(None), m.available_from <= q.available_by))
        if q.relocate:
            owned["relocate"] = m.willing_to_relocate.is_(True)
        if q.region_or_relocate is not None:
            conds.append(sa.or_(m.kato_code.in_(sorted(q.region_or_relocate)), m.willing_to_relocate.is_(True)))
        if q.accessible:
            conds.append(m.accessibility_needs.is_(True))
        if q.status == "active":
            conds.extend([m.visibility == "active", m.departed.is_(False)])
        elif q.status == "hidden":
            conds.append(m.visibility == "hidden")
        else:
            conds.append(m.departed.is_(True))
        vis = q.visibility
        if vis is not None and not vis.everything:
            allowed = []
            if vis.public:
                allowed.append(sa.and_(m.visibility == "active", m.consent.is_(True)))
            if vis.centre_id is not None:
                allowed.append(m.centre_id == vis.centre_id)
            if vis.organisation_id is not None:
                allowed.append(m.source_organisation_id == vis.organisation_id)
            if vis.user_id is not None:
                allowed.append(m.owner_user_id == vis.user_id)
            conds.append(sa.or_(*allowed) if allowed else sa.false())
        return conds

    def _has_term(self, kind: str, name: str, values: set[str]):
        return MODELS[kind].id.in_(
            sa.select(DocTerm.doc_id).where(DocTerm.kind == kind, DocTerm.field == name, DocTerm.value.in_(sorted(values)))
        )

    def _distance2(self, q: Query, columns):
        """Squared distance in degrees on an equirectangular projection (no trigonometry in SQL)."""
        shrink = math.cos(math.radians(q.lat))
        dx = (columns.lon - q.lon) * shrink
        dy = columns.lat - q.lat
        return dx * dx + dy * dy

    def _epoch(self, column):
        if self.dialect == "sqlite":
            return (sa.func.julianday(column) - 2440587.5) * 86400.0
        return sa.extract("epoch", column)

    def _score(self, q: Query, m):
        """Text relevance (bm25 / ts_rank) plus a concept bonus, damped by age (recency decay)."""
        positive = [text.stem(w) for w in q.text.positive_words]
        concept_codes = sorted({c for clause in q.text.must for c in clause.codes})
        if not positive:
            relevance = sa.literal(0.0)
        elif self.dialect == "sqlite":
            # bm25 of every match, materialised once; each row looks its score up through the
            # automatic index SQLite builds on the CTE. (A LEFT JOIN to a ranked subquery was
            # planned as a nested scan: quadratic in the number of matches.)
            fts = FTS_TABLES[q.kind]
            expr = " OR ".join('"' + s.replace('"', "") + '"' for s in positive)
            ranked = sa.text(f"SELECT rowid AS rid, -bm25({fts}) AS rank FROM {fts} WHERE {fts} MATCH :rank_q").bindparams(  # noqa: S608 - table names come from FTS_TABLES, values are bound
                rank_q=expr
            ).columns(sa.column("rid", sa.Integer), sa.column("rank", sa.Float)).cte("ranked").prefix_with("MATERIALIZED")
            relevance = sa.func.coalesce(sa.select(ranked.c.rank).where(ranked.c.rid == m.id).scalar_subquery(), 0.0)
        else:
            vector = sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), m.body)
            tsq = None
            for s in positive:
                part = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), s)
                tsq = part if tsq is None else tsq.op("||")(part)
            relevance = sa.func.ts_rank(vector, tsq) * 10.0
        if concept_codes:
            relevance = relevance + sa.case((m.occupation_code.in_(concept_codes), 1.0), else_=0.0)
        age_days = (q.now.timestamp() - self._epoch(m.published_at)) / 86400.0
        recency = 0.5 + 0.5 / (1.0 + sa.func.coalesce(age_days, 365.0) / 30.0)
        return sa.cast(relevance * recency, sa.Float)

    def search(self, q: Query) -> RawResult:
        """Two statements: the page (ids, sort keys and documents), then the total with every facet."""
        m = MODELS[q.kind]
        base, owned = self._conditions(q)
        conds = base + list(owned.values())
        sort = q.effective_sort
        if sort == "relevance":
            key, descending = self._score(q, m), True
        elif sort == "date":
            key, descending = self._epoch(m.published_at), True
        elif sort == "salary":
            key, descending = sa.func.coalesce(m.salary_max, -1), True
        else:
            key, descending = self._distance2(q, m), False
        inner = sa.select(m.id.label("id"), sa.cast(key, sa.Float).label("k")).where(*conds).subquery("hits")
        page = sa.select(inner.c.id, inner.c.k)
        if q.after is not None:
            k, last = float(q.after[0]), int(q.after[1])
            if descending:
                page = page.where(sa.or_(inner.c.k < k, sa.and_(inner.c.k == k, inner.c.id < last)))
            else:
                page = page.where(sa.or_(inner.c.k > k, sa.and_(inner.c.k == k, inner.c.id > last)))
        order = (inner.c.k.desc(), inner.c.id.desc()) if descending else (inner.c.k.asc(), inner.c.id.asc())
        top = page.order_by(*order).limit(q.size).subquery("top")
        order = (top.c.k.desc(), top.c.id.desc()) if descending else (top.c.k.asc(), top.c.id.asc())
        with_docs = sa.select(top.c.id, top.c.k, m.doc).join_from(top, m, m.id == top.c.id).order_by(*order)
        with self.db.unit_of_work() as session:
            rows = session.execute(with_docs).all()
            if q.facets:
                total, facets = self._facets(session, q, base, owned)
            else:
                facets = {}
                if q.after is None and len(rows) < q.size:
                    total = len(rows)  # the first page holds every hit: no need to count
                else:
                    total = session.scalar(sa.select(sa.func.count()).select_from(inner)) or 0
        hits = [(r.doc, (r.k if sort == "relevance" else 1.0), [r.k, r.id]) for r in rows]
        return RawResult(total=total, hits=hits, facets=facets)

    def _facets(self, session: Session, q: Query, base: list, owned: dict[str, Any]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The total and every facet in one statement (a UNION ALL of one arm per facet).

        Disjunctive facets: a facet counts with every filter but its own, so a visitor sees how
        far a choice can be widened. Facets whose filter is not in use count the result itself,
        materialised once as a CTE (usually small); a facet whose filter is in use counts the
        documents passing the other filters, in its own arm over the (narrow, covering-indexed)
        table. Range facets are sums in one arm over the documents failing at most one filter.
        """
        m = MODELS[q.kind]
        facet_names = VACANCY_FACETS if q.kind == "vacancy" else RESUME_FACETS
        term_fields = {name: column for name, column in TERM_FACET_FIELDS.items() if name in facet_names and hasattr(m, column)}
        multi_fields = {name: field for name, field in MULTI_FACET_FIELDS.items() if name in facet_names}
        range_columns = ("salary_min", "salary_max", "published_at", "lat", "lon") + (
            ("min_experience_months", "accessible") if q.kind == "vacancy" else ("experience_months", "willing_to_relocate", "birth_date")
        )
        columns = [m.id] + [getattr(m, c) for c in dict.fromkeys([*term_fields.values(), *range_columns])]
        near = list(base)
        if len(owned) > 1:
            # Rows failing two or more facet filters count nowhere.
            near.append(sum((sa.case((cond, 0), else_=1) for cond in owned.values()), sa.literal(0)) <= 1)
        # Where the text (or a list of ids) bounds the set, evaluate it once: materialise the rows
        # failing at most one filter with a 0/1 flag per filter, and let every arm read that. Without
        # such a bound that set is most of the table, and each arm is better off scanning the
        # covering index itself.
        bounded = bool(q.text.must) or q.ids is not None
        if bounded and owned:
            flag_of = {name: f"f_{i}" for i, name in enumerate(owned)}
            near_cte = sa.select(*columns, *[sa.case((cond, 1), else_=0).label(flag_of[name]) for name, cond in owned.items()]).where(*near).cte("facet_near")
            src = near_cte.c
            conditions = {name: near_cte.c[flag] == 1 for name, flag in flag_of.items()}
            passing = sa.select(*[near_cte.c[c.name] for c in columns]).where(*conditions.values()).cte("facet_pass")
            active_source, active_base, near_where = near_cte, [], []
        else:
            src, conditions, near_cte = m, owned, None
            passing = sa.select(*columns).where(*base, *owned.values()).cte("facet_pass")
            active_source, active_base, near_where = m.__table__, list(base), near
            if not owned:  # no facet filter in use: every facet, ranges too, counts the result
                src, active_source, active_base, near_where = passing.c, passing, [], []

        def others(facet: str | None) -> list:
            return [cond for name, cond in conditions.items() if name != facet]

        def label(name: str):
            return sa.cast(sa.literal(name), sa.String).label("facet")

        buckets = self._range_buckets(q, src)
        number = sa.BigInteger
        no_ranges = [sa.cast(sa.null(), number).label(f"r_{i}") for i in range(len(buckets))]

        def counted(conds: list):
            return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*conds), 1), else_=0) if conds else 1), 0)

        arms = [sa.select(
            label(""), sa.cast(sa.null(), sa.String).label("value"), counted(list(conditions.values())).label("n"),
            *[counted([cond, *others(key.split("__")[0])]).label(f"r_{i}") for i, (key, cond) in enumerate(buckets)],
        ).select_from(active_source).where(*near_where)]
        for name, column_name in term_fields.items():
            if name in owned:
                column, where, source = active_source.c[column_name], [*active_base, *others(name)], active_source
            else:
                column, where, source = passing.c[column_name], [], passing
            count = sa.func.count()
            grouped = (
                sa.select(label(name), sa.cast(column, sa.String).label("value"), count.label("n"), *no_ranges)
                .select_from(source).where(column.is_not(None), *where)
                .group_by(column).order_by(count.desc(), column).limit(TERM_FACET_SIZE)
                .subquery()
            )
            arms.append(sa.select(grouped))
        for name, field_name in multi_fields.items():
            if name in owned:
                ids, where, source = active_source.c.id, [*active_base, *others(name)], active_source
            else:
                ids, where, source = passing.c.id, [], passing
            count = sa.func.count()
            on = sa.and_(DocTerm.doc_id == ids, DocTerm.kind == q.kind, DocTerm.field == field_name)
            grouped = (
                sa.select(label(name), DocTerm.value.label("value"), count.label("n"), *no_ranges)
                .select_from(source.join(DocTerm, on)).where(*where)
                .group_by(DocTerm.value).order_by(count.desc(), DocTerm.value).limit(TERM_FACET_SIZE)
                .subquery()
            )
            arms.append(sa.select(grouped))
        rows = session.execute(sa.union_all(*arms)).all()
        total = 0
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in [*term_fields, *multi_fields]}
        for row in rows:
            facet, value, count = row[0], row[1], int(row[2] or 0)
            if facet:
                out[facet].append((value, count))
                continue
            total = count
            for (key, _), value_ in zip(buckets, row[3:], strict=True):
                facet_name, bucket = key.split("__")
                out.setdefault(facet_name, []).append((bucket, int(value_ or 0)))
        return total, out

    def _range_buckets(self, q: Query, m) -> list[tuple[str, Any]]:
        """``facet__value`` keys and their conditions over ``m`` (a model or the facet CTE's columns)."""
        buckets: list[tuple[str, Any]] = []
        if q.kind == "vacancy":
            buckets += [(f"min_experience__{s}", m.min_experience_months <= s) for s in VACANCY_EXPERIENCE_STEPS]
            buckets += [(f"salary_from__{s}", m.salary_max >= s) for s in SALARY_STEPS]
            buckets += [("accessible__true", m.accessible.is_(True))]
        else:
            buckets += [(f"min_experience__{s}", m.experience_months >= s) for s in RESUME_EXPERIENCE_STEPS]
            buckets += [(f"salary_to__{s}", m.salary_min <= s) for s in SALARY_STEPS]
            buckets += [("relocate__true", m.willing_to_relocate.is_(True))]
            today = q.now.astimezone(ALMATY).date()
            buckets += [
                (f"age__{lo}-{hi}", sa.and_(m.birth_date <= years_ago(today, lo), m.birth_date > years_ago(today, hi + 1)))
                for lo, hi in AGE_BANDS
            ]
        buckets += [("with_salary__true", m.salary_max.is_not(None))]
        buckets += [(f"published_since__{d}", m.published_at >= q.now - dt.timedelta(days=d)) for d in PUBLISHED_STEPS]
        if q.lat is not None:
            buckets += [(f"radius_km__{r}", self._distance2(q, m) <= (r / KM_PER_DEGREE) ** 2) for r in RADIUS_STEPS]
        return buckets
