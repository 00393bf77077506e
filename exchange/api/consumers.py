"""Outbox consumer of the API: change feed, webhook fan-out and delivery, disabled-webhook mail.

Imports themselves run in :mod:`exchange.api.import_consumers`, on their own queue; this
consumer sends the ``import.finished`` webhook.

Idempotent: the feed ignores an event it already recorded, and deliveries are unique per
endpoint and event.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask

from exchange.api import feed, jobs, webhooks
from exchange.organisations.models import MemberRole, Membership
from exchange.resumes.models import Resume
from exchange.vacancies.models import Vacancy

log = logging.getLogger(__name__)

TOPICS = ("vacancy.", "resume.", "application.", "referral.", "import.finished", "webhook.disabled")
QUEUE = "notify"  # the RQ queue its outbox deliveries run on (exchange.dispatch)


def _interested_organisations(session, message: dict[str, Any]) -> set[int]:
    """Organisations an event concerns: the employer, and agencies that brought the vacancy or the person."""
    payload = message.get("payload") or {}
    found: set[int] = set()
    if isinstance(payload.get("organisation_id"), int):
        found.add(payload["organisation_id"])
    vacancy_id = payload.get("vacancy_id") or (message["aggregate_id"] if message["aggregate_type"] == "vacancy" else None)
    resume_id = payload.get("resume_id") or (message["aggregate_id"] if message["aggregate_type"] == "resume" else None)
    application_id = payload.get("application_id") or (message["aggregate_id"] if message["aggregate_type"] == "application" else None)
    if application_id and not (vacancy_id and resume_id):
        try:
            from exchange.applications.models import Application
        except ImportError:
            Application = None
        application = session.get(Application, application_id) if Application is not None else None
        if application is not None:
            vacancy_id, resume_id = application.vacancy_id, application.resume_id
            found.add(application.organisation_id)
    if vacancy_id:
        vacancy = session.get(Vacancy, vacancy_id)
        if vacancy is not None:
            found.update(i for i in (vacancy.organisation_id, vacancy.source_organisation_id) if i)
    if resume_id:
        resume = session.get(Resume, resume_id)
        if resume is not None and resume.source_organisation_id:
            found.add(resume.source_organisation_id)
    return found


def _notify_disabled(app: Flask, message: dict[str, Any]) -> None:
    """E-mail the owners and managers of an organisation whose webhook was switched off."""
    from exchange.app import state

    try:
        from exchange.notifications.operations import notify
    except ImportError:
        log.warning("webhook %s disabled; notifications are not installed, owners not told", message["aggregate_id"])
        return
    payload = message["payload"]
    with state(app).db.unit_of_work() as session:
        user_ids = session.scalars(
            sa.select(Membership.user_id).where(
                Membership.organisation_id == payload["organisation_id"],
                Membership.role.in_((MemberRole.OWNER, MemberRole.MANAGER)),
            )
        )
        for user_id in user_ids:
            notify(session, user_id, "webhook.disabled", {"url": payload["url"], "failures": payload["failures"],
                                                          "webhook_id": message["aggregate_id"]}, channels=["email"])


def handle(app: Flask, message: dict[str, Any]) -> None:
    from exchange.app import state

    topic = message["topic"]
    database = state(app).db
    if topic == "webhook.disabled":
        _notify_disabled(app, message)
        return
    if message["aggregate_type"] in feed.ENTITY_TYPES and message["aggregate_id"] is not None:
        with database.unit_of_work() as session:
            feed.record(session, message["id"], message["aggregate_type"], message["aggregate_id"])
    if topic in webhooks.EVENT_TYPES:
        with database.unit_of_work() as session:
            delivery_ids = webhooks.fan_out(session, message, _interested_organisations(session, message))
        for delivery_id in delivery_ids:
            jobs.deliver_webhook(app, delivery_id)
