"""Verification of seekers against the state registry, and agency reports of applied/employed."""

from __future__ import annotations

from flask import current_app

from exchange.api import reports, verification
from exchange.api.framework import endpoint
from exchange.api.serializers import AgencyReportOut, VerificationOut


def registry():
    """The configured registry (an app service can replace it, e.g. with another adapter)."""
    from exchange.app import state

    st = state(current_app)
    return st.services.get("state_registry") or verification.registry_from_settings(st.settings)


@endpoint("/seekers/<int:seeker_id>/verifications", "POST", summary="Verify a person's identity data against the state registry",
          tag="seekers", scope="resumes:read", response=VerificationOut, status=201, extra_statuses=(503,))
def verify_seeker(actor, session, seeker_id):
    """Needs the person's recorded consent to verification; the answer is stored with its date and audited."""
    return verification.verify_seeker(session, actor, seeker_id, registry())


@endpoint("/seekers/<int:seeker_id>/verifications", summary="Earlier verification results", tag="seekers",
          scope="resumes:read", response=VerificationOut, many=True)
def seeker_verifications(actor, session, seeker_id):
    return verification.verifications(session, actor, seeker_id)


@endpoint("/agency-reports", "POST", summary="Report how many people applied and were employed", tag="agency-reports",
          body=reports.AgencyReportSchema, response=AgencyReportOut, status=201)
def submit_agency_report(actor, session, body):
    """One line per period and occupation; sending the same period and occupation again corrects it."""
    return reports.submit_report(session, actor, body)


@endpoint("/agency-reports", summary="Our submitted reports", tag="agency-reports", query=reports.ReportQuerySchema,
          response=AgencyReportOut, many=True)
def list_agency_reports(actor, session, query):
    return reports.list_reports(session, actor, query.get("period_start"), query.get("period_end"))
