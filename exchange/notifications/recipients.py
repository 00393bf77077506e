"""Who hears about which outbox event, and with what context (names, titles, deadlines, links).

Each function takes the session and the event message and returns plain
:class:`Planned` items; the consumer turns them into notifications. Only ids from the
payload are trusted; names and titles are read fresh from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from exchange.accounts.models import AccountRole, User
from exchange.notifications.operations import Bulk
from exchange.organisations.models import Membership, Organisation
from exchange.resumes.models import Resume
from exchange.seekers.models import SeekerProfile
from exchange.timeutil import to_local
from exchange.vacancies.models import Vacancy


@dataclass
class Planned:
    event_type: str
    context: dict[str, Any]
    user_id: int | None = None
    seeker_id: int | None = None
    channels: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def format_deadline(value: Any) -> str:
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return to_local(moment).strftime("%d.%m.%Y %H:%M")


def members_of(session: Session, organisation_id: int | None) -> list[int]:
    if not organisation_id:
        return []
    return list(session.scalars(
        sa.select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        .order_by(Membership.user_id)
    ))


def _names(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    vacancy = session.get(Vacancy, payload["vacancy_id"]) if payload.get("vacancy_id") else None
    seeker = session.get(SeekerProfile, payload["seeker_id"]) if payload.get("seeker_id") else None
    org_id = payload.get("organisation_id") or (vacancy.organisation_id if vacancy else None)
    organisation = session.get(Organisation, org_id) if org_id else None
    return {
        "vacancy": vacancy.title if vacancy else "",
        "seeker": seeker.full_name if seeker else "",
        "organisation": organisation.name if organisation else "",
        "organisation_id": org_id,
    }


def _deadline(session: Session, payload: dict[str, Any]) -> str:
    due = payload.get("answer_due_at")
    if due is None and payload.get("application_id"):
        try:  # the applications feature keeps the deadline; read it if the payload did not carry it
            from exchange.applications.models import Application
        except ImportError:
            return ""
        application = session.get(Application, payload["application_id"])
        due = getattr(application, "answer_due_at", None)
    return format_deadline(due)


def _employer_path(payload: dict[str, Any]) -> str:
    return f"/cabinet/applications/{payload.get('application_id', '')}"


def _seeker_path(payload: dict[str, Any]) -> str:
    return "/cabinet/applications/"


def application_created(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    names = _names(session, p)
    base = {k: names[k] for k in ("vacancy", "seeker", "organisation")}
    origin = p.get("origin")
    out: list[Planned] = []
    if origin == "response":
        out += [Planned("application_received", {**base, "path": _employer_path(p)}, user_id=u) for u in members_of(session, names["organisation_id"])]
    elif origin == "invitation":
        out.append(Planned("interview_invitation", {**base, "path": _seeker_path(p)}, seeker_id=p.get("seeker_id")))
    elif origin == "referral":
        deadline = _deadline(session, p)
        ctx = {**base, "deadline": deadline}
        out += [Planned("referral_received", {**ctx, "path": _employer_path(p)}, user_id=u) for u in members_of(session, names["organisation_id"])]
        out.append(Planned("referral_sent", {**ctx, "path": _seeker_path(p)}, seeker_id=p.get("seeker_id")))
    return out


SEEKER_VISIBLE_STATES = ("viewed", "offer", "rejected")


def application_changed(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    to_state = p.get("to_state")
    names = _names(session, p)
    base = {k: names[k] for k in ("vacancy", "seeker", "organisation")}
    if to_state == "interview":
        return [Planned("interview_invitation", {**base, "path": _seeker_path(p)}, seeker_id=p.get("seeker_id"))]
    if to_state in SEEKER_VISIBLE_STATES:
        return [Planned("application_status", {**base, "status": to_state, "path": _seeker_path(p)}, seeker_id=p.get("seeker_id"))]
    return []  # hired and auto-rejected have their own events; withdrawn is the seeker's own act


def application_hired(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    names = _names(session, p)
    return [Planned("hired", {"vacancy": names["vacancy"], "organisation": names["organisation"], "path": _seeker_path(p)},
                    seeker_id=p.get("seeker_id"))]


def referral_due_tomorrow(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    names = _names(session, p)
    ctx = {"vacancy": names["vacancy"], "seeker": names["seeker"], "deadline": _deadline(session, p), "path": _employer_path(p)}
    return [Planned("answer_due_tomorrow", ctx, user_id=u) for u in members_of(session, names["organisation_id"])]


def referral_auto_rejected(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    names = _names(session, p)
    ctx = {"vacancy": names["vacancy"], "organisation": names["organisation"], "seeker": names["seeker"]}
    out = [Planned("referral_auto_rejected", {**ctx, "path": _seeker_path(p)}, seeker_id=p.get("seeker_id"))]
    # The centre that referred the person follows up with other vacancies.
    out += [Planned("referral_auto_rejected", {**ctx, "path": _employer_path(p)}, user_id=u) for u in members_of(session, p.get("centre_id"))]
    return out


def _resume_ctx(session: Session, message: dict[str, Any]) -> tuple[Resume | None, dict[str, Any]]:
    resume = session.get(Resume, message["aggregate_id"]) if message.get("aggregate_id") else None
    due = message["payload"].get("expires_at") or (resume.expires_at if resume else None)
    return resume, {"resume": resume.title if resume else "", "deadline": format_deadline(due),
                    "path": f"/cabinet/resumes/{resume.id}/publish" if resume else "/cabinet/resumes/"}


def resume_expiring(session: Session, message: dict[str, Any]) -> list[Planned]:
    resume, ctx = _resume_ctx(session, message)
    seeker_id = message["payload"].get("seeker_id") or (resume.seeker_id if resume else None)
    return [Planned("resume_expiring", ctx, seeker_id=seeker_id)] if seeker_id else []


def resume_expired(session: Session, message: dict[str, Any]) -> list[Planned]:
    resume, ctx = _resume_ctx(session, message)
    seeker_id = message["payload"].get("seeker_id") or (resume.seeker_id if resume else None)
    return [Planned("resume_expired", ctx, seeker_id=seeker_id)] if seeker_id else []


def _run_path(run_id: Any) -> str:
    return f"/cabinet/pension/runs/{run_id}"  # the run's report (exchange.pension.views.run)


def pension_reconciled(session: Session, message: dict[str, Any]) -> list[Planned]:
    """Administrators get the all-centres summary; staff of each centre with matches get their centre's."""
    from exchange.pension.models import PensionRun

    run_id = message["payload"].get("run_id") or message.get("aggregate_id")
    run = session.get(PensionRun, run_id) if run_id else None
    if run is None:
        return []
    ctx = {"employed": run.matched, "deregistered": run.seekers_deregistered, "through_platform": run.through_platform,
           "run_id": run.id, "path": _run_path(run.id)}
    admins = session.scalars(sa.select(User.id).where(User.role == AccountRole.ADMIN, User.active.is_(True)).order_by(User.id))
    out = [Planned("reconciliation_result", ctx, user_id=u) for u in admins]
    for row in run.by_centre or []:
        if not row.get("deregistered"):
            continue
        centre_ctx = {"centre": _organisation_name(session, row["centre_id"]), "deregistered": row["deregistered"],
                      "through_platform": row.get("through_platform", 0), "run_id": run.id, "path": _run_path(run.id)}
        out += [Planned("reconciliation_centre_result", centre_ctx, user_id=u) for u in members_of(session, row["centre_id"])]
    return out


