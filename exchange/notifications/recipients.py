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
from sqlalchemy.orm import Session

from exchange.accounts.models import AccountRole, User
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


def pension_reconciled(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    ctx = {"employed": p.get("employed", p.get("matched", 0)), "deregistered": p.get("deregistered", 0), "run_id": p.get("run_id")}
    admins = session.scalars(sa.select(User.id).where(User.role == AccountRole.ADMIN, User.active.is_(True)))
    return [Planned("reconciliation_result", ctx, user_id=u) for u in admins]


def import_finished(session: Session, message: dict[str, Any]) -> list[Planned]:
    p = message["payload"]
    ctx = {"created": p.get("created", 0), "updated": p.get("updated", 0), "rejected": p.get("rejected", p.get("failed", 0))}
    return [Planned("import_finished", ctx, user_id=u) for u in members_of(session, p.get("organisation_id"))]


def password_reset(session: Session, message: dict[str, Any]) -> list[Planned]:
    user_id = message.get("aggregate_id")
    return [Planned("password_reset", {}, user_id=user_id, channels=["email"])] if user_id else []


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
}
