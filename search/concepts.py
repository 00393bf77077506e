"""Occupation concepts: words people type (kk/ru/en) → ISCO-08 unit groups, as JobTech does.

The dictionary is ``exchange/classifiers/data/occupation_terms.csv`` (term, lang,
isco_code) plus the classifier's own kk/ru/en titles of the unit groups. A query is
scanned for the longest known phrases (by stems, so "водителя" finds "водитель");
each recognised concept expands to its codes, and the result lists what was
recognised so the page can say "searching for occupation …".
"""

from __future__ import annotations

import csv
import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from search import text

TERMS_FILE = Path(classifiers.DATA_DIR) / "occupation_terms.csv"
MAX_PHRASE = 5


@dataclass(frozen=True)
class Concept:
    """One recognised occupation phrase in a query."""

    term: str  # the words as typed in the query
    codes: tuple[str, ...]  # ISCO unit groups it stands for
    start: int  # position of the first word in the query's word list
    length: int

    def as_dict(self) -> dict:
        return {"term": self.term, "codes": list(self.codes)}


@dataclass
class Dictionary:
    by_stems: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    # Lower-cased surface terms for typeahead: (term, lang, codes).
    surface: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def add(self, term: str, lang: str, code: str) -> None:
        key = tuple(text.stems(term))
        if not key or len(key) > MAX_PHRASE:
            return
        self.by_stems.setdefault(key, set()).add(code)
        self.surface.append((text.normalise(term), lang, (code,)))


_lock = threading.Lock()
_cache: dict[str, Dictionary] = {}


def dictionary(session: Session) -> Dictionary:
    """Built once per process from the terms file and the ISCO titles (a few thousand entries)."""
    cached = _cache.get("d")
    if cached is not None:
        return cached
    built = Dictionary()
    if TERMS_FILE.exists():
        with TERMS_FILE.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                built.add(row["term"], row["lang"], row["isco_code"])
    for entry in classifiers.CACHE.scheme(session, Scheme.ISCO).values():
        if entry.level == 4:
            for lang, name in (("kk", entry.name_kk), ("ru", entry.name_ru), ("en", entry.name_en)):
                if name and len(text.words(name)) <= MAX_PHRASE:
                    built.add(name, lang, entry.code)
    if built.by_stems:  # an empty classifier table (before `classifiers load`) is not cached
        with _lock:
            _cache["d"] = built
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def recognise(session: Session, query_words: list[str]) -> list[Concept]:
    """Longest-first, left-to-right recognition of occupation phrases among the query's words."""
    d = dictionary(session)
    query_stems = [text.stem(w) for w in query_words]
    found: list[Concept] = []
    i = 0
    while i < len(query_stems):
        for length in range(min(MAX_PHRASE, len(query_stems) - i), 0, -1):
            codes = d.by_stems.get(tuple(query_stems[i : i + length]))
            if codes:
                found.append(Concept(" ".join(query_words[i : i + length]), tuple(sorted(codes)), i, length))
                i += length
                break
        else:
            i += 1
    return found


def suggest(session: Session, prefix: str, limit: int = 8) -> list[tuple[str, tuple[str, ...]]]:
    """Occupation terms starting with ``prefix`` (typeahead), shortest first."""
    prefix = text.normalise(prefix.strip())
    if len(prefix) < 2:
        return []
    seen: dict[str, set[str]] = {}
    for term, _lang, codes in dictionary(session).surface:
        if term.startswith(prefix) or f" {prefix}" in term:
            seen.setdefault(term, set()).update(codes)
    ordered = sorted(seen.items(), key=lambda item: (not item[0].startswith(prefix), len(item[0]), item[0]))
    return [(term, tuple(sorted(codes))) for term, codes in ordered[:limit]]


@functools.lru_cache(maxsize=4096)
def isco_path(code: str | None) -> tuple[str, ...]:
    """Major, sub-major, minor and unit group of a 4-digit ISCO code (the code's prefixes)."""
    if not code:
        return ()
    return tuple(code[:n] for n in range(1, len(code) + 1))
