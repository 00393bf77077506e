"""Loading classifiers from the data files and answering look-ups from a small cache."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.classifiers.models import ClassifierItem, Scheme

DATA_DIR = Path(__file__).parent / "data"

# scheme -> (file, column mapping); names fall back to English where a file has no translation.
_FILES: dict[Scheme, str] = {
    Scheme.KATO: "kato.csv",
    Scheme.ISCO: "isco08.csv",
    Scheme.EDUCATION: "education_levels.csv",
    Scheme.LANGUAGE: "languages.csv",
    Scheme.LANGUAGE_LEVEL: "language_levels.csv",
    Scheme.LICENCE: "driving_licences.csv",
}


def _float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def read_rows(scheme: Scheme, data_dir: Path = DATA_DIR) -> list[dict]:
    path = data_dir / _FILES[scheme]
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for index, raw in enumerate(csv.DictReader(fh)):
            name_en = raw.get("name_en") or raw.get("title_en") or raw["code"]
            rows.append(
                {
                    "scheme": scheme.value,
                    "code": raw["code"],
                    "parent_code": raw.get("parent_code") or None,
                    "level": int(raw.get("level") or 1),
                    "rank": int(raw["rank"]) if raw.get("rank") else index,
                    "name_en": name_en,
                    "name_ru": raw.get("name_ru") or name_en,
                    "name_kk": raw.get("name_kk") or raw.get("name_ru") or name_en,
                    "lat": _float(raw.get("center_lat")),
                    "lon": _float(raw.get("center_lon")),
                }
            )
    return rows


def load_classifiers(session: Session, schemes: Iterable[Scheme] = tuple(Scheme), data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Insert or update every classifier item from the data files; returns counts per scheme.

    Items missing from a file are kept (records may still point at them) — classifiers
    only grow or get renamed here.
    """
    counts: dict[str, int] = {}
    for scheme in schemes:
        rows = read_rows(scheme, data_dir)
        existing = {
            item.code: item
            for item in session.scalars(sa.select(ClassifierItem).where(ClassifierItem.scheme == scheme.value))
        }
        for row in rows:
            item = existing.get(row["code"])
            if item is None:
                session.add(ClassifierItem(**row))
            else:
                for key, value in row.items():
                    setattr(item, key, value)
        counts[scheme.value] = len(rows)
    session.flush()
    CACHE.clear()
    return counts


@dataclass(frozen=True)
class Entry:
    code: str
    parent_code: str | None
    level: int
    rank: int
    name_kk: str
    name_ru: str
    name_en: str
    lat: float | None
    lon: float | None

    def name(self, locale: str) -> str:
        return {"kk": self.name_kk, "ru": self.name_ru}.get(locale, self.name_en)


class ClassifierCache:
    """Per-process copy of the (small, rarely changing) classifier tables."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Entry]] = {}

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def scheme(self, session: Session, scheme: Scheme | str) -> dict[str, Entry]:
        key = Scheme(scheme).value
        data = self._data.get(key)
        if data is None:
            items = session.scalars(
                sa.select(ClassifierItem).where(ClassifierItem.scheme == key).order_by(ClassifierItem.rank, ClassifierItem.code)
            )
            data = {
                i.code: Entry(i.code, i.parent_code, i.level, i.rank, i.name_kk, i.name_ru, i.name_en, i.lat, i.lon)
                for i in items
            }
            with self._lock:
                self._data[key] = data
        return data


CACHE = ClassifierCache()


def get(session: Session, scheme: Scheme | str, code: str | None) -> Entry | None:
    if code is None:
        return None
    return CACHE.scheme(session, scheme).get(code)


def exists(session: Session, scheme: Scheme | str, code: str | None) -> bool:
    return get(session, scheme, code) is not None


def label(session: Session, scheme: Scheme | str, code: str | None, locale: str) -> str:
    entry = get(session, scheme, code)
    return entry.name(locale) if entry else (code or "")


def choices(session: Session, scheme: Scheme | str, locale: str, level: int | None = None) -> list[tuple[str, str]]:
    items = CACHE.scheme(session, scheme).values()
    return [(e.code, e.name(locale)) for e in items if level is None or e.level == level]


def descendants(session: Session, scheme: Scheme | str, code: str, include_self: bool = True) -> set[str]:
    """Every code under ``code`` in the hierarchy (ISCO group → unit groups, region → districts)."""
    items = CACHE.scheme(session, scheme)
    children: dict[str | None, list[str]] = {}
    for entry in items.values():
        children.setdefault(entry.parent_code, []).append(entry.code)
    found, stack = set(), [code]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, ()))
    if not include_self:
        found.discard(code)
    return found


def region_of(session: Session, kato_code: str | None) -> str | None:
    """The level-1 region (oblast or city of republican significance) containing a KATO code."""
    entry = get(session, Scheme.KATO, kato_code)
    while entry is not None and entry.parent_code:
        entry = get(session, Scheme.KATO, entry.parent_code)
    return entry.code if entry else None


def region_centre(session: Session, kato_code: str | None) -> tuple[float, float] | None:
    region = get(session, Scheme.KATO, region_of(session, kato_code))
    if region is None or region.lat is None or region.lon is None:
        return None
    return region.lat, region.lon