@dataclass
class Batch:
    """One chunk of a bulk notification (see :data:`BULK_PLANNERS`): who, what, and where to go on."""

    event_type: str
    items: list[Bulk]
    next_after: int | None  # cursor for the next chunk; None when this was the last


EMPLOYMENT_CHUNK = 5000  # pension matches read (and people notified) per transaction


def employment_recorded(session: Session, message: dict[str, Any], after: int = 0, limit: int | None = None) -> Batch:
    """The people a reconciliation run took off the register, one chunk of its matches at a time.

    Only people with an active account are told here (their centre's staff see everyone in the
    run's report and reach the others). Keyed by registration: a retried or re-delivered event,
    or a later run, adds nothing for a registration already told.
    """
    from exchange.pension.models import PensionMatch

    limit = limit or EMPLOYMENT_CHUNK
    run_id = message["payload"].get("run_id") or message.get("aggregate_id")
    centre = aliased(Organisation)
    rows = session.execute(
        sa.select(PensionMatch.id, PensionMatch.registration_id, PensionMatch.employer_name, PensionMatch.period,
                  SeekerProfile.user_id, centre.name, centre.phone)
        .join(SeekerProfile, SeekerProfile.id == PensionMatch.seeker_id)
        .join(User, User.id == SeekerProfile.user_id)
        .join(centre, centre.id == PensionMatch.centre_id)
        .where(PensionMatch.run_id == run_id, PensionMatch.id > after, User.active.is_(True))
        .order_by(PensionMatch.id).limit(limit)
    ).all()
    items = [
        Bulk(user_id, {"employer": employer, "date": period.strftime("%d.%m.%Y"), "centre": centre_name,
                       "centre_phone": phone or "", "path": "/cabinet/resumes/"},
             f"employment_recorded:r{registration_id}")
        for _, registration_id, employer, period, user_id, centre_name, phone in rows
    ]
    return Batch("employment_recorded", items, rows[-1][0] if len(rows) == limit else None)


