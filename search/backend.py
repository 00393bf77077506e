"""What every search backend provides, and the result types they return.

Two implementations pass one contract suite (tests/search/test_contract.py):
:mod:`search.es_backend` (Elasticsearch 8, core features only) and
:mod:`search.sql_backend` (SQLite FTS5, or PostgreSQL full-text search).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from search.params import Query

# Facets every search returns (vacancies / resumes); values are what the filter takes.
VACANCY_FACETS = (
    "occupation", "region", "employment_type", "schedule", "working_regime", "min_experience", "education",
    "language", "licence", "accessible", "kind", "employer", "with_salary", "salary_from", "published_since", "radius_km",
)
RESUME_FACETS = (
    "occupation", "region", "employment_type", "schedule", "working_regime", "min_experience", "education",
    "language", "licence", "with_salary", "salary_to", "relocate", "age", "published_since", "radius_km",
)
TERM_FACET_FIELDS = {
    "occupation": "occupation_code", "region": "region_code", "employment_type": "employment_type",
    "schedule": "schedule", "working_regime": "working_regime", "education": "education_level",
    "kind": "kind", "employer": "organisation_id",
}
MULTI_FACET_FIELDS = {"language": "languages", "licence": "licences"}
TERM_FACET_SIZE = 30
# Cumulative range facets: each value counts documents the filter with that value would keep.
VACANCY_EXPERIENCE_STEPS = (0, 12, 36, 72)  # "requires at most N months"
RESUME_EXPERIENCE_STEPS = (0, 12, 36, 72, 120)  # "has at least N months"
SALARY_STEPS = (100_000, 200_000, 300_000, 500_000, 1_000_000)
PUBLISHED_STEPS = (1, 3, 7, 30)  # days
RADIUS_STEPS = (5, 10, 25, 50, 100)  # km
AGE_BANDS = ((14, 24), (25, 34), (35, 44), (45, 54), (55, 100))
KM_PER_DEGREE = 111.195


@dataclass
class SearchResult:
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_cursor: str | None = None
    concepts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RawResult:
    """What a backend answers before the service adds labels and visibility details."""

    total: int
    hits: list[tuple[dict[str, Any], float, list[Any]]]  # (document, score, sort values)
    facets: dict[str, list[tuple[str, int]]]


@dataclass
class CheckReport:
    kind: str
    expected: int
    indexed: int
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphans: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphans)


class SearchBackend(abc.ABC):
    name: str

    @abc.abstractmethod
    def ensure(self) -> None:
        """Create the index (or tables) if it does not exist yet."""

    @abc.abstractmethod
    def apply(self, kind: str, docs: Iterable[tuple[int, int, dict[str, Any] | None]]) -> int:
        """Upsert documents / remove records in bulk: (id, version, document or None to remove).

        The version is the row's version; an older version never overwrites a newer one.
        Returns how many operations took effect.
        """

    @abc.abstractmethod
    def search(self, query: Query) -> RawResult: ...

    @abc.abstractmethod
    def versions(self, kind: str) -> dict[int, int]:
        """id → version of every document in the (read) index."""

    @abc.abstractmethod
    def rebuild(self, kind: str, batches: Iterable[list[tuple[int, int, dict[str, Any]]]], expected: int, force: bool) -> dict[str, Any]:
        """Build a fresh index from ``batches`` and switch readers to it if the count is sane."""

    @abc.abstractmethod
    def suggest_titles(self, kind: str, prefix: str, limit: int) -> list[str]: ...

    @abc.abstractmethod
    def get_documents(self, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]: ...

    def reset(self) -> None:
        """Drop every index of this app (tests and `reindex --from-scratch`)."""
        raise NotImplementedError
