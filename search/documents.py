"""Index documents: one serializer per record type, used by every backend and by reindex.

A document is plain JSON-able data built from the database row (the source of truth).
``None`` from :func:`vacancy_document` / :func:`resume_document` means "this record
must not be in the index" (draft, closed, archived, expired, unpublished), so sync,
reindex and check all agree on what belongs there.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.db import id_in, utcnow
from exchange.organisations.models import Organisation
from exchange.resumes.models import EducationEntry, Resume, Visibility, WorkHistoryEntry
from exchange.seekers.models import Registration, SeekerProfile
from exchange.vacancies.models import Vacancy, VacancyStatus

KINDS = ("vacancy", "resume")


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


MEMO_KEY = "search_documents_memo"


def _memo(session: Session, key: tuple, compute):
    """Classifier-derived values repeat across a batch (a few hundred codes for thousands of
    rows): compute each once per session (one unit of work, i.e. one batch), or once per
    rebuild when :func:`build` is handed a memo that outlives its batches."""
    memo = session.info.setdefault(MEMO_KEY, {})
    try:
        return memo[key]
    except KeyError:
        memo[key] = value = compute()
        return value


def _names(session: Session, scheme: Scheme, code: str | None) -> list[str]:
    """Every language's name of a code and of its parents (searchable place and occupation words)."""

    def compute() -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        entry = classifiers.get(session, scheme, code)
        while entry is not None and entry.code not in seen:
            seen.add(entry.code)
            out.extend(n for n in (entry.name_kk, entry.name_ru, entry.name_en) if n)
            entry = classifiers.get(session, scheme, entry.parent_code) if entry.parent_code else None
        return out

    return _memo(session, ("names", scheme, code), compute)


def _occupation_names(session: Session, code: str | None) -> list[str]:
    def compute() -> list[str]:
        entry = classifiers.get(session, Scheme.ISCO, code)
        return [n for n in (entry.name_kk, entry.name_ru, entry.name_en) if n] if entry else []

    return _memo(session, ("occupation", code), compute)


def _extra(session: Session, occupation_code: str | None, kato_code: str | None) -> str:
    """Occupation names and place names (with parents) in every language, as one searchable text.
    Each half is memoised by its own code: pairs of codes hardly repeat within a batch."""
    occupation = _memo(session, ("occupation_text", occupation_code), lambda: " ".join(_occupation_names(session, occupation_code)))
    place = _memo(session, ("place_text", kato_code), lambda: " ".join(_names(session, Scheme.KATO, kato_code)))
    return f"{occupation} {place}" if occupation and place else occupation or place


def _region_of(session: Session, kato_code: str | None) -> str | None:
    return _memo(session, ("region", kato_code), lambda: classifiers.region_of(session, kato_code))


def _education_rank(session: Session, code: str | None) -> int | None:
    def compute() -> int | None:
        entry = classifiers.get(session, Scheme.EDUCATION, code)
        return entry.rank if entry else None

    return _memo(session, ("education", code), compute)


def _point(lat: float | None, lon: float | None) -> dict[str, float] | None:
    return {"lat": lat, "lon": lon} if lat is not None and lon is not None else None


def vacancy_document(session: Session, vacancy: Vacancy, org_name: str | None = None) -> dict[str, Any] | None:
    if vacancy.status != VacancyStatus.PUBLISHED:
        return None
    salary_values = [v for v in (vacancy.salary_from, vacancy.salary_to) if v]
    return {
        "id": vacancy.id,
        "version": vacancy.version,
        "title": vacancy.title,
        "description": "\n".join(p for p in (vacancy.description, vacancy.qualification) if p),
        "skills": list(vacancy.skills or []),
        "extra": " ".join([org_name or "", _extra(session, vacancy.occupation_code, vacancy.kato_code)]),
        "occupation_code": vacancy.occupation_code,
        "kato_code": vacancy.kato_code,
        "region_code": _region_of(session, vacancy.kato_code),
        "location": _point(vacancy.lat, vacancy.lon),
        "salary_from": vacancy.salary_from,
        "salary_to": vacancy.salary_to,
        "salary_min": min(salary_values) if salary_values else None,
        "salary_max": max(salary_values) if salary_values else None,
        "has_salary": bool(salary_values),
        "employment_type": vacancy.employment_type.value,
        "schedule": vacancy.schedule.value,
        "working_regime": vacancy.working_regime.value,
        "min_experience_months": vacancy.min_experience_months or 0,
        "education_level": vacancy.education_level,
        "education_rank": _education_rank(session, vacancy.education_level),
        "languages": sorted({lang["code"] for lang in vacancy.languages or []}),
        "language_levels": list(vacancy.languages or []),
        "licences": sorted(set(vacancy.driving_licences or [])),
        "accessible": bool(vacancy.accessible),
        "health_restrictions": bool((vacancy.health_restrictions or "").strip()),
        "kind": vacancy.kind.value,
        "organisation_id": vacancy.organisation_id,
        "published_at": _iso(vacancy.published_at),
    }


