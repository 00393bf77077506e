"""Vacancies, resumes and seekers: the records an organisation owns, through the same operations as the cabinets."""

from __future__ import annotations

import sqlalchemy as sa

from exchange import audit, schemas
from exchange.api.framework import endpoint
from exchange.api.resources.common import PageQuery, page, prepare_resumes
from exchange.api.serializers import ResumeOut, SeekerOut, VacancyOut, WorkHistoryOut
from exchange.auth import deny, require_scope
from exchange.errors import NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.resumes import operations as resume_ops
from exchange.resumes.models import Resume, Visibility
from exchange.seekers import operations as seeker_ops
from exchange.vacancies import operations as vacancy_ops
from exchange.vacancies.models import Vacancy, VacancyStatus


class VacancyListQuery(PageQuery):
    status = schemas.enum(VacancyStatus)
    external_id = schemas.text(max_len=100)


class CloseSchema(schemas.InputSchema):
    reason = schemas.text(max_len=60, load_default="employer_request",
                          metadata={"enum": list(vacancy_ops.CLOSE_REASONS)})


class ResumeListQuery(PageQuery):
    visibility = schemas.enum(Visibility)
    external_id = schemas.text(max_len=100)


class ResumeCreateSchema(resume_ops.ResumeSchema):
    seeker_id = schemas.integer(required=True, minimum=1, maximum=2**31 - 1)


# --- vacancies -----------------------------------------------------------------

@endpoint("/vacancies", summary="List our vacancies", tag="vacancies", scope="vacancies:write", query=VacancyListQuery,
          response=VacancyOut, paged=True)
def list_vacancies(actor, session, query):
    """Vacancies the organisation offers or posted on an employer's behalf, oldest first."""
    org = actor.organisation_id
    stmt = sa.select(Vacancy).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org))
    if query.get("status"):
        stmt = stmt.where(Vacancy.status == query["status"])
    if query.get("external_id"):
        stmt = stmt.where(Vacancy.external_id == query["external_id"])
    return page(session, stmt, Vacancy, query)


@endpoint("/vacancies", "POST", summary="Create a vacancy (as a draft)", tag="vacancies", scope="vacancies:write",
          body=vacancy_ops.VacancySchema, response=VacancyOut, status=201)
def create_vacancy(actor, session, body):
    """Agencies give `organisation_id`, the employer the vacancy is for."""
    return vacancy_ops.create_vacancy(session, actor, body)


@endpoint("/vacancies/<int:vacancy_id>", summary="Get a vacancy", tag="vacancies", response=VacancyOut)
def get_vacancy(actor, session, vacancy_id):
    """A published vacancy (scope `vacancies:read`) or one of ours (any scope)."""
    vacancy = vacancy_ops.get_vacancy(session, vacancy_id)
    if vacancy_ops.can_edit(session, actor, vacancy):
        return vacancy
    if vacancy.is_public:
        require_scope(actor, "vacancies:read")
        return vacancy
    raise NotFound(_l("No such vacancy."))


@endpoint("/vacancies/<int:vacancy_id>", "PUT", summary="Replace a vacancy's details", tag="vacancies",
          scope="vacancies:write", body=vacancy_ops.VacancySchema, response=VacancyOut)
def update_vacancy(actor, session, vacancy_id, body):
    return vacancy_ops.update_vacancy(session, actor, vacancy_id, body)


@endpoint("/vacancies/<int:vacancy_id>/publish", "POST", summary="Publish a vacancy on the portal", tag="vacancies",
          scope="vacancies:write", response=VacancyOut)
def publish_vacancy(actor, session, vacancy_id):
    return vacancy_ops.publish_vacancy(session, actor, vacancy_id)


@endpoint("/vacancies/<int:vacancy_id>/hide", "POST", summary="Hide a published vacancy (back to draft)", tag="vacancies",
          scope="vacancies:write", response=VacancyOut)
def hide_vacancy(actor, session, vacancy_id):
    return vacancy_ops.unpublish_vacancy(session, actor, vacancy_id)


@endpoint("/vacancies/<int:vacancy_id>/close", "POST", summary="Close a vacancy", tag="vacancies", scope="vacancies:write",
          body=CloseSchema, validate_body=True, response=VacancyOut)
def close_vacancy(actor, session, vacancy_id, body):
    return vacancy_ops.close_vacancy(session, actor, vacancy_id, body.get("reason") or "employer_request")


@endpoint("/vacancies/<int:vacancy_id>/reopen", "POST", summary="Reopen a closed vacancy as a draft", tag="vacancies",
          scope="vacancies:write", response=VacancyOut)
def reopen_vacancy(actor, session, vacancy_id):
    return vacancy_ops.reopen_vacancy(session, actor, vacancy_id)


# --- resumes -------------------------------------------------------------------

@endpoint("/resumes", summary="List resumes we brought to the exchange", tag="resumes", scope="resumes:write",
          query=ResumeListQuery, response=ResumeOut, paged=True)
