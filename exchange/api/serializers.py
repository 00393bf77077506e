"""Response schemas: what the API returns, documented in the OpenAPI document from these classes.

Every field that can be empty is ``allow_none`` so the published schema says ``nullable``
and clients (and the schemathesis conformance test) can rely on it.
"""

from __future__ import annotations

from marshmallow import Schema, fields


def _n(field_cls=fields.String, *args, **kw):
    """A nullable field."""
    return field_cls(*args, allow_none=True, **kw)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)


class LanguageOut(Schema):
    code = fields.String()
    level = fields.String()


class VacancyOut(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    title = fields.String(required=True)
    occupation_code = _n()
    description = _n()
    qualification = _n()
    min_experience_months = fields.Integer()
    education_level = _n()
    languages = fields.List(fields.Nested(LanguageOut))
    driving_licences = fields.List(fields.String())
    skills = fields.List(fields.String())
    health_restrictions = _n()
    salary_from = _n(fields.Integer)
    salary_to = _n(fields.Integer)
    employment_type = fields.String()
    schedule = fields.String()
    working_regime = fields.String()
    kato_code = fields.String()
    address = _n()
    lat = _n(fields.Float)
    lon = _n(fields.Float)
    transport_notes = _n()
    positions = fields.Integer()
    positions_filled = fields.Integer()
    kind = fields.String()
    accessible = fields.Boolean()
    contact_name = _n()
    contact_phone = _n()
    contact_email = _n()
    status = fields.String()
    source = fields.String()
    source_organisation_id = _n(fields.Integer)
    external_id = _n()
    published_at = _n(fields.DateTime)
    closed_at = _n(fields.DateTime)
    close_reason = _n()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class SeekerBriefOut(Schema):
    """The person behind a resume: first name for everyone; the rest only for those entitled to it."""

    id = fields.Integer(required=True)
    first_name = fields.String()
    last_name = _n()
    middle_name = _n()
    phone = _n()
    email = _n()


class WorkHistoryOut(Schema):
    id = fields.Integer()
    employer_name = fields.String()
    position = fields.String()
    occupation_code = _n()
    start_date = fields.Date()
    end_date = _n(fields.Date)
    description = _n()


class EducationOut(Schema):
    id = fields.Integer()
    level = fields.String()
    institution = fields.String()
    speciality = _n()
    graduation_year = _n(fields.Integer)


class ResumeOut(Schema):
    id = fields.Integer(required=True)
    seeker = fields.Nested(SeekerBriefOut, attribute="api_seeker")
    title = fields.String(required=True)
    occupation_code = _n()
    about = _n()
    skills = fields.List(fields.String())
    languages = fields.List(fields.Nested(LanguageOut))
    driving_licences = fields.List(fields.String())
    education_level = _n()
    experience_months = fields.Integer()
    desired_salary = _n(fields.Integer)
    desired_schedule = _n()
    desired_employment_type = _n()
    desired_working_regime = _n()
    kato_code = fields.String()
    lat = _n(fields.Float)
    lon = _n(fields.Float)
    willing_to_relocate = fields.Boolean()
    accessibility_needs = _n()
    available_from = _n(fields.Date)
    visibility = fields.String()
    source = fields.String()
    source_organisation_id = _n(fields.Integer)
    external_id = _n()
    published_at = _n(fields.DateTime)
    expires_at = _n(fields.DateTime)
    work_history = fields.List(fields.Nested(WorkHistoryOut))
    education = fields.List(fields.Nested(EducationOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class SeekerOut(Schema):
    id = fields.Integer(required=True)
    iin = fields.String()
    last_name = fields.String()
    first_name = fields.String()
    middle_name = _n()
    birth_date = fields.Date()
    phone = _n()
    email = _n()
    kato_code = fields.String()
    address = _n()
    category = fields.String()
    has_disability = fields.Boolean()
    consent_publish_at = _n(fields.DateTime)
    consent_verification_at = _n(fields.DateTime)
    departed_at = _n(fields.DateTime)
    created_at = fields.DateTime()


class OrganisationOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String()
    name = fields.String()
    bin = _n()
    registry_number = _n()
    kato_code = _n()
    address = _n()
    phone = _n()
    email = _n()
    website = _n()
    description = _n()


class ClassifierItemOut(Schema):
    code = fields.String(required=True)
    parent_code = _n()
    level = fields.Integer()
    name_kk = fields.String()
    name_ru = fields.String()
    name_en = fields.String()


class ClassifierOut(Schema):
    scheme = fields.String(required=True)
    items = fields.List(fields.Nested(ClassifierItemOut))


class SchemeListOut(Schema):
    schemes = fields.List(fields.String())


class FacetValueOut(Schema):
    value = fields.String()
    count = fields.Integer()
    label = _n()


class SearchHitOut(Schema):
    id = fields.Integer(required=True)
    score = _n(fields.Float)
    item = _n(fields.Dict)


class SearchOut(Schema):
    total = fields.Integer(required=True)
    hits = fields.List(fields.Nested(SearchHitOut))
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetValueOut)))
    next_cursor = _n()
    concepts = fields.List(fields.Raw())