def resume_indexable(resume: Resume, now: dt.datetime) -> bool:
    """Published, not archived, not expired; hidden ones stay for their owner and centre."""
    return (
        resume.visibility != Visibility.ARCHIVED
        and resume.published_at is not None
        and (resume.expires_at is None or resume.expires_at > now)
    )


def resume_document(
    session: Session, resume: Resume, centre_id: int | None = None, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    now = now or utcnow()
    if not resume_indexable(resume, now):
        return None
    seeker: SeekerProfile = resume.seeker
    return {
        "id": resume.id,
        "version": resume.version,
        "title": resume.title,
        "description": "\n".join(
            [resume.about or "", *(f"{w.position} {w.description or ''}" for w in resume.work_history),
             *(f"{e.institution} {e.speciality or ''}" for e in resume.education)]
        ),
        "skills": list(resume.skills or []),
        "extra": _extra(session, resume.occupation_code, resume.kato_code),
        "occupation_code": resume.occupation_code,
        "kato_code": resume.kato_code,
        "region_code": _region_of(session, resume.kato_code),
        "location": _point(resume.lat, resume.lon),
        "salary_min": resume.desired_salary,
        "salary_max": resume.desired_salary,
        "has_salary": resume.desired_salary is not None,
        "employment_type": resume.desired_employment_type,
        "schedule": resume.desired_schedule,
        "working_regime": resume.desired_working_regime,
        "experience_months": resume.experience_months or 0,
        "education_level": resume.education_level,
        "education_rank": _education_rank(session, resume.education_level),
        "languages": sorted({lang["code"] for lang in resume.languages or []}),
        "language_levels": list(resume.languages or []),
        "licences": sorted(set(resume.driving_licences or [])),
        "accessibility_needs": bool((resume.accessibility_needs or "").strip()) or bool(seeker.has_disability),
        "willing_to_relocate": bool(resume.willing_to_relocate),
        "available_from": _iso(resume.available_from),
        "birth_date": _iso(seeker.birth_date),
        "visibility": resume.visibility.value,
        "consent": seeker.consent_publish_at is not None,
        "departed": seeker.departed_at is not None,
        "seeker_id": seeker.id,
        "owner_user_id": seeker.user_id,
        "centre_id": centre_id,
        "source_organisation_id": resume.source_organisation_id,
        "published_at": _iso(resume.published_at),
        "expires_at": _iso(resume.expires_at),
    }


# Rebuilds serialise a million rows: reading plain rows (attribute access like the models,
# which is all the serializers use) is several times cheaper than building ORM objects, and
# reading only the columns the serializers use saves converting the rest (timestamps, JSON).
# tests/search/test_documents.py checks these lists against documents built from the models.
VACANCY_FIELDS = (
    "id", "version", "status", "title", "description", "qualification", "skills", "occupation_code", "kato_code",
    "lat", "lon", "salary_from", "salary_to", "employment_type", "schedule", "working_regime", "min_experience_months",
    "education_level", "languages", "driving_licences", "accessible", "health_restrictions", "kind", "organisation_id",
    "published_at",
)
RESUME_FIELDS = (
    "id", "version", "seeker_id", "visibility", "title", "about", "skills", "occupation_code", "kato_code", "lat", "lon",
    "desired_salary", "desired_employment_type", "desired_schedule", "desired_working_regime", "experience_months",
    "education_level", "languages", "driving_licences", "accessibility_needs", "willing_to_relocate", "available_from",
    "source_organisation_id", "published_at", "expires_at",
)
SEEKER_FIELDS = ("id", "user_id", "birth_date", "has_disability", "consent_publish_at", "departed_at")


def _columns(model: Any, names: tuple[str, ...]) -> list[sa.Column]:
    return [model.__table__.c[name] for name in names]


def load_vacancies(session: Session, ids: list[int]) -> dict[int, Any]:
    session.flush()  # plain-row reads do not autoflush
    table = Vacancy.__table__
    rows = session.execute(sa.select(*_columns(Vacancy, VACANCY_FIELDS)).where(id_in(session, table.c.id, ids))).all()
    return {v.id: v for v in rows}


def load_resumes(session: Session, ids: list[int]) -> dict[int, Any]:
    """Resumes with ``seeker``, ``work_history`` and ``education`` attached, as the model has them."""
    session.flush()
    table = Resume.__table__
    resumes = session.execute(sa.select(*_columns(Resume, RESUME_FIELDS)).where(id_in(session, table.c.id, ids))).all()
    seeker_table = SeekerProfile.__table__
    seekers = {
        row.id: row for row in session.execute(
            sa.select(*_columns(SeekerProfile, SEEKER_FIELDS))
            .where(id_in(session, seeker_table.c.id, list({r.seeker_id for r in resumes})))
        )
    }
    work, study = WorkHistoryEntry.__table__, EducationEntry.__table__
    history: dict[int, list[Any]] = {}
    for row in session.execute(
        sa.select(work.c.resume_id, work.c.position, work.c.description)
        .where(id_in(session, work.c.resume_id, ids)).order_by(work.c.start_date.desc(), work.c.id)
    ):
        history.setdefault(row.resume_id, []).append(row)
    education: dict[int, list[Any]] = {}
    for row in session.execute(
        sa.select(study.c.resume_id, study.c.institution, study.c.speciality)
        .where(id_in(session, study.c.resume_id, ids)).order_by(study.c.graduation_year.desc(), study.c.id)
    ):
        education.setdefault(row.resume_id, []).append(row)
    return {
        r.id: SimpleNamespace(**r._mapping, seeker=seekers[r.seeker_id], work_history=history.get(r.id, []),
                              education=education.get(r.id, []))
        for r in resumes
    }


def open_centres(session: Session, seeker_ids: list[int]) -> dict[int, int]:
    """The centre where each seeker is registered right now."""
    rows = session.execute(
        sa.select(Registration.seeker_id, Registration.centre_id).where(
            id_in(session, Registration.seeker_id, seeker_ids), Registration.deregistered_at.is_(None)
        )
    )
    return dict(rows.all())


def organisation_names(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(sa.select(Organisation.id, Organisation.name).where(id_in(session, Organisation.id, ids))).all())


def build(
    session: Session, kind: str, ids: list[int], now: dt.datetime | None = None, memo: dict[tuple, Any] | None = None
) -> dict[int, dict[str, Any] | None]:
    """Documents for ``ids`` (None for records that are gone or must leave the index).

    ``memo`` carries classifier-derived values from one batch to the next (a rebuild passes one
    dict for all its batches; classifiers do not change under it in a way a rebuild must see)."""
    if memo is not None:
        session.info[MEMO_KEY] = memo
    out: dict[int, dict[str, Any] | None] = {i: None for i in ids}
    if not ids:
        return out
    if kind == "vacancy":
        rows = load_vacancies(session, ids)
        names = organisation_names(session, list({v.organisation_id for v in rows.values()}))
        for vid, vacancy in rows.items():
            out[vid] = vacancy_document(session, vacancy, names.get(vacancy.organisation_id))
    else:
        rows = load_resumes(session, ids)
        centres = open_centres(session, list({r.seeker_id for r in rows.values()}))
        for rid, resume in rows.items():
            out[rid] = resume_document(session, resume, centres.get(resume.seeker_id), now)
    return out


def indexable_ids(session: Session, kind: str, now: dt.datetime | None = None) -> dict[int, int]:
    """id → version of every record that belongs in the index (what reindex/check compare to)."""
    now = now or utcnow()
    if kind == "vacancy":
        stmt = sa.select(Vacancy.id, Vacancy.version).where(Vacancy.status == VacancyStatus.PUBLISHED)
    else:
        stmt = sa.select(Resume.id, Resume.version).where(
            Resume.visibility != Visibility.ARCHIVED,
            Resume.published_at.is_not(None),
            sa.or_(Resume.expires_at.is_(None), Resume.expires_at > now),
        )
    return dict(session.execute(stmt).all())
