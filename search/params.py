"""Search parameters: parsed and checked once, the same for the portal, the API and the bot.

Every problem is reported against the parameter's name (``ValidationFailed``), so a
typo in a code gives a 400/422 that says which parameter is wrong, never a silently
empty result. Codes are expanded here (an ISCO group to its unit groups, a region to
its districts), so the backends only see plain sets of values.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import utcnow
from exchange.errors import ValidationFailed
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation, OrganisationKind
from exchange.timeutil import ALMATY
from exchange.vacancies.models import EmploymentType, Schedule, VacancyKind, WorkingRegime
from search import concepts, text

MAX_SIZE = 100
DEFAULT_SIZE = 20
SORTS = ("relevance", "date", "salary", "distance")
RESUME_STATUSES = ("active", "hidden", "departed")
LIST_PARAMS = ("occupation", "region", "employment_type", "schedule", "working_regime", "education", "language", "licence", "kind", "employer")
TRUE = {"1", "true", "yes", "on", "y"}
FALSE = {"0", "false", "no", "off", "n", ""}


@dataclass
class Clause:
    """One required part of the free text: words that must all appear, or a recognised concept."""

    words: list[str]  # stems (SQL) are derived by the backend from these surface words
    phrase: bool = False
    codes: tuple[str, ...] = ()  # a concept: the occupation codes that satisfy the clause too


@dataclass
class TextQuery:
    raw: str = ""
    must: list[Clause] = field(default_factory=list)
    must_not: list[Clause] = field(default_factory=list)
    concepts: list[concepts.Concept] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.must and not self.must_not

    @property
    def positive_words(self) -> list[str]:
        return [w for c in self.must for w in c.words]


@dataclass
class Query:
    """A validated search, ready for a backend."""

    kind: str  # "vacancy" | "resume"
    text: TextQuery
    occupation: set[str] | None = None
    kato: set[str] | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    salary_from: int | None = None
    salary_to: int | None = None
    with_salary: bool = False
    employment_type: set[str] | None = None
    schedule: set[str] | None = None
    working_regime: set[str] | None = None
    min_experience: int | None = None
    education: set[str] | None = None
    language: set[str] | None = None
    licence: set[str] | None = None
    licence_all: set[str] | None = None  # matching: every one of these (vacancy's requirements)
    licence_within: set[str] | None = None  # matching: the doc needs nothing outside these
    accessible: bool = False
    kind_values: set[str] | None = None
    employer: set[int] | None = None
    published_since: dt.datetime | None = None
    # resumes
    age_from: int | None = None
    age_to: int | None = None
    available_by: dt.date | None = None
    relocate: bool = False
    status: str = "active"
    region_or_relocate: set[str] | None = None  # matching: in these places, or willing to move
    visibility: Visibility | None = None
    ids: list[int] | None = None
    sort: str = "relevance"
    size: int = DEFAULT_SIZE
    after: list[Any] | None = None
    now: dt.datetime = field(default_factory=utcnow)
    facets: bool = True

    @property
    def effective_sort(self) -> str:
        return "date" if self.sort == "relevance" and self.text.empty else self.sort


@dataclass
class Visibility:
    """Which resume documents an actor may see (hidden ones only for their owner and centre)."""

    everything: bool = False
    public: bool = True
    centre_id: int | None = None  # centre staff: their registered seekers, consented or not
    organisation_id: int | None = None  # the agency/centre that brought the resume
    user_id: int | None = None  # the seeker themself


def _err(name: str, message) -> ValidationFailed:
    return ValidationFailed({name: [message]})


def _one(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _many(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name)
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple, set)):
        raw = [raw]
    out: list[str] = []
    for item in raw:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    if len(out) > 50:
        raise _err(name, _l("Give at most 50 values."))
    return out


def _int(params, name, minimum: int, maximum: int) -> int | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise _err(name, _l("Enter a whole number.")) from None
    if not minimum <= number <= maximum:
        raise _err(name, _l("Enter a number from %(min)s to %(max)s.", min=minimum, max=maximum))
    return number


def _float(params, name, minimum: float, maximum: float) -> float | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise _err(name, _l("Enter a number.")) from None
    if number != number or not minimum <= number <= maximum:  # NaN fails the first test
        raise _err(name, _l("Enter a number from %(min)s to %(max)s.", min=minimum, max=maximum))
    return number


def _bool(params, name) -> bool:
    value = _one(params, name)
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = str(value).lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise _err(name, _l("Use true or false."))


def _enum(params, name, allowed: Sequence[str]) -> set[str] | None:
    values = _many(params, name)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise _err(name, _l("Unknown value %(value)s; use one of: %(choices)s.", value=bad[0], choices=", ".join(allowed)))
    return set(values) or None


def _codes(session: Session, params, name: str, scheme: Scheme, expand: bool = True) -> set[str] | None:
    values = _many(params, name)
    if not values:
        return None
    out: set[str] = set()
    for code in values:
        if not classifiers.exists(session, scheme, code):
            raise _err(name, _l("Unknown code %(code)s.", code=code))
        out |= classifiers.descendants(session, scheme, code) if expand else {code}
    return out


def _date(params, name) -> dt.date | None:
    value = _one(params, name)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _err(name, _l("Enter a date as YYYY-MM-DD.")) from None


def _since(params, name) -> dt.datetime | None:
    value = _one(params, name)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    raw = str(value)
    if re.fullmatch(r"\d{1,3}", raw):  # "7" = the last seven days (the page's quick choices)
        return utcnow() - dt.timedelta(days=int(raw))
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise _err(name, _l("Enter a date as YYYY-MM-DD or a number of days.")) from None
    if parsed.tzinfo is None:
        # A plain date or local time means Almaty time, like every date a person types here.
        return parsed.replace(tzinfo=ALMATY).astimezone(dt.UTC)
    return parsed.astimezone(dt.UTC)


def encode_cursor(values: list[Any], now: dt.datetime) -> str:
    payload = json.dumps({"s": values, "t": now.isoformat()}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> tuple[list[Any], dt.datetime] | None:
    if not raw:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        values, now = data["s"], dt.datetime.fromisoformat(data["t"])
        if not isinstance(values, list) or not values or now.tzinfo is None:
            raise ValueError
        if not all(v is None or isinstance(v, (int, float, str)) for v in values):
            raise ValueError
        return values, now
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _err("cursor", _l("This page link is broken; start the search again.")) from None


def parse_text(session: Session, raw: str | None) -> TextQuery:
    """``"exact phrase"``, ``+must``, ``-exclude``; other words are required too, and a
    recognised occupation phrase is satisfied by the words or by the occupation code."""
    raw = (raw or "").strip()
    if len(raw) > 200:
        raise _err("q", _l("Use at most %(max)s characters.", max=200))
    query = TextQuery(raw=raw)
    plain: list[str] = []
    for match in re.finditer(r'([+-]?)"([^"]*)"|([+-]?)(\S+)', raw):
        sign = match.group(1) or match.group(3)
        body = match.group(2) if match.group(2) is not None else match.group(4)
        found = text.words(body)
        if not found:
            continue
        is_phrase = match.group(2) is not None and len(found) > 1
        if sign == "-":
            query.must_not.append(Clause(found, phrase=is_phrase))
        elif is_phrase or sign == "+":
            query.must.append(Clause(found, phrase=is_phrase))
        else:
            plain.extend(found)
    recognised = concepts.recognise(session, plain)
    query.concepts = recognised
    covered: set[int] = set()
    for concept in recognised:
        covered.update(range(concept.start, concept.start + concept.length))
        query.must.append(Clause(plain[concept.start : concept.start + concept.length], codes=concept.codes))
    for i, word in enumerate(plain):
        if i not in covered:
            query.must.append(Clause([word]))
    return query


def _employers(session: Session, params) -> set[int] | None:
    values = _many(params, "employer")
    if not values:
        return None
    try:
        ids = {int(v) for v in values}
    except ValueError:
        raise _err("employer", _l("Give employer ids as numbers.")) from None
    known = set(session.scalars(sa.select(Organisation.id).where(Organisation.id.in_(ids), Organisation.kind == OrganisationKind.EMPLOYER)))
    if ids - known:
        raise _err("employer", _l("Unknown employer %(code)s.", code=min(ids - known)))
    return ids


def parse(session: Session, kind: str, params: Mapping[str, Any]) -> Query:
    """Validate ``params`` for a vacancy or resume search; raise ValidationFailed naming the parameter."""
    q = Query(kind=kind, text=parse_text(session, _one(params, "q")))
    q.occupation = _codes(session, params, "occupation", Scheme.ISCO)
    q.kato = _codes(session, params, "region", Scheme.KATO)
    q.lat = _float(params, "lat", -90, 90)
    q.lon = _float(params, "lon", -180, 180)
    q.radius_km = _float(params, "radius_km", 0.1, 2000)
    if (q.lat is None) != (q.lon is None):
        raise _err("lon" if q.lon is None else "lat", _l("Give both latitude and longitude."))
    if q.radius_km is not None and q.lat is None:
        raise _err("radius_km", _l("A radius needs a point: give lat and lon."))
    q.salary_from = _int(params, "salary_from", 0, 100_000_000)
    q.salary_to = _int(params, "salary_to", 0, 100_000_000)
    if q.salary_from is not None and q.salary_to is not None and q.salary_from > q.salary_to:
        raise _err("salary_to", _l("The upper bound is below the lower bound."))
    q.with_salary = _bool(params, "with_salary")
    q.employment_type = _enum(params, "employment_type", [e.value for e in EmploymentType])
    q.schedule = _enum(params, "schedule", [e.value for e in Schedule])
    q.working_regime = _enum(params, "working_regime", [e.value for e in WorkingRegime])
    q.min_experience = _int(params, "min_experience", 0, 720)
    q.education = _codes(session, params, "education", Scheme.EDUCATION, expand=False)
    q.language = _codes(session, params, "language", Scheme.LANGUAGE, expand=False)
    q.licence = _codes(session, params, "licence", Scheme.LICENCE, expand=False)
    q.accessible = _bool(params, "accessible")
    if kind == "vacancy":
        q.kind_values = _enum(params, "kind", [e.value for e in VacancyKind])
        q.employer = _employers(session, params)
        q.published_since = _since(params, "published_since")
    else:
        q.published_since = _since(params, "published_since")
        q.age_from = _int(params, "age_from", 14, 100)
        q.age_to = _int(params, "age_to", 14, 100)
        if q.age_from is not None and q.age_to is not None and q.age_from > q.age_to:
            raise _err("age_to", _l("The upper bound is below the lower bound."))
        q.available_by = _date(params, "available_by")
        q.relocate = _bool(params, "relocate")
        status = _one(params, "status") or "active"
        if status not in RESUME_STATUSES:
            raise _err("status", _l("Unknown value %(value)s; use one of: %(choices)s.", value=status, choices=", ".join(RESUME_STATUSES)))
        q.status = status
    sort = _one(params, "sort") or "relevance"
    if sort not in SORTS:
        raise _err("sort", _l("Unknown value %(value)s; use one of: %(choices)s.", value=sort, choices=", ".join(SORTS)))
    if sort == "distance" and q.lat is None:
        raise _err("sort", _l("Sorting by distance needs a point: give lat and lon."))
    q.sort = sort
    q.size = _int(params, "size", 1, MAX_SIZE) or DEFAULT_SIZE
    cursor = decode_cursor(_one(params, "cursor"))
    if cursor is not None:
        q.after, q.now = cursor
        if len(q.after) != sort_width(q):
            raise _err("cursor", _l("This page link is broken; start the search again."))
    return q


def sort_width(q: Query) -> int:
    """How many values a cursor carries: the sort key(s) and the id tie-breaker."""
    return 2
