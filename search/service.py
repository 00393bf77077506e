"""The search service every entry point uses: portal pages, the JSON API, the bot, jobs.

``get_search(app)`` returns one service per app, built on the configured backend.
The service validates parameters, applies who-may-see-what (hidden resumes, consent,
the centre's own registered seekers), asks the backend, and labels facets in the
visitor's language.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from exchange import labels
from exchange.accounts.models import AccountRole
from exchange.auth import Actor, deny, require_scope
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.i18n import get_locale
from exchange.i18n import lazy_gettext as _l
from search import params as search_params
from search.backend import (
    AGE_BANDS,
    PUBLISHED_STEPS,
    RADIUS_STEPS,
    RESUME_EXPERIENCE_STEPS,
    SALARY_STEPS,
    VACANCY_EXPERIENCE_STEPS,
    SearchBackend,
    SearchResult,
)
from search.params import Query, Visibility

SERVICE_KEY = "search"


def make_backend(app: Flask) -> SearchBackend:
    from exchange.app import state

    st = state(app)
    settings = st.settings
    if settings.search_backend == "elasticsearch":
        from search.es_backend import ElasticsearchBackend

        return ElasticsearchBackend(settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX_PREFIX, settings.ELASTICSEARCH_TIMEOUT)
    from search.sql_backend import SqlBackend

    return SqlBackend(st.db)


def get_search(app: Flask | None = None) -> SearchService:
    from flask import current_app

    from exchange.app import state

    app = app or current_app._get_current_object()
    services = state(app).services
    if SERVICE_KEY not in services:
        services[SERVICE_KEY] = SearchService(app, make_backend(app))
    return services[SERVICE_KEY]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


RANGE_ORDER = {
    "min_experience": None, "salary_from": SALARY_STEPS, "salary_to": SALARY_STEPS, "published_since": PUBLISHED_STEPS,
    "radius_km": RADIUS_STEPS, "age": tuple(f"{lo}-{hi}" for lo, hi in AGE_BANDS),
}


class SearchService:
    def __init__(self, app: Flask, backend: SearchBackend) -> None:
        self.app = app
        self.backend = backend

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        from exchange.app import state

        with state(self.app).db.unit_of_work() as session:
            yield session

    # --- who sees which resumes -------------------------------------------------
    def resume_visibility(self, actor: Actor | None) -> Visibility:
        # API keys act for their organisation without a person (exchange.api.keys.actor_for_key).
        if actor is None or (actor.user is None and not actor.is_system and actor.via != "api"):
            raise deny(_l("Sign in as an employer, agency or employment centre to search candidates."))
        if actor.is_admin:
            return Visibility(everything=True)
        require_scope(actor, "resumes:read")
        if actor.role == AccountRole.SEEKER or actor.organisation is None:
            raise deny(_l("Candidate search is for employers, agencies and employment centres."))
        return Visibility(
            public=True,
            centre_id=actor.organisation_id if actor.is_centre_staff else None,
            organisation_id=actor.organisation_id,
            user_id=actor.user_id,
        )

    # --- searches --------------------------------------------------------------
    def parse(self, kind: str, params: Mapping[str, Any]) -> Query:
        with self.session() as session:
            return search_params.parse(session, kind, params)

    def search_vacancies(self, params: Mapping[str, Any], actor: Actor | None = None, ids: Sequence[int] | None = None) -> SearchResult:
        query = self.parse("vacancy", params)
        if ids is not None:
            query.ids = list(ids)
        return self.run(query)

    def search_resumes(self, params: Mapping[str, Any], actor: Actor | None = None, ids: Sequence[int] | None = None) -> SearchResult:
        visibility = self.resume_visibility(actor)
        query = self.parse("resume", params)
        query.visibility = visibility
        if ids is not None:
            query.ids = list(ids)
        return self.run(query)

    def run(self, query: Query) -> SearchResult:
        raw = self.backend.search(query)
        hits = []
        for doc, score, _sort_values in raw.hits:
            hit = dict(doc)
            hit["score"] = round(score, 6) if query.effective_sort == "relevance" else 0.0
            loc = doc.get("location")
            if query.lat is not None and loc:
                hit["distance_km"] = round(haversine_km(query.lat, query.lon, loc["lat"], loc["lon"]), 1)
            hits.append(hit)
        next_cursor = None
        if raw.hits and len(raw.hits) == query.size:
            last = raw.hits[-1][2]
            next_cursor = search_params.encode_cursor(last, query.now)
        return SearchResult(
            total=raw.total,
            hits=hits,
            facets=self.label_facets(raw.facets),
            next_cursor=next_cursor,
            concepts=[self.label_concept(c.as_dict()) for c in query.text.concepts],
        )

    # --- labels ----------------------------------------------------------------
    def _locale(self) -> str:
        try:
            return str(get_locale() or "ru")
        except RuntimeError:  # outside a request (CLI, jobs)
            return "ru"

    def label_concept(self, concept: dict[str, Any]) -> dict[str, Any]:
        locale = self._locale()
        with self.session() as session:
            concept["labels"] = [classifiers.label(session, Scheme.ISCO, code, locale) for code in concept["codes"]]
        return concept

    def label_facets(self, facets: dict[str, list[tuple[str, int]]]) -> dict[str, list[dict[str, Any]]]:
        locale = self._locale()
        out: dict[str, list[dict[str, Any]]] = {}
        with self.session() as session:
            org_names: dict[int, str] = {}
            if facets.get("employer"):
                from search.documents import organisation_names

                org_names = organisation_names(session, [int(v) for v, _ in facets["employer"]])
            for name, buckets in facets.items():
                items = [{"value": value, "count": count, "label": self._label(session, name, value, locale, org_names)}
                         for value, count in buckets]
                if name in RANGE_ORDER:
                    order = RANGE_ORDER[name] or (VACANCY_EXPERIENCE_STEPS + RESUME_EXPERIENCE_STEPS)
                    keys = [str(v) for v in order]
                    items.sort(key=lambda item: keys.index(item["value"]) if item["value"] in keys else len(keys))
                out[name] = items
        return out

    def _label(self, session: Session, facet: str, value: str, locale: str, org_names: dict[int, str]) -> str:
        from flask_babel import format_decimal

        scheme = {"occupation": Scheme.ISCO, "region": Scheme.KATO, "education": Scheme.EDUCATION,
                  "language": Scheme.LANGUAGE, "licence": Scheme.LICENCE}.get(facet)
        if scheme is not None:
            return classifiers.label(session, scheme, value, locale)
        if facet in ("employment_type", "schedule", "working_regime"):
            return labels.label(facet, value)
        if facet == "kind":
            return labels.label("vacancy_kind", value)
        if facet == "employer":
            return org_names.get(int(value), value)
        try:
            if facet == "min_experience":
                months = int(value)
                return str(_l("No experience required")) if months == 0 else str(_l("%(years)s+ years", years=round(months / 12, 1)).replace(".0", ""))
            if facet == "salary_from":
                return str(_l("from %(amount)s ₸", amount=format_decimal(int(value))))
            if facet == "salary_to":
                return str(_l("up to %(amount)s ₸", amount=format_decimal(int(value))))
            if facet == "published_since":
                return str(_l("in the last %(days)s days", days=value)) if value != "1" else str(_l("in the last day"))
            if facet == "radius_km":
                return str(_l("within %(km)s km", km=value))
            if facet == "age":
                return str(_l("%(range)s years", range=value.replace("-", "–")))
        except RuntimeError:  # no app/request context for Babel: plain values
            return value
        if facet in ("with_salary", "accessible", "relocate"):
            return str({"with_salary": _l("With salary"), "accessible": _l("Accessible"), "relocate": _l("Willing to relocate")}[facet])
        return value

    # --- typeahead -------------------------------------------------------------
    def typeahead(self, prefix: str, kind: str = "vacancy", limit: int = 8) -> list[dict[str, Any]]:
        """Titles from the index and occupation concepts, for the search box."""
        from search import concepts

        prefix = (prefix or "").strip()[:60]
        if len(prefix) < 2:
            return []
        locale = self._locale()
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        with self.session() as session:
            for term, codes in concepts.suggest(session, prefix, limit=limit // 2 + 1):
                out.append({"text": term, "type": "occupation", "codes": list(codes),
                            "label": classifiers.label(session, Scheme.ISCO, codes[0], locale)})
                seen.add(term)
        for title in self.backend.suggest_titles(kind, prefix, limit):
            if title not in seen and len(out) < limit:
                out.append({"text": title, "type": "title"})
                seen.add(title)
        return out[:limit]

    # --- matching --------------------------------------------------------------
    def match_candidates(self, vacancy_id: int, actor: Actor, limit: int = 50):
        from search import matching

        return matching.match_candidates(self, vacancy_id, actor, limit)

    def match_vacancies(self, resume_id: int, actor: Actor, limit: int = 50):
        from search import matching

        return matching.match_vacancies(self, resume_id, actor, limit)

