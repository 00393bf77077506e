"""Registered seekers who fit a vacancy, with the reasons (R-FLOW-2, R-FLOW-3).

The search service's matching is used when it answers; the ranking below covers what
it leaves out (people whose resumes are not in the index, e.g. not published) and
keeps the cabinet working when the search backend is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, joinedload

from exchange.applications.models import Application
from exchange.auth import Actor
from exchange.i18n import lazy_gettext as _l
from exchange.resumes.models import Resume, Visibility
from exchange.seekers.models import Registration, SeekerProfile
from exchange.vacancies.models import Schedule, Vacancy

log = logging.getLogger(__name__)
MAX_POOL = 5000


@dataclass
class Candidate:
    resume: Resume
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    source: str = "sql"


def _reason(condition: str, matched: bool, contribution: float, detail: Any) -> dict[str, Any]:
    return {"condition": condition, "matched": matched, "contribution": round(contribution, 2), "detail": str(detail)}


def rank(vacancy: Vacancy, resume: Resume) -> tuple[float, list[dict[str, Any]]]:
    """Score one resume against the vacancy on the programme's matching conditions."""
    reasons = []
    a, b = vacancy.occupation_code or "", resume.occupation_code or ""
    if a and a == b:
        reasons.append(_reason("occupation", True, 40, _l("Same occupation")))
    elif a[:3] and a[:3] == b[:3]:
        reasons.append(_reason("occupation", True, 24, _l("Related occupation (same minor group)")))
    elif a[:2] and a[:2] == b[:2]:
        reasons.append(_reason("occupation", True, 14, _l("Related occupation (same sub-major group)")))
    else:
        reasons.append(_reason("occupation", False, 0, _l("Different occupation")))
    if resume.experience_months >= vacancy.min_experience_months:
        reasons.append(_reason("experience", True, 15, _l("Enough work experience")))
    else:
        reasons.append(_reason("experience", False, 0, _l("Less experience than asked")))
    if vacancy.kato_code == resume.kato_code:
        reasons.append(_reason("transport", True, 15, _l("Lives in the same district")))
    elif vacancy.kato_code[:2] == resume.kato_code[:2]:
        reasons.append(_reason("transport", True, 8, _l("Lives in the same region")))
    elif resume.willing_to_relocate:
        reasons.append(_reason("transport", True, 4, _l("Ready to relocate")))
    else:
        reasons.append(_reason("transport", False, 0, _l("Lives far away")))
    needed = set(vacancy.driving_licences or [])
    if needed:
        has = needed <= set(resume.driving_licences or [])
        reasons.append(_reason("licences", has, 10 if has else 0, _l("Has the driving licence") if has else _l("Lacks the driving licence")))
    if resume.desired_working_regime:
        same = resume.desired_working_regime == vacancy.working_regime.value
        reasons.append(_reason("regime", same, 8 if same else 0, _l("Suits the working-time regime") if same else _l("Wants another working-time regime")))
    if resume.desired_schedule:
        same = resume.desired_schedule == vacancy.schedule.value or vacancy.schedule == Schedule.FLEXIBLE
        reasons.append(_reason("schedule", same, 4 if same else 0, _l("Suits the schedule") if same else _l("Wants another schedule")))
    if resume.seeker.has_disability:
        ok = vacancy.accessible
        reasons.append(_reason("health", ok, 8 if ok else 0, _l("The workplace is accessible") if ok else _l("The workplace is not marked accessible")))
    if resume.desired_salary and vacancy.salary_to:
        ok = resume.desired_salary <= vacancy.salary_to
        reasons.append(_reason("salary", ok, 5 if ok else 0, _l("Salary expectation fits") if ok else _l("Expects a higher salary")))
    return sum(r["contribution"] for r in reasons), reasons


def registered_pool(session: Session, centre_id: int, vacancy_id: int) -> list[Resume]:
    """Usable resumes of people on this centre's register who are not yet in the vacancy's pipeline."""
    in_pipeline = sa.select(Application.resume_id).where(Application.vacancy_id == vacancy_id)
    return list(session.scalars(
        sa.select(Resume)
        .join(Registration, sa.and_(Registration.seeker_id == Resume.seeker_id, Registration.deregistered_at.is_(None)))
        .join(SeekerProfile, SeekerProfile.id == Resume.seeker_id)
        .where(Registration.centre_id == centre_id, Resume.visibility != Visibility.ARCHIVED,
               SeekerProfile.departed_at.is_(None), Resume.id.not_in(in_pipeline))
        .options(joinedload(Resume.seeker))
        .order_by(Resume.updated_at.desc()).limit(MAX_POOL)
    ).unique())


def _search_matches(app: Flask, vacancy_id: int, actor: Actor) -> dict[int, Any]:
    try:
        from search.service import get_search
    except ImportError:
        return {}
    try:
        return {m.id: m for m in get_search(app).match_candidates(vacancy_id, actor, limit=500)}
    except Exception:  # the search backend being down must not stop referrals
        log.warning("search matching unavailable; using the centre's own ranking", exc_info=True)
        return {}


def matching_seekers(app: Flask, session: Session, actor: Actor, vacancy: Vacancy, limit: int = 50) -> list[Candidate]:
    pool = registered_pool(session, actor.organisation_id, vacancy.id)
    if not pool:
        return []
    found = _search_matches(app, vacancy.id, actor)
    out = []
    for resume in pool:
        score, reasons = rank(vacancy, resume)
        match = found.get(resume.id)
        if match is not None:
            out.append(Candidate(resume, float(match.score), list(match.reasons), "search"))
        else:
            out.append(Candidate(resume, score, reasons))
    out.sort(key=lambda c: (-c.score, c.resume.id))
    return [c for c in out if c.score > 0][:limit]