class ReasonOut(Schema):
    condition = fields.String()
    matched = fields.Boolean()
    contribution = _n(fields.Float)
    detail = _n(fields.Raw)


class MatchOut(Schema):
    id = fields.Integer(required=True)
    score = _n(fields.Float)
    reasons = fields.List(fields.Nested(ReasonOut))


class MatchListOut(Schema):
    items = fields.List(fields.Nested(MatchOut))


class ApplicationOut(Schema):
    id = fields.Integer(required=True)
    resume_id = fields.Integer()
    vacancy_id = fields.Integer()
    seeker_id = fields.Integer()
    organisation_id = fields.Integer()
    origin = fields.String()
    state = fields.String()
    stage_id = _n(fields.Integer)
    stage_name = _n(attribute="stage.name")
    centre_id = _n(fields.Integer)
    initiated_by_organisation_id = _n(fields.Integer)
    referral_sent_at = _n(fields.DateTime)
    answer_due_at = _n(fields.DateTime)
    answered_at = _n(fields.DateTime)
    interview_kind = _n()
    interview_at = _n(fields.DateTime)
    interview_place = _n()
    hired_on = _n(fields.Date)
    closed_at = _n(fields.DateTime)
    closed_reason = _n()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()


class ImportOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String()
    format = fields.String()
    status = fields.String()
    total_lines = fields.Integer()
    processed_lines = fields.Integer()
    created_count = fields.Integer()
    updated_count = fields.Integer()
    failed_count = fields.Integer()
    errors = fields.List(fields.Dict())
    created_at = fields.DateTime()
    started_at = _n(fields.DateTime)
    finished_at = _n(fields.DateTime)


class ChangeOut(Schema):
    seq = fields.Integer(attribute="id", required=True)
    type = fields.String(attribute="entity_type")
    id = fields.Integer(attribute="entity_id")
    op = fields.String()
    version = fields.Integer()
    at = fields.DateTime()
    data = _n(fields.Dict, attribute="api_data")


class ChangesOut(Schema):
    items = fields.List(fields.Nested(ChangeOut))
    next_cursor = fields.String(required=True)
    has_more = fields.Boolean()


class WebhookOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_at = _n(fields.DateTime)
    created_at = fields.DateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(metadata={"description": "Shown once: signs every delivery (HMAC-SHA256)."})


class DeliveryOut(Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer()
    topic = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = _n(fields.DateTime)
    last_status_code = _n(fields.Integer)
    last_response = _n()
    last_error = _n()
    created_at = fields.DateTime()
    delivered_at = _n(fields.DateTime)


class VerificationOut(Schema):
    id = fields.Integer(required=True)
    seeker_id = fields.Integer()
    status = fields.String()
    matches = fields.Dict(keys=fields.String(), values=fields.Boolean())
    registry_reference = _n()
    checked_at = fields.DateTime()


class AgencyReportOut(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    occupation_code = fields.String()
    applied_count = fields.Integer()
    employed_count = fields.Integer()
    submitted_at = fields.DateTime()


class StatisticsOut(Schema):
    organisation_id = fields.Integer()
    overall = fields.Dict(keys=fields.String(), values=fields.Integer())
    daily = fields.List(fields.Dict())
