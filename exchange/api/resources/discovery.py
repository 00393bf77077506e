"""Search with filters and facets, and matching, through the search service (the portal's own)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import fields as mm_fields

from exchange import audit, schemas
from exchange.api.framework import BadRequest, endpoint
from exchange.api.resources.common import prepare_resumes
from exchange.api.serializers import MatchListOut, ResumeOut, SearchOut, VacancyOut
from exchange.errors import NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.resumes import operations as resume_ops
from exchange.resumes.models import Resume
from exchange.vacancies import operations as vacancy_ops
from exchange.vacancies.models import Vacancy


def _doc(description: str, field=mm_fields.String, **kw) -> mm_fields.Field:
    return field(metadata={"description": description}, **kw)


class _CommonSearchQuery(schemas.InputSchema):
    """Documentation of the search parameters; the search service checks them and names a bad one."""

    q = _doc("Free text in Kazakh, Russian or English; occupations are recognised as concepts")
    occupation = _doc("ISCO-08 codes, comma-separated; a group includes its unit groups")
    region = _doc("KATO codes, comma-separated; a region includes its districts")
    lat = _doc("Latitude of a point (with lon)", mm_fields.Float)
    lon = _doc("Longitude of a point (with lat)", mm_fields.Float)
    radius_km = _doc("Distance from the point, km", mm_fields.Float)
    salary_from = _doc("Lowest salary, tenge", mm_fields.Integer)
    salary_to = _doc("Highest salary, tenge", mm_fields.Integer)
    with_salary = _doc("Only records that state a salary", mm_fields.Boolean)
    employment_type = _doc("full_time, part_time, temporary, seasonal, project (comma-separated)")
    schedule = _doc("five_day, six_day, shift, rotation, flexible, remote (comma-separated)")
    working_regime = _doc("day, night, shifts, split, reduced_hours (comma-separated)")
    min_experience = _doc("Months of experience", mm_fields.Integer)
    education = _doc("Education level codes")
    language = _doc("Language codes")
    licence = _doc("Driving licence categories")
    accessible = _doc("Suitable for people with disabilities", mm_fields.Boolean)
    published_since = _doc("ISO date or date-time")
    sort = _doc("relevance, date, salary or distance")
    size = _doc("Hits per page (1-100)", mm_fields.Integer)
    cursor = _doc("next_cursor of the previous page")


class VacancySearchQuery(_CommonSearchQuery):
    kind = _doc("regular, social_job, youth_internship, public_works")
    employer = _doc("Employer organisation ids, comma-separated")


class ResumeSearchQuery(_CommonSearchQuery):
    age_from = _doc("Youngest age", mm_fields.Integer)
    age_to = _doc("Oldest age", mm_fields.Integer)
    available_by = _doc("ISO date the person can start by")
    relocate = _doc("Only people willing to relocate", mm_fields.Boolean)
    status = _doc("active, hidden or departed (hidden and departed: only records you manage)")


class MatchQuery(schemas.InputSchema):
    limit = schemas.integer(minimum=1, maximum=100, load_default=50)


def _service():
    from search.service import get_search

    return get_search(current_app)


def _args(raw) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key in raw:
        values = raw.getlist(key)
        if any("\x00" in v for v in values):
            raise BadRequest(_l("Text must not contain NUL characters."))
        args[key] = values if len(values) > 1 else values[0]
    return args


def _result(result, render) -> dict[str, Any]:
    return {
        "total": result.total,
        "hits": [{"id": h["id"], "score": h.get("score"), "item": render.get(h["id"])} for h in result.hits],
        "facets": result.facets,
        "next_cursor": result.next_cursor,
        "concepts": [c if isinstance(c, dict) else getattr(c, "__dict__", str(c)) for c in (result.concepts or [])],
    }


@endpoint("/search/vacancies", summary="Search published vacancies, with facets", tag="search", scope="vacancies:read",
          query=VacancySearchQuery, validate_query=False, response=SearchOut)
def search_vacancies(actor, session, query):
    result = _service().search_vacancies(_args(query), actor)
    ids = [h["id"] for h in result.hits]
    loaded = {v.id: VacancyOut().dump(v) for v in session.scalars(sa.select(Vacancy).where(Vacancy.id.in_(ids)))} if ids else {}
    return _result(result, loaded)


@endpoint("/search/resumes", summary="Search resumes, with facets (personal data: audited)", tag="search",
          scope="resumes:read", query=ResumeSearchQuery, validate_query=False, response=SearchOut)
def search_resumes(actor, session, query):
    result = _service().search_resumes(_args(query), actor)
    ids = [h["id"] for h in result.hits]
    resumes = list(session.scalars(sa.select(Resume).where(Resume.id.in_(ids)))) if ids else []
    prepare_resumes(session, actor, resumes, "search")
    return _result(result, {r.id: ResumeOut().dump(r) for r in resumes})


def _matches(matches) -> dict[str, Any]:
    return {"items": [{"id": m.id, "score": m.score, "reasons": list(m.reasons)} for m in matches]}


@endpoint("/vacancies/<int:vacancy_id>/matches", summary="Candidates matching one of our vacancies, with reasons",
          tag="search", scope="resumes:read", query=MatchQuery, response=MatchListOut)
def vacancy_matches(actor, session, vacancy_id, query):
    vacancy = vacancy_ops.get_vacancy(session, vacancy_id)
    if not vacancy_ops.can_edit(session, actor, vacancy):
        raise NotFound(_l("No such vacancy."))
    matches = _service().match_candidates(vacancy_id, actor, limit=query["limit"])
    audit.record(session, actor, "match", "vacancy", vacancy_id, resume_ids=[m.id for m in matches][:500], api=True)
    return _matches(matches)


@endpoint("/resumes/<int:resume_id>/matches", summary="Vacancies matching a resume we manage, with reasons", tag="search",
          scope="vacancies:read", query=MatchQuery, response=MatchListOut)
def resume_matches(actor, session, resume_id, query):
    """For resumes the organisation brought to the exchange (the seeker's own choice of vacancies stays theirs)."""
    resume: Resume = resume_ops.get_resume(session, resume_id)
    if not resume_ops.can_edit(session, actor, resume):
        raise NotFound(_l("No such resume."))
    return _matches(_service().match_vacancies(resume_id, actor, limit=query["limit"]))
