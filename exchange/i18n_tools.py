"""Translation catalogues: extract, update, compile and check (``exchange i18n …``).

Each ``translations`` folder inside a package is a catalogue for the sources under
that package (Python and Jinja templates); ``exchange/translations`` takes every
source no other catalogue covers. Catalogues are kk and ru; English is the source
language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("exchange", "search", "bots", "workers")
TARGET_LOCALES = ("kk", "ru")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
}
METHODS = {".py": "python", ".html": "jinja2.ext:babel_extract", ".txt": "jinja2.ext:babel_extract"}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do", "trimmed": "false"}


@dataclass(frozen=True)
class Domain:
    folder: Path  # the package folder the catalogue belongs to

    @property
    def translations(self) -> Path:
        return self.folder / "translations"

    def po_path(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / "messages.po"


def domains() -> list[Domain]:
    found = {Domain(ROOT / "exchange")}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("translations"):
            if path.is_dir():
                found.add(Domain(path.parent))
    return sorted(found, key=lambda d: len(d.folder.parts), reverse=True)


def sources() -> Iterable[Path]:
    for package in PACKAGES:
        base = ROOT / package
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if path.suffix in METHODS and "translations" not in path.parts and "vendor" not in path.parts:
                yield path


def domain_of(path: Path, all_domains: list[Domain]) -> Domain:
    for domain in all_domains:  # deepest first
        if domain.folder in path.parents and domain.folder != ROOT / "exchange":
            return domain
    return Domain(ROOT / "exchange")


def extract(domain: Domain, all_domains: list[Domain]) -> Catalog:
    template = Catalog(project="Birzha", version="1", charset="utf-8")
    for path in sorted(sources()):
        if domain_of(path, all_domains) != domain:
            continue
        method = METHODS[path.suffix]
        options = JINJA_OPTIONS if method != "python" else {}
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS, options=options):
            template.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments, context=context)
    return template


def update(domain: Domain, all_domains: list[Domain]) -> dict[str, int]:
    """Refresh the kk and ru catalogues of one domain from its sources; returns untranslated counts."""
    template = extract(domain, all_domains)
    missing = {}
    for locale in TARGET_LOCALES:
        po_path = domain.po_path(locale)
        if po_path.exists():
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            catalog = Catalog(locale=locale, project="Birzha", version="1", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
        po_path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)
        po_path.write_bytes(buffer.getvalue())
        missing[locale] = sum(1 for m in catalog if m.id and not _translated(m))
    return missing


def _translated(message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def compile_all() -> int:
    count = 0
    for domain in domains():
        for locale in TARGET_LOCALES:
            po_path = domain.po_path(locale)
            if not po_path.exists():
                continue
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            with po_path.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            count += 1
    return count


def untranslated() -> dict[str, list[str]]:
    """Every message in the sources without a kk or ru translation: ``{"kk:path": [msgid, …]}``."""
    all_domains = domains()
    problems: dict[str, list[str]] = {}
    for domain in all_domains:
        template = extract(domain, all_domains)
        for locale in TARGET_LOCALES:
            po_path = domain.po_path(locale)
            catalog = None
            if po_path.exists():
                with po_path.open("rb") as fh:
                    catalog = read_po(fh, locale=locale)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, message.context) if catalog is not None else None
                if found is None or not _translated(found) or found.fuzzy:
                    key = f"{locale}:{domain.translations.relative_to(ROOT)}"
                    problems.setdefault(key, []).append(message.id if isinstance(message.id, str) else message.id[0])
    return problems


def stale_mo_files() -> list[str]:
    """Compiled catalogues older than their .po (someone forgot ``exchange i18n compile``)."""
    stale = []
    for domain in domains():
        for locale in TARGET_LOCALES:
            po_path = domain.po_path(locale)
            mo_path = po_path.with_suffix(".mo")
            if po_path.exists() and (not mo_path.exists() or _mo_differs(po_path, mo_path, locale)):
                stale.append(str(mo_path.relative_to(ROOT)))
    return stale


def _mo_differs(po_path: Path, mo_path: Path, locale: str) -> bool:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue() != mo_path.read_bytes()
