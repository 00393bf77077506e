"""Elasticsearch 8 backend using core features only (see DESIGN.md).

Each kind lives in a versioned index (``<prefix>-vacancy-<stamp>``) behind a read
alias (``<prefix>-vacancy``) and a write alias (``<prefix>-vacancy-write``). Writes
use the row version as external version (``external_gte``: an older update is
rejected, a re-delivered one is harmless). Rebuilds stream from the database into a
new index with the bulk API and swap both aliases in one atomic request.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.serializer import OrjsonSerializer

from exchange.db import chunks
from exchange.timeutil import ALMATY
from search import text
from search.backend import (
    AGE_BANDS,
    MULTI_FACET_FIELDS,
    PUBLISHED_STEPS,
    RADIUS_STEPS,
    RESUME_EXPERIENCE_STEPS,
    SALARY_STEPS,
    TERM_FACET_FIELDS,
    TERM_FACET_SIZE,
    VACANCY_EXPERIENCE_STEPS,
    RawResult,
    SearchBackend,
)
from search.params import Clause, Query
from search.sql_backend import years_ago

# Searched copies of the text fields, with "ё" folded to "е" (the node has no mapping char filter).
TEXT_FIELDS = {"title": 3.0, "skills": 2.0, "description": 1.0, "extra": 0.7}
# Word forms (hunspell ru/kk/en sub-fields) only where morphology decides a match: titles and
# skills. Each hunspell sub-field costs a full analysis pass at index time (issue 3 measured
# 4 fields x 4 analyzers at 158 docs/s); description and extra (classifier names, which the
# query side already expands to occupation codes) keep the plain analyzer.
MORPHOLOGY_FIELDS = ("title", "skills")
SEARCH_PREFIX = "s_"
# A bulk response names index, id, version, seq_no and shards for every item; all we read is the
# status and the error, item by item in the order of the request.
BULK_RESPONSE = "errors,items.*.status,items.*.error"
# The client sends and expects JSON under both names (8.x compatibility headers).
JSON_MIMETYPES = ("application/json", "application/vnd.elasticsearch+json")
LANGS = ("ru", "kk", "en")


def analysis() -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for lang in LANGS:
        filters[f"stop_{lang}"] = {"type": "stop", "stopwords": text.stop_word_list(lang)}
    filters["hunspell_ru"] = {"type": "hunspell", "locale": "ru_RU", "dedup": True}
    filters["hunspell_kk"] = {"type": "hunspell", "locale": "kk_KZ", "dedup": True}
    filters["hunspell_en"] = {"type": "hunspell", "locale": "en_US", "dedup": True}
    stops = [f"stop_{lang}" for lang in LANGS]
    analyzers = {"birzha_plain": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", *stops]}}
    for lang in LANGS:
        analyzers[f"birzha_{lang}"] = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", *stops, f"hunspell_{lang}"]}
    return {"filter": filters, "analyzer": analyzers}


def _text_field(name: str) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": "birzha_plain"}
    if name in MORPHOLOGY_FIELDS:
        field["fields"] = {lang: {"type": "text", "analyzer": f"birzha_{lang}"} for lang in LANGS}
    return field


def search_fields() -> list[str]:
    """Every searched field with its boost (plain copies and, where present, word-form sub-fields)."""
    return [f"{SEARCH_PREFIX}{name}{suffix}^{boost}" for name, boost in TEXT_FIELDS.items()
            for suffix in ("", *((f".{lang}" for lang in LANGS) if name in MORPHOLOGY_FIELDS else ()))]


def mapping(kind: str) -> dict[str, Any]:
    keyword = {"type": "keyword"}
    props: dict[str, Any] = {
        "id": {"type": "long"}, "version": {"type": "long"},
        **{name: {"type": "text", "index": False} for name in TEXT_FIELDS},
        **{SEARCH_PREFIX + name: _text_field(name) for name in TEXT_FIELDS},
        "suggest": {"type": "completion", "analyzer": "simple", "max_input_length": 100},
        "occupation_code": keyword, "kato_code": keyword, "region_code": keyword, "location": {"type": "geo_point"},
        "salary_min": {"type": "long"}, "salary_max": {"type": "long"}, "has_salary": {"type": "boolean"},
        "employment_type": keyword, "schedule": keyword, "working_regime": keyword, "education_level": keyword,
        "education_rank": {"type": "integer"}, "languages": keyword, "licences": keyword,
        "language_levels": {"type": "object", "enabled": False}, "published_at": {"type": "date"},
    }
    if kind == "vacancy":
        props.update({
            "salary_from": {"type": "long"}, "salary_to": {"type": "long"}, "min_experience_months": {"type": "integer"},
            "accessible": {"type": "boolean"}, "health_restrictions": {"type": "boolean"}, "kind": keyword,
            "organisation_id": {"type": "long"},
        })
    else:
        props.update({
            "experience_months": {"type": "integer"}, "accessibility_needs": {"type": "boolean"},
            "willing_to_relocate": {"type": "boolean"}, "available_from": {"type": "date"}, "birth_date": {"type": "date"},
            "visibility": keyword, "consent": {"type": "boolean"}, "departed": {"type": "boolean"},
            "seeker_id": {"type": "long"}, "owner_user_id": {"type": "long"}, "centre_id": {"type": "long"},
            "source_organisation_id": {"type": "long"}, "expires_at": {"type": "date"},
        })
    # The searched copies are indexed, not stored: documents come back without them anyway.
    return {"dynamic": "strict", "_source": {"excludes": [f"{SEARCH_PREFIX}*", "suggest"]}, "properties": props}


def _terms(field: str, values) -> dict[str, Any]:
    return {"terms": {field: sorted(values)}}


def source_of(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What the index stores and analyses for a document: the document, the searched copies of its
    text fields and, for what the public may see, the typeahead input."""
    src = dict(doc)
    for name in TEXT_FIELDS:
        value = doc.get(name)
        folded = " \n".join(value) if isinstance(value, list) else (value or "")
        src[SEARCH_PREFIX + name] = text.normalise(folded)
    public = kind == "vacancy" or (doc.get("visibility") == "active" and doc.get("consent"))
    if public and doc.get("title"):
        src["suggest"] = {"input": [doc["title"][:100]]}
    return src