def import_finished(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    ctx = {"created": p.get("created", 0), "updated": p.get("updated", 0), "rejected": p.get("rejected", p.get("failed", 0))}
    return [Planned("import_finished", ctx, user_id=u) for u in members_of(session, p.get("organisation_id"))]


def password_reset(session: Session, message: dict[str, Any]) -> list[Planned]:
    user_id = message.get("aggregate_id")
    return [Planned("password_reset", {}, user_id=user_id, channels=["email"])] if user_id else []


def centre_members(session: Session, district: str | None) -> list[int]:
    """Active staff of the employment centre(s) of a district (they handle its filings)."""
    from exchange.organisations.models import OrganisationKind

    if not district:
        return []
    return list(session.scalars(
        sa.select(Membership.user_id).distinct()
        .join(User, User.id == Membership.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.kind == OrganisationKind.CENTRE, Organisation.kato_code == district, User.active.is_(True))
        .order_by(Membership.user_id)
    ))


def _organisation_name(session: Session, organisation_id: int | None) -> str:
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    return organisation.name if organisation else ""


def layoff_changed(session: Session, message: dict[str, Any]) -> list[Planned]:
    """A layoff notice reached (or left) the district's centre: its staff contact the people."""
    from exchange.layoffs.models import LayoffNotice

    notice = session.get(LayoffNotice, message["aggregate_id"]) if message.get("aggregate_id") else None
    if notice is None:
        return []
    event_type = {"layoff.submitted": "layoff_submitted", "layoff.withdrawn": "layoff_withdrawn"}[message["topic"]]
    if event_type == "layoff_withdrawn" and notice.submitted_at is None:
        return []  # a draft withdrawn: the centre never saw it
    ctx = {"organisation": _organisation_name(session, notice.organisation_id), "people": notice.people_count,
           "date": notice.planned_date.strftime("%d.%m.%Y"), "path": f"/cabinet/layoffs/{notice.id}"}
    return [Planned(event_type, ctx, user_id=u) for u in centre_members(session, notice.kato_code)]


def forecast_changed(session: Session, message: dict[str, Any]) -> list[Planned]:
    """An employer's forecast of new jobs reached (or left) the district's centre."""
    from exchange.forecasts.models import ForecastReport

    report = session.get(ForecastReport, message["aggregate_id"]) if message.get("aggregate_id") else None
    if report is None:
        return []
    event_type = {"forecast.submitted": "forecast_submitted", "forecast.withdrawn": "forecast_withdrawn"}[message["topic"]]
    if event_type == "forecast_withdrawn" and report.submitted_at is None:
        return []
    ctx = {"organisation": _organisation_name(session, report.organisation_id), "jobs": report.total_jobs,
           "year": report.year, "quarter": report.quarter, "path": f"/cabinet/forecasts/{report.id}"}
    return [Planned(event_type, ctx, user_id=u) for u in centre_members(session, report.kato_code)]


def training_changed(session: Session, message: dict[str, Any]) -> list[Planned]:
    """Training applications: the centre hears of new and withdrawn ones; the person and the filer of decisions."""
    from exchange.training.models import TrainingApplication

    item = session.get(TrainingApplication, message["aggregate_id"]) if message.get("aggregate_id") else None
    if item is None:
        return []
    ctx = {"person": item.full_name, "number": item.id, "path": f"/cabinet/training/{item.id}"}
    topic = message["topic"]
    if topic == "training.submitted":
        return [Planned("training_submitted", ctx, user_id=u) for u in centre_members(session, item.kato_code)]
    if topic == "training.withdrawn":
        if item.submitted_at is None:
            return []
        return [Planned("training_withdrawn", ctx, user_id=u) for u in centre_members(session, item.kato_code)]
    # training.approved / training.refused
    ctx = {**ctx, "status": item.status.value, "reason": item.decision_reason or ""}
    out = [Planned("training_decided", ctx, seeker_id=item.seeker_id)] if item.seeker_id else []
    out += [Planned("training_decided", ctx, user_id=u) for u in members_of(session, item.filed_by_organisation_id)]
    return out


PLANNERS: dict[str, Callable[[Session, dict[str, Any]], list[Planned]]] = {
    "application.created": application_created,
    "application.changed": application_changed,
    "application.hired": application_hired,
    "referral.due_tomorrow": referral_due_tomorrow,
    "referral.auto_rejected": referral_auto_rejected,
    "resume.expiring": resume_expiring,
    "resume.expired": resume_expired,
    "pension.reconciled": pension_reconciled,
    "import.finished": import_finished,
    "account.password_reset_requested": password_reset,
    "layoff.submitted": layoff_changed,
    "layoff.withdrawn": layoff_changed,
    "forecast.submitted": forecast_changed,
    "forecast.withdrawn": forecast_changed,
    "training.submitted": training_changed,
    "training.withdrawn": training_changed,
    "training.approved": training_changed,
    "training.refused": training_changed,
}

# Topics whose recipients may number in the hundreds of thousands: the consumer takes their
# notifications chunk by chunk (one transaction each) through the bulk path ``notify_users``.
BULK_PLANNERS: dict[str, Callable[..., Batch]] = {
    "pension.reconciled": employment_recorded,
}

# Topics emitted in the code that are not planned here, each for a stated reason: nobody
# needs telling, or another consumer tells them (tests/notifications/test_catalogue.py
# checks that every topic emitted in the code is planned above or listed here).
NOT_PLANNED: dict[str, str] = {
    "webhook.disabled": "exchange.api.consumers tells the organisation's owners (event type webhook.disabled)",
    "vacancy.published": "saved-search alerts (exchange.subscriptions)",
    "resume.published": "saved-search alerts (exchange.subscriptions)",
    "resume.renewed": "saved-search alerts (exchange.subscriptions)",
    "resume.unhidden": "saved-search alerts (exchange.subscriptions)",
    "vacancy.created": "a draft: only the employer sees it",
    "vacancy.updated": "the employer's own edit",
    "vacancy.hidden": "the employer's own act",
    "vacancy.closed": "the employer's own act; open applications change state and are told then",
    "vacancy.reopened": "the employer's own act",
    "vacancy.archived": "the employer's own act",
    "resume.created": "the person's own act",
    "resume.updated": "the person's own edit",
    "resume.hidden": "the person's own act",
    "resume.archived": "the person's own act; expiry is told through resume.expired",
    "seeker.registered": "done with the person at the centre's desk",
    "seeker.deregistered": "a centre's manual deregistration is done with the person at the desk; "
                           "pension reconciliation is told in bulk from pension.reconciled (employment_recorded)",
    "account.activated": "the person's own act or an administrator's; shown on the page",
    "account.created": "the person just signed up",
    "account.deactivated": "administrators' act; the account can no longer read messages",
    "account.password_changed": "the person's own act in the cabinet",
    "agency_report.submitted": "reports are read in the centre's reports pages",
    "api_key.issued": "the key is shown once to the person who made it",
    "api_key.revoked": "the person who revoked it sees it at once",
    "candidate.contact_requested": "the organisation's message itself is the notification (organisation_message)",
    "import.requested": "the import job reports through import.finished",
    "notification.created": "sends the notification itself",
    "organisation.created": "the creator's own act",
    "organisation.member_added": "added in the owner's presence; the member signs in to the organisation",
    "organisation.member_removed": "the owner's own act",
    "organisation.updated": "the organisation's own edit",
    "pension.imported": "the reconciliation run reports through pension.reconciled",
    "seeker.consents_changed": "the person's own choice",
    "seeker.created": "the person or the centre just created it",
    "seeker.updated": "the person's or the centre's own edit",
    "seeker.verified": "shown on the person's profile",
    "subscription.created": "the person's own act",
    "telegram.linked": "the bot answers in the chat at once",
    "telegram.unlinked": "the person's own act",
    "layoff.created": "a draft: only the employer sees it",
    "layoff.updated": "amendments are kept in the notice's history the centre reads",
    "layoff.contacted": "the centre's own record",
    "layoff.converted": "the centre's own act; the people get their resumes' notifications",
    "forecast.created": "a draft: only the employer sees it",
    "forecast.updated": "amendments are kept in the forecast's history",
    "training.created": "a draft: only the filer sees it",
    "training.updated": "amendments are kept in the application's history",
}