def list_resumes(actor, session, query):
    stmt = sa.select(Resume).where(Resume.source_organisation_id == actor.organisation_id)
    if query.get("visibility"):
        stmt = stmt.where(Resume.visibility == query["visibility"])
    if query.get("external_id"):
        stmt = stmt.where(Resume.external_id == query["external_id"])
    items, cursor = page(session, stmt, Resume, query)
    return prepare_resumes(session, actor, items, "list"), cursor


@endpoint("/resumes", "POST", summary="Create a resume for a person we registered", tag="resumes", scope="resumes:write",
          body=ResumeCreateSchema, response=ResumeOut, status=201)
def create_resume(actor, session, body):
    seeker_id = schemas.load(ResumeCreateSchema(only=("seeker_id",)), {"seeker_id": body.get("seeker_id")})["seeker_id"]
    resume = resume_ops.create_resume(session, actor, seeker_id, body)
    return prepare_resumes(session, actor, [resume], "create")[0]


@endpoint("/resumes/<int:resume_id>", summary="Get a resume", tag="resumes", response=ResumeOut)
def get_resume(actor, session, resume_id):
    """A public resume (scope `resumes:read`) or one we manage (scope `resumes:write`). Audited."""
    resume = resume_ops.get_resume(session, resume_id)
    if resume_ops.can_edit(session, actor, resume):
        require_scope(actor, "resumes:write")
    elif resume_ops.can_view(session, actor, resume):
        require_scope(actor, "resumes:read")
    else:
        raise NotFound(_l("No such resume."))
    return prepare_resumes(session, actor, [resume])[0]


@endpoint("/resumes/<int:resume_id>", "PUT", summary="Replace a resume's details", tag="resumes", scope="resumes:write",
          body=resume_ops.ResumeSchema, response=ResumeOut)
def update_resume(actor, session, resume_id, body):
    return prepare_resumes(session, actor, [resume_ops.update_resume(session, actor, resume_id, body)], "update")[0]


@endpoint("/resumes/<int:resume_id>/publish", "POST", summary="Publish or renew a resume (at most one month)", tag="resumes",
          scope="resumes:write", body=resume_ops.PublishSchema, response=ResumeOut)
def publish_resume(actor, session, resume_id, body):
    return prepare_resumes(session, actor, [resume_ops.publish_resume(session, actor, resume_id, body)], "update")[0]


@endpoint("/resumes/<int:resume_id>/hide", "POST", summary="Hide a resume", tag="resumes", scope="resumes:write", response=ResumeOut)
def hide_resume(actor, session, resume_id):
    return prepare_resumes(session, actor, [resume_ops.hide_resume(session, actor, resume_id)], "update")[0]


@endpoint("/resumes/<int:resume_id>/unhide", "POST", summary="Show a hidden resume again", tag="resumes", scope="resumes:write",
          response=ResumeOut)
def unhide_resume(actor, session, resume_id):
    return prepare_resumes(session, actor, [resume_ops.unhide_resume(session, actor, resume_id)], "update")[0]


@endpoint("/resumes/<int:resume_id>/close", "POST", summary="Archive a resume (the person found work or left)", tag="resumes",
          scope="resumes:write", response=ResumeOut)
def close_resume(actor, session, resume_id):
    return prepare_resumes(session, actor, [resume_ops.archive_resume(session, actor, resume_id, "agency")], "update")[0]


@endpoint("/resumes/<int:resume_id>/work-history", "POST", summary="Add a work-history entry", tag="resumes",
          scope="resumes:write", body=resume_ops.WorkHistorySchema, response=WorkHistoryOut, status=201)
def add_work_history(actor, session, resume_id, body):
    return resume_ops.add_work_history(session, actor, resume_id, body)


# --- seekers -------------------------------------------------------------------

@endpoint("/seekers", "POST", summary="Register a person who came to the agency", tag="seekers", scope="resumes:write",
          body=seeker_ops.SeekerSchema, response=SeekerOut, status=201)
def create_seeker(actor, session, body):
    """Record the person's consents (`consent_publish`, `consent_verification`) as they gave them."""
    profile = seeker_ops.create_profile(session, actor, body)
    audit.record(session, actor, "create", "seeker", profile.id, api=True)
    return profile


@endpoint("/seekers/<int:seeker_id>", summary="Get a person's data", tag="seekers", scope="resumes:read", response=SeekerOut)
def get_seeker(actor, session, seeker_id):
    """Only for people the organisation manages or who applied to it. Audited."""
    profile = seeker_ops.get_profile(session, actor, seeker_id, private=True)
    return profile


@endpoint("/seekers/<int:seeker_id>", "PUT", summary="Replace a person's data", tag="seekers", scope="resumes:write",
          body=seeker_ops.SeekerSchema, response=SeekerOut)
def update_seeker(actor, session, seeker_id, body):
    return seeker_ops.update_profile(session, actor, seeker_id, body)


@endpoint("/seekers/<int:seeker_id>/resumes", summary="A person's resumes", tag="seekers", scope="resumes:read",
          response=ResumeOut, many=True)
def seeker_resumes(actor, session, seeker_id):
    profile = seeker_ops.get_profile(session, actor, seeker_id)
    if not seeker_ops.can_view_private(session, actor, profile):
        raise deny()
    return prepare_resumes(session, actor, resume_ops.resumes_of(session, seeker_id))

