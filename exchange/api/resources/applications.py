"""Applications: responses, invitations and referrals, moved through their stages by the same operations."""

from __future__ import annotations

import sqlalchemy as sa

from exchange import audit, schemas
from exchange.api.framework import endpoint
from exchange.api.resources.common import PageQuery, page
from exchange.api.serializers import ApplicationOut
from exchange.applications import operations as app_ops
from exchange.applications.models import Application, ApplicationOrigin, ApplicationState
from exchange.auth import deny, require_scope
from exchange.organisations.models import OrganisationKind
from exchange.vacancies.models import Vacancy


class ApplicationCreateSchema(schemas.InputSchema):
    origin = schemas.enum(ApplicationOrigin, required=True)
    resume_id = schemas.integer(required=True, minimum=1, maximum=2**31 - 1)
    vacancy_id = schemas.integer(required=True, minimum=1, maximum=2**31 - 1)
    cover_note = schemas.text(max_len=2000)
    consent = schemas.boolean(metadata={"description": "referrals: the person consented to this referral"})
    consent_note = schemas.text(max_len=300)
    note = schemas.text(max_len=2000)


class TransitionBody(app_ops.TransitionSchema):
    to_state = schemas.enum(ApplicationState, required=True)


class ApplicationListQuery(PageQuery):
    vacancy_id = schemas.integer(minimum=1, maximum=2**31 - 1)
    state = schemas.enum(ApplicationState)
    origin = schemas.enum(ApplicationOrigin)


def _audit(session, actor, applications: list[Application], action: str = "view") -> None:
    if applications:
        audit.record(session, actor, action, "application", applications[0].id if len(applications) == 1 else None,
                     application_ids=[a.id for a in applications][:500], api=True)


@endpoint("/applications", "POST", summary="Create a response, an invitation or a referral", tag="applications",
          scope="applications:write", body=ApplicationCreateSchema, validate_body=True, response=ApplicationOut, status=201)
def create_application(actor, session, body):
    """`response`: an agency applies with a resume it manages; `invitation`: to one of our vacancies;
    `referral`: employment centres only, with the person's consent."""
    origin = body["origin"]
    if origin == ApplicationOrigin.RESPONSE:
        application = app_ops.apply(session, actor, body["resume_id"], body["vacancy_id"], {"cover_note": body.get("cover_note")})
    elif origin == ApplicationOrigin.INVITATION:
        application = app_ops.invite(session, actor, body["resume_id"], body["vacancy_id"], {"cover_note": body.get("cover_note")})
    else:
        application = app_ops.refer(session, actor, body["resume_id"], body["vacancy_id"],
                                    {"consent": body.get("consent"), "consent_note": body.get("consent_note"), "note": body.get("note")})
    _audit(session, actor, [application], "create")
    return application


@endpoint("/applications", summary="List applications for our vacancies or from our candidates", tag="applications",
          scope="applications:read", query=ApplicationListQuery, response=ApplicationOut, paged=True)
def list_applications(actor, session, query):
    org = actor.organisation_id
    if org is None:
        raise deny()
    # The same parties exchange.applications.operations.sides_of lets read one application.
    parties = [Application.organisation_id == org, Vacancy.source_organisation_id == org, Application.centre_id == org]
    if actor.in_org_kind(OrganisationKind.AGENCY):
        # An agency follows the responses it submitted on people's behalf.
        parties.append(sa.and_(Application.origin == ApplicationOrigin.RESPONSE, Application.initiated_by_organisation_id == org))
    stmt = sa.select(Application).join(Vacancy, Vacancy.id == Application.vacancy_id).where(sa.or_(*parties))
    for name in ("vacancy_id", "state", "origin"):
        if query.get(name) is not None:
            stmt = stmt.where(getattr(Application, name) == query[name])
    items, cursor = page(session, stmt, Application, query)
    _audit(session, actor, items, "list")
    return items, cursor


@endpoint("/applications/<int:application_id>", summary="Get an application", tag="applications", scope="applications:read",
          response=ApplicationOut)
def get_application(actor, session, application_id):
    application, _sides = app_ops.get_visible(session, actor, application_id)
    _audit(session, actor, [application])
    return application


@endpoint("/applications/<int:application_id>/transitions", "POST", summary="Move an application to another state",
          tag="applications", scope="applications:write", body=TransitionBody, response=ApplicationOut)
def transition_application(actor, session, application_id, body):
    """E.g. `{"to_state": "interview", "interview_at": "…"}`, `{"to_state": "hired", "hired_on": "…"}`,
    `{"to_state": "rejected", "reason": "…"}`."""
    require_scope(actor, "applications:write")
    to_state = schemas.load(TransitionBody(only=("to_state",)), {"to_state": body.get("to_state")})["to_state"]
    data = {k: v for k, v in body.items() if k != "to_state"}
    return app_ops.transition(session, actor, application_id, to_state, data)