@dataclass(frozen=True)
class PreparedBulk:
    """A rebuild batch as a bulk request body (NDJSON), for whichever index the request names."""

    body: bytes
    count: int


def bulk_body(kind: str, items: Iterable[tuple[int, int, dict[str, Any] | None]]) -> PreparedBulk:
    """The bulk request body that indexes each document under its row version (``external_gte``: an
    older version is refused, a re-delivered one is harmless), or deletes it when it is ``None``.
    The request names the index, so a body can be made before the index exists."""
    lines: list[bytes] = []
    count = 0
    for doc_id, version, doc in items:
        meta = {"_id": str(doc_id), "version": version, "version_type": "external_gte"}
        if doc is None:
            lines.append(orjson.dumps({"delete": meta}))
        else:
            lines.append(orjson.dumps({"index": meta}))
            lines.append(orjson.dumps(source_of(kind, doc)))
        count += 1
    lines.append(b"")
    return PreparedBulk(b"\n".join(lines), count)


def prepare_batch(kind: str, dialect: Any, items: list[tuple[int, int, dict[str, Any]]]) -> PreparedBulk:
    """A rebuild batch turned into its bulk body: in a producer process for a large rebuild
    (search.maintenance), so this process only sends while the producers read and serialise."""
    return bulk_body(kind, items)


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, prefix: str, timeout: float) -> None:
        self.prefix = prefix
        # orjson encodes bulk bodies and decodes bulk responses several times faster than the
        # standard library: rebuilds send a million documents through it.
        self.client = Elasticsearch(url, request_timeout=timeout, retry_on_timeout=True, max_retries=2,
                                    serializers={mimetype: OrjsonSerializer() for mimetype in JSON_MIMETYPES})
        self.refresh: bool | str = True  # sync makes changes visible at once; bulk rebuilds refresh at the end
        self._ensured = False  # both aliases seen: searches skip two round trips (reset() clears it)

    def read_alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def write_alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-write"

    def _new_index(self, kind: str, aliases: bool) -> str:
        name = f"{self.prefix}-{kind}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1_000_000:06d}"
        body: dict[str, Any] = {
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, "analysis": analysis(), "max_result_window": 10000},
            "mappings": mapping(kind),
        }
        if aliases:
            body["aliases"] = {self.read_alias(kind): {}, self.write_alias(kind): {"is_write_index": True}}
        self.client.indices.create(index=name, **body)
        return name

    def ensure(self) -> None:
        if self._ensured:
            return
        for kind in ("vacancy", "resume"):
            if not self.client.indices.exists_alias(name=self.read_alias(kind)):
                self._new_index(kind, aliases=True)
        self._ensured = True

    # --- writing ---------------------------------------------------------------
    # A rebuild may build its bulk bodies in producer processes (search.maintenance).
    prepare_batch = staticmethod(prepare_batch)

    # Sync sends this many documents per bulk request.
    APPLY_CHUNK = 1000

    def apply(self, kind: str, docs: Iterable[tuple[int, int, dict[str, Any] | None]]) -> int:
        items = list(docs)
        if not items:
            return 0
        self.ensure()
        applied = 0
        for chunk in chunks(items, self.APPLY_CHUNK):
            response = self.client.bulk(index=self.write_alias(kind), operations=bulk_body(kind, chunk).body,
                                        refresh=self.refresh, filter_path=BULK_RESPONSE)
            for item in response["items"]:
                result = next(iter(item.values()))
                status = result.get("status", 200)
                if 200 <= status < 300:
                    applied += 1
                elif status not in (404, 409):  # 404/409: already gone / a newer version is indexed
                    raise RuntimeError(f"bulk {kind} failed: {status} {result.get('error')}")
        return applied

    # Bulk requests in flight during a rebuild, measured in bench/search_bench.py (docs/benchmarks.md):
    # two keep both of the node's write threads busy while the next body is made ready.
    REBUILD_THREADS = 2
    # While a new index fills nobody reads it: no refreshes, no fsync per bulk request. Both are
    # restored before the aliases move, so the live index is searchable and durable as usual.
    REBUILD_SETTINGS = {"refresh_interval": "-1", "translog.durability": "async", "translog.flush_threshold_size": "1gb"}
    LIVE_SETTINGS = {"refresh_interval": None, "translog.durability": None, "translog.flush_threshold_size": None}

    def rebuild(self, kind, batches, expected, force) -> dict[str, Any]:
        new = self._new_index(kind, aliases=False)
        self.client.indices.put_settings(index=new, settings={"index": self.REBUILD_SETTINGS})
        count = 0
        try:
            with ThreadPoolExecutor(self.REBUILD_THREADS, thread_name_prefix="es-rebuild") as pool:
                in_flight: deque[Future] = deque()
                for batch in batches:
                    # A batch comes as documents, or as a body a producer process prepared.
                    prepared = batch if isinstance(batch, PreparedBulk) else bulk_body(kind, batch)
                    if not prepared.count:
                        continue
                    count += prepared.count
                    if len(in_flight) >= self.REBUILD_THREADS:
                        self._check_bulk(kind, in_flight.popleft().result())
                    in_flight.append(pool.submit(self.client.bulk, index=new, operations=prepared.body, filter_path=BULK_RESPONSE))
                while in_flight:
                    self._check_bulk(kind, in_flight.popleft().result())
            self.client.indices.put_settings(index=new, settings={"index": self.LIVE_SETTINGS})
            self.client.indices.refresh(index=new)
            indexed = self.client.count(index=new)["count"]
            old = list(self.client.indices.get_alias(name=self.read_alias(kind)).keys()) if self.client.indices.exists_alias(
                name=self.read_alias(kind)) else []
            before = sum(self.client.count(index=o)["count"] for o in old)
            sane = indexed == expected == count and (force or before == 0 or indexed >= before // 2)
            if not sane:
                self.client.indices.delete(index=new)
                return {"kind": kind, "indexed": indexed, "expected": expected, "previous": before, "swapped": False}
            actions: list[dict[str, Any]] = [
                {"add": {"index": new, "alias": self.read_alias(kind)}},
                {"add": {"index": new, "alias": self.write_alias(kind), "is_write_index": True}},
            ]
            for name in old:
                actions.append({"remove": {"index": name, "alias": self.read_alias(kind)}})
            for name in self._indices_with(self.write_alias(kind)):
                actions.append({"remove": {"index": name, "alias": self.write_alias(kind)}})
            self.client.indices.update_aliases(actions=actions)
            for name in set(old) | set(self._indices_with(self.write_alias(kind))) - {new}:
                self.client.indices.delete(index=name, ignore_unavailable=True)
            return {"kind": kind, "indexed": indexed, "expected": expected, "previous": before, "swapped": True, "index": new}
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise

    @staticmethod
    def _check_bulk(kind: str, response: Any) -> None:
        if response.get("errors"):
            failed = next(result for item in response["items"] for result in item.values() if result.get("error"))
            raise RuntimeError(f"bulk {kind} failed: {failed.get('status')} {failed['error']}")

    def _indices_with(self, alias: str) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    def reset(self) -> None:
        self._ensured = False
        self.client.indices.delete(index=f"{self.prefix}-*", ignore_unavailable=True, allow_no_indices=True, expand_wildcards="all")

    # --- reading ---------------------------------------------------------------
    def versions(self, kind: str) -> dict[int, int]:
        self.ensure()
        out: dict[int, int] = {}
        after = None
        while True:
            body: dict[str, Any] = {"size": 5000, "sort": [{"id": "asc"}], "_source": False, "version": True,
                                    "query": {"match_all": {}}}
            if after is not None:
                body["search_after"] = after
            hits = self.client.search(index=self.read_alias(kind), **body)["hits"]["hits"]
            if not hits:
                return out
            for hit in hits:
                out[int(hit["_id"])] = int(hit["_version"])
            after = hits[-1]["sort"]

    def get_documents(self, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        self.ensure()
        found = self.client.mget(index=self.read_alias(kind), ids=[str(i) for i in ids])["docs"]
        return {int(d["_id"]): self._clean(d["_source"]) for d in found if d.get("found")}

    @staticmethod
    def _clean(source: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in source.items() if k != "suggest" and not k.startswith(SEARCH_PREFIX)}

    def suggest_titles(self, kind: str, prefix: str, limit: int) -> list[str]:
        prefix = prefix.strip()
        if not prefix:
            return []
        self.ensure()
        answer = self.client.search(
            index=self.read_alias(kind), size=0,
            suggest={"t": {"prefix": prefix, "completion": {"field": "suggest", "size": limit, "skip_duplicates": True}}},
        )
        return [o["text"].lower() for o in answer["suggest"]["t"][0]["options"]]

    def _clause(self, clause: Clause) -> dict[str, Any]:
        fields = search_fields()
        if clause.phrase:
            matched: dict[str, Any] = {"multi_match": {"query": " ".join(clause.words), "type": "phrase", "fields": fields}}
        else:
            matched = {"bool": {"must": [{"multi_match": {"query": w, "fields": fields}} for w in clause.words]}}
        if clause.codes:
            return {"bool": {"should": [matched, _terms("occupation_code", clause.codes)], "minimum_should_match": 1}}
        return matched

    def _filters(self, q: Query) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        """The query's filters: those no facet owns, and {facet name: that facet's own filter}.

        A facet counts with every filter but its own (disjunctive facets): owned filters go to
        ``post_filter`` and into the other facets' aggregation filters, the rest into the query.
        """
        f: list[dict[str, Any]] = []
        owned: dict[str, dict[str, Any]] = {}
        if q.ids is not None:
            f.append({"ids": {"values": [str(i) for i in q.ids]}})
        for values, facet, name in (
            (q.occupation, "occupation", "occupation_code"), (q.kato, "region", "kato_code"),
            (q.employment_type, "employment_type", "employment_type"), (q.schedule, "schedule", "schedule"),
            (q.working_regime, "working_regime", "working_regime"), (q.education, "education", "education_level"),
            (q.language, "language", "languages"), (q.licence, "licence", "licences"),
        ):
            if values is not None:
                owned[facet] = _terms(name, values)
        for code in sorted(q.licence_all or ()):
            f.append({"term": {"licences": code}})
        if q.licence_within is not None:
            f.append({"bool": {"must_not": [{"bool": {"filter": [{"exists": {"field": "licences"}}],
                                                      "must_not": [_terms("licences", q.licence_within or {""})]}}]}})
        if q.radius_km is not None:
            owned["radius_km"] = {"geo_distance": {"distance": f"{q.radius_km}km", "location": {"lat": q.lat, "lon": q.lon}}}
        if q.salary_from is not None:
            cond = {"range": {"salary_max": {"gte": q.salary_from}}}
            if q.kind == "vacancy":
                owned["salary_from"] = cond
            else:
                f.append(cond)
        if q.salary_to is not None:
            cond = {"range": {"salary_min": {"lte": q.salary_to}}}
            if q.kind == "resume":
                owned["salary_to"] = cond
            else:
                f.append(cond)
        if q.with_salary:
            owned["with_salary"] = {"exists": {"field": "salary_max"}}
        if q.published_since is not None:
            owned["published_since"] = {"range": {"published_at": {"gte": q.published_since.isoformat()}}}
        if q.kind == "vacancy":
            if q.min_experience is not None:
                owned["min_experience"] = {"range": {"min_experience_months": {"lte": q.min_experience}}}
            if q.accessible:
                owned["accessible"] = {"term": {"accessible": True}}
            if q.kind_values is not None:
                owned["kind"] = _terms("kind", q.kind_values)
            if q.employer is not None:
                owned["employer"] = _terms("organisation_id", q.employer)
        else:
            f.extend(self._resume_filters(q, owned))
        return f, owned

    def _resume_filters(self, q: Query, owned: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        today = q.now.astimezone(ALMATY).date()
        f: list[dict[str, Any]] = [{"bool": {"should": [
            {"bool": {"must_not": [{"exists": {"field": "expires_at"}}]}},
            {"range": {"expires_at": {"gt": q.now.isoformat()}}},
        ], "minimum_should_match": 1}}]
        if q.min_experience is not None:
            owned["min_experience"] = {"range": {"experience_months": {"gte": q.min_experience}}}
        age: dict[str, str] = {}
        if q.age_from is not None:
            age["lte"] = years_ago(today, q.age_from).isoformat()
        if q.age_to is not None:
            age["gt"] = years_ago(today, q.age_to + 1).isoformat()
        if age:
            owned["age"] = {"range": {"birth_date": age}}
        if q.available_by is not None:
            f.append({"bool": {"should": [{"bool": {"must_not": [{"exists": {"field": "available_from"}}]}},
                                          {"range": {"available_from": {"lte": q.available_by.isoformat()}}}],
                               "minimum_should_match": 1}})
        if q.relocate:
            owned["relocate"] = {"term": {"willing_to_relocate": True}}
        if q.region_or_relocate is not None:
            f.append({"bool": {"should": [_terms("kato_code", q.region_or_relocate), {"term": {"willing_to_relocate": True}}],
                               "minimum_should_match": 1}})
        if q.accessible:
            f.append({"term": {"accessibility_needs": True}})
        if q.status == "active":
            f += [{"term": {"visibility": "active"}}, {"term": {"departed": False}}]
        elif q.status == "hidden":
            f.append({"term": {"visibility": "hidden"}})
        else:
            f.append({"term": {"departed": True}})
        vis = q.visibility
        if vis is not None and not vis.everything:
            allowed: list[dict[str, Any]] = []
            if vis.public:
                allowed.append({"bool": {"filter": [{"term": {"visibility": "active"}}, {"term": {"consent": True}}]}})
            for value, name in ((vis.centre_id, "centre_id"), (vis.organisation_id, "source_organisation_id"), (vis.user_id, "owner_user_id")):
                if value is not None:
                    allowed.append({"term": {name: value}})
            f.append({"bool": {"should": allowed, "minimum_should_match": 1}} if allowed else {"bool": {"must_not": [{"match_all": {}}]}})
        return f

    def _facet_aggs(self, q: Query) -> dict[str, dict[str, Any]]:
        """{facet name: {aggregation name: aggregation}} for every facet of this kind."""
        facets: dict[str, dict[str, Any]] = {}
        fields = dict(TERM_FACET_FIELDS)
        if q.kind == "resume":
            fields.pop("kind")
            fields.pop("employer")
        for name, field in {**fields, **MULTI_FACET_FIELDS}.items():
            facets[name] = {name: {"terms": {"field": field, "size": TERM_FACET_SIZE, "order": [{"_count": "desc"}, {"_key": "asc"}]}}}
        ranges: dict[str, dict[str, Any]] = {}
        if q.kind == "vacancy":
            ranges["min_experience"] = {str(s): {"range": {"min_experience_months": {"lte": s}}} for s in VACANCY_EXPERIENCE_STEPS}
            ranges["salary_from"] = {str(s): {"range": {"salary_max": {"gte": s}}} for s in SALARY_STEPS}
            ranges["accessible"] = {"true": {"term": {"accessible": True}}}
        else:
            ranges["min_experience"] = {str(s): {"range": {"experience_months": {"gte": s}}} for s in RESUME_EXPERIENCE_STEPS}
            ranges["salary_to"] = {str(s): {"range": {"salary_min": {"lte": s}}} for s in SALARY_STEPS}
            ranges["relocate"] = {"true": {"term": {"willing_to_relocate": True}}}
            today = q.now.astimezone(ALMATY).date()
            ranges["age"] = {f"{lo}-{hi}": {"range": {"birth_date": {"lte": years_ago(today, lo).isoformat(),
                                                                      "gt": years_ago(today, hi + 1).isoformat()}}}
                             for lo, hi in AGE_BANDS}
        ranges["with_salary"] = {"true": {"exists": {"field": "salary_max"}}}
        ranges["published_since"] = {str(d): {"range": {"published_at": {"gte": (q.now - dt.timedelta(days=d)).isoformat()}}}
                                     for d in PUBLISHED_STEPS}
        if q.lat is not None:
            ranges["radius_km"] = {str(r): {"geo_distance": {"distance": f"{r}km", "location": {"lat": q.lat, "lon": q.lon}}}
                                   for r in RADIUS_STEPS}
        for name, buckets in ranges.items():
            facets[name] = {f"ranges_{name}": {"filters": {"filters": {f"{name}__{value}": flt for value, flt in buckets.items()}}}}
        return facets

    def _aggs(self, q: Query, owned: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Facets without a filter of their own count under every owned filter (one shared
        ``filter`` aggregation); a facet with its own filter counts under all the others."""
        aggs: dict[str, Any] = {}
        shared: dict[str, Any] = {}
        for name, inner in self._facet_aggs(q).items():
            if name not in owned:
                shared.update(inner)
                continue
            others = [flt for other, flt in owned.items() if other != name]
            if others:
                aggs[f"own_{name}"] = {"filter": {"bool": {"filter": others}}, "aggs": inner}
            else:
                aggs.update(inner)  # the only owned filter is its own: the query itself
        if owned:
            aggs["shared"] = {"filter": {"bool": {"filter": list(owned.values())}}, "aggs": shared}
        else:
            aggs.update(shared)
        return aggs

    def _sort(self, q: Query) -> list[Any]:
        sort = q.effective_sort
        if sort == "relevance":
            return [{"_score": "desc"}, {"id": "desc"}]
        if sort == "date":
            return [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "desc"}]
        if sort == "salary":
            return [{"salary_max": {"order": "desc", "missing": -1}}, {"id": "desc"}]
        return [{"_geo_distance": {"location": {"lat": q.lat, "lon": q.lon}, "order": "asc", "unit": "km"}}, {"id": "asc"}]

    def search(self, q: Query) -> RawResult:
        self.ensure()
        must = [self._clause(c) for c in q.text.must]
        must_not = [self._clause(c) for c in q.text.must_not]
        base, owned = self._filters(q)
        if not q.facets:  # no facet needs the wider set: every filter narrows the query itself
            base, owned = base + list(owned.values()), {}
        query: dict[str, Any] = {"bool": {"filter": base, "must": must or [{"match_all": {}}], "must_not": must_not}}
        concept_codes = sorted({c for clause in q.text.must for c in clause.codes})
        if concept_codes:
            query["bool"]["should"] = [{"constant_score": {"filter": _terms("occupation_code", concept_codes), "boost": 1.0}}]
        if q.effective_sort == "relevance":
            query = {"function_score": {
                "query": query,
                "functions": [
                    {"gauss": {"published_at": {"origin": q.now.isoformat(), "scale": "30d", "decay": 0.5}}, "weight": 0.5},
                    {"weight": 0.5},
                ],
                "score_mode": "sum", "boost_mode": "multiply",
            }}
        body: dict[str, Any] = {"query": query, "size": q.size, "sort": self._sort(q), "track_total_hits": True}
        if owned:
            body["post_filter"] = {"bool": {"filter": list(owned.values())}}
        if q.facets:
            body["aggs"] = self._aggs(q, owned)
        if q.after is not None:
            body["search_after"] = q.after
        try:
            answer = self.client.search(index=self.read_alias(q.kind), **body)
        except ApiError as error:
            raise RuntimeError(f"search failed: {error}") from error
        hits = [
            (self._clean(h["_source"]), float(h["_score"]) if h.get("_score") is not None else 0.0, list(h["sort"]))
            for h in answer["hits"]["hits"]
        ]
        facets: dict[str, list[tuple[str, int]]] = {}
        self._read_aggs(answer.get("aggregations") or {}, facets)
        return RawResult(total=answer["hits"]["total"]["value"], hits=hits, facets=facets)

    def _read_aggs(self, aggs: dict[str, Any], facets: dict[str, list[tuple[str, int]]]) -> None:
        for name, agg in aggs.items():
            if name == "shared" or name.startswith("own_"):
                self._read_aggs({k: v for k, v in agg.items() if isinstance(v, dict)}, facets)
            elif name.startswith("ranges_"):
                for key, bucket in agg["buckets"].items():
                    facet, value = key.split("__")
                    facets.setdefault(facet, []).append((value, bucket["doc_count"]))
            else:
                facets[name] = [(str(b["key"]), b["doc_count"]) for b in agg["buckets"]]
