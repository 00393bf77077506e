"""Explainable matching of vacancies and candidates (R-EMP-3, R-FLOW-2/3, R-SFLOW-2).

Hard conditions exclude: the place (same region, unless the candidate will
relocate), the driving licences a vacancy requires, and health restrictions of a
workplace that is not accessible for a candidate with accessibility needs. The
backend applies them as filters to build a candidate pool of the same ISCO
sub-major group; soft conditions then score each pair here, in Python, the same
for both backends, and every result carries its reasons: each condition, whether
it matched, and what it contributed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from exchange.auth import Actor, deny
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.i18n import lazy_gettext as _l
from exchange.resumes import operations as resume_ops
from exchange.vacancies import operations as vacancy_ops
from search import documents
from search.params import Query as SearchQuery
from search.params import TextQuery, Visibility

POOL = 400
WEIGHTS = {
    "occupation": 40.0, "skills": 15.0, "experience": 10.0, "education": 10.0, "languages": 10.0,
    "salary": 5.0, "schedule": 5.0, "distance": 5.0,
}
LEVEL_RANK = {"A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6, "native": 7}
NEAR_KM = 50.0


@dataclass
class Match:
    id: int
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)


def _reason(condition: str, matched: bool, contribution: float, detail: Any) -> dict[str, Any]:
    # The detail stays a lazy string until the pair is among the results shown: a pool of
    # 400 candidates would otherwise translate and format 4,000 sentences to keep 50.
    return {"condition": condition, "matched": matched, "contribution": round(contribution, 2), "detail": detail}


def _spelled(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for reason in reasons:
        reason["detail"] = str(reason["detail"])
    return reasons


def _occupation(v: dict, r: dict) -> dict[str, Any]:
    a, b = v.get("occupation_code") or "", r.get("occupation_code") or ""
    w = WEIGHTS["occupation"]
    if a and a == b:
        return _reason("occupation", True, w, _l("Same occupation"))
    if a[:3] and a[:3] == b[:3]:
        return _reason("occupation", True, w * 0.6, _l("Related occupation (same minor group)"))
    if a[:2] and a[:2] == b[:2]:
        return _reason("occupation", True, w * 0.35, _l("Related occupation (same sub-major group)"))
    return _reason("occupation", False, 0, _l("Different occupation"))


def _skills(v: dict, r: dict) -> dict[str, Any]:
    wanted = {s.lower() for s in v.get("skills") or []}
    have = {s.lower() for s in r.get("skills") or []}
    if not wanted:
        return _reason("skills", True, WEIGHTS["skills"] * 0.5, _l("No particular skills asked for"))
    common = wanted & have
    share = len(common) / len(wanted)
    detail = _l("%(n)s of %(total)s skills: %(skills)s", n=len(common), total=len(wanted), skills=", ".join(sorted(common)) or "—")
    return _reason("skills", bool(common), WEIGHTS["skills"] * share, detail)


def _experience(v: dict, r: dict) -> dict[str, Any]:
    need, have = v.get("min_experience_months") or 0, r.get("experience_months") or 0
    if have >= need:
        return _reason("experience", True, WEIGHTS["experience"], _l("%(have)s months of experience (needs %(need)s)", have=have, need=need))
    share = have / need if need else 0
    return _reason("experience", False, WEIGHTS["experience"] * share * 0.5,
                   _l("%(have)s months of experience (needs %(need)s)", have=have, need=need))


def _education(v: dict, r: dict) -> dict[str, Any]:
    need, have = v.get("education_rank"), r.get("education_rank")
    if need is None:
        return _reason("education", True, WEIGHTS["education"], _l("No education requirement"))
    if have is not None and have >= need:
        return _reason("education", True, WEIGHTS["education"], _l("Education meets the requirement"))
    return _reason("education", False, 0, _l("Education below the requirement"))


def _languages(v: dict, r: dict) -> dict[str, Any]:
    wanted = v.get("language_levels") or []
    if not wanted:
        return _reason("languages", True, WEIGHTS["languages"], _l("No language requirement"))
    have = {item["code"]: LEVEL_RANK.get(item.get("level") or "", 0) for item in r.get("language_levels") or []}
    met = [item["code"] for item in wanted if have.get(item["code"], 0) >= LEVEL_RANK.get(item.get("level") or "", 0)]
    detail = _l("%(n)s of %(total)s languages at the level asked", n=len(met), total=len(wanted))
    return _reason("languages", len(met) == len(wanted), WEIGHTS["languages"] * len(met) / len(wanted), detail)


def _salary(v: dict, r: dict) -> dict[str, Any]:
    desired, offered = r.get("salary_min"), v.get("salary_max")
    if desired is None or offered is None:
        return _reason("salary", True, WEIGHTS["salary"] * 0.5, _l("Salary not stated"))
    if desired <= offered:
        return _reason("salary", True, WEIGHTS["salary"], _l("Desired salary within the offer"))
    return _reason("salary", False, 0, _l("Desired salary above the offer"))


def _schedule(v: dict, r: dict) -> dict[str, Any]:
    wanted = r.get("schedule")
    if wanted is None or wanted == v.get("schedule"):
        return _reason("schedule", True, WEIGHTS["schedule"], _l("Schedule suits"))
    return _reason("schedule", False, 0, _l("Prefers another schedule"))


def _distance(v: dict, r: dict) -> dict[str, Any]:
    from search.service import haversine_km

    a, b = v.get("location"), r.get("location")
    if not a or not b:
        same = v.get("region_code") == r.get("region_code")
        return _reason("distance", same, WEIGHTS["distance"] * 0.5 if same else 0, _l("Distance unknown"))
    km = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
    share = max(0.0, 1 - km / NEAR_KM)
    return _reason("distance", km <= NEAR_KM, WEIGHTS["distance"] * share, _l("%(km)s km away", km=round(km, 1)))


def _hard(v: dict, r: dict) -> list[dict[str, Any]]:
    place = (_l("Same region") if v.get("region_code") == r.get("region_code") else _l("Willing to relocate"))
    reasons = [_reason("region", True, 0, place)]
    if v.get("licences"):
        reasons.append(_reason("licence", True, 0, _l("Has licences %(codes)s", codes=", ".join(v["licences"]))))
    return reasons


def _score(vacancy: dict[str, Any], resume: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    reasons = _hard(vacancy, resume) + [
        f(vacancy, resume) for f in (_occupation, _skills, _experience, _education, _languages, _salary, _schedule, _distance)
    ]
    return round(sum(r["contribution"] for r in reasons), 2), reasons


def explain(vacancy: dict[str, Any], resume: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """Score one pair; the reasons list hard conditions first (they held), then each soft one."""
    score, reasons = _score(vacancy, resume)
    return score, _spelled(reasons)


def passes_hard(vacancy: dict[str, Any], resume: dict[str, Any]) -> bool:
    if vacancy.get("region_code") != resume.get("region_code") and not resume.get("willing_to_relocate"):
        return False
    if not set(vacancy.get("licences") or []) <= set(resume.get("licences") or []):
        return False
    if vacancy.get("health_restrictions") and not vacancy.get("accessible") and resume.get("accessibility_needs"):
        return False
    return True


def _region_codes(session: Session, region: str | None) -> set[str]:
    return classifiers.descendants(session, Scheme.KATO, region) if region else set()


def _group_codes(session: Session, occupation: str | None) -> set[str] | None:
    if not occupation:
        return None
    return classifiers.descendants(session, Scheme.ISCO, occupation[:2])


def _rank(pairs: list[tuple[dict, dict, int]], limit: int) -> list[Match]:
    matches = []
    for vacancy_doc, resume_doc, other_id in pairs:
        if not passes_hard(vacancy_doc, resume_doc):
            continue
        score, reasons = _score(vacancy_doc, resume_doc)
        matches.append(Match(other_id, score, reasons, resume_doc if other_id == resume_doc["id"] else vacancy_doc))
    matches.sort(key=lambda m: (-m.score, m.id))
    for match in matches[:limit]:
        _spelled(match.reasons)
    return matches[:limit]


def candidate_visibility(actor: Actor) -> Visibility:
    """Consented seekers; centre staff also get their own registered seekers (R-FLOW-2)."""
    if actor.is_admin:
        return Visibility(public=True)
    return Visibility(public=True, centre_id=actor.organisation_id if actor.is_centre_staff else None)


def match_candidates(service, vacancy_id: int, actor: Actor, limit: int = 50) -> list[Match]:
    with service.session() as session:
        vacancy = vacancy_ops.get_vacancy(session, vacancy_id)
        if not (vacancy_ops.can_edit(session, actor, vacancy) or actor.is_centre_staff or actor.is_admin):
            raise deny()
        doc = documents.vacancy_document(session, vacancy) or documents.vacancy_document(session, _as_published(vacancy))
        query = SearchQuery(
            kind="resume", text=TextQuery(), size=POOL, facets=False, sort="date",
            occupation=_group_codes(session, vacancy.occupation_code),
            region_or_relocate=_region_codes(session, doc["region_code"]),
            licence_all=set(doc["licences"]) or None,
            visibility=candidate_visibility(actor),
        )
    raw = service.backend.search(query)
    return _rank([(doc, hit, hit["id"]) for hit, _, _ in raw.hits], limit)


def match_vacancies(service, resume_id: int, actor: Actor, limit: int = 50) -> list[Match]:
    with service.session() as session:
        resume = resume_ops.get_resume(session, resume_id)
        if not (resume_ops.can_edit(session, actor, resume) or actor.is_admin):
            raise deny()
        centres = documents.open_centres(session, [resume.seeker_id])
        doc = _resume_doc(session, resume, centres.get(resume.seeker_id))
        query = SearchQuery(
            kind="vacancy", text=TextQuery(), size=POOL, facets=False, sort="date",
            occupation=_group_codes(session, resume.occupation_code),
            kato=None if resume.willing_to_relocate else _region_codes(session, doc["region_code"]),
            licence_within=set(doc["licences"]),
        )
    raw = service.backend.search(query)
    return _rank([(hit, doc, hit["id"]) for hit, _, _ in raw.hits], limit)


def _as_published(vacancy):
    """A draft's document as it would be once published (employers match before publishing)."""
    from exchange.vacancies.models import VacancyStatus

    class _View:
        def __getattr__(self, name):
            return VacancyStatus.PUBLISHED if name == "status" else getattr(vacancy, name)

    return _View()


def _resume_doc(session: Session, resume, centre_id: int | None) -> dict[str, Any]:
    doc = documents.resume_document(session, resume, centre_id)
    if doc is not None:
        return doc
    # Hidden or expired resumes are still matched for their owner and centre.
    import datetime as dt

    return documents.resume_document(session, resume, centre_id, now=dt.datetime.min.replace(tzinfo=dt.UTC)) or {
        "id": resume.id, "region_code": classifiers.region_of(session, resume.kato_code), "licences": list(resume.driving_licences or []),
        "occupation_code": resume.occupation_code, "skills": list(resume.skills or []), "experience_months": resume.experience_months,
        "education_rank": None, "language_levels": list(resume.languages or []), "salary_min": resume.desired_salary,
        "schedule": resume.desired_schedule, "location": None, "willing_to_relocate": resume.willing_to_relocate,
        "accessibility_needs": bool(resume.accessibility_needs),
    }
