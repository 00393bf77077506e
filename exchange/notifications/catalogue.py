"""Every kind of notification: its name, default channels, and what it says (kk/ru/en via gettext).

The English source strings below are translated in this package's catalogue; the
renderer (``bots.render``) calls :func:`compose` under the recipient's locale, so
one definition serves the inbox, e-mail, SMS, the spoken call and Telegram.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import g

from exchange.i18n import force_locale, gettext, ngettext
from exchange.i18n import lazy_gettext as _l

INBOX, EMAIL, SMS, CALL, TELEGRAM = "inbox", "email", "sms", "call", "telegram"
DELIVERY_CHANNELS = (EMAIL, SMS, TELEGRAM, CALL)


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


@dataclass(frozen=True)
class EventType:
    key: str
    label: Any  # lazy string shown on the preferences page
    channels: tuple[str, ...]  # channels used unless the person chose otherwise
    compose: Callable[[dict[str, Any]], Composed]
    configurable: bool = True  # False: always sent as defined (password reset)
    inbox: bool = True  # shown in the in-app inbox


def _status_label(state: str) -> str:
    names = {
        "new": gettext("received"),
        "viewed": gettext("viewed by the employer"),
        "interview": gettext("invited to an interview"),
        "offer": gettext("job offer"),
        "hired": gettext("hired"),
        "rejected": gettext("declined"),
        "withdrawn": gettext("withdrawn"),
        "auto_rejected": gettext("closed without the employer's answer"),
    }
    return names.get(state, state)


def _application_received(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("New application: %(vacancy)s", vacancy=c.get("vacancy", "")),
        gettext(
            "%(seeker)s applied for the vacancy “%(vacancy)s”. Open the application to review the resume.",
            seeker=c.get("seeker", ""), vacancy=c.get("vacancy", ""),
        ),
    )


def _interview_invitation(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Invitation to an interview"),
        gettext(
            "%(organisation)s invites you to an interview for the vacancy “%(vacancy)s”.",
            organisation=c.get("organisation", ""), vacancy=c.get("vacancy", ""),
        ),
    )


def _referral_received(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Referral from the employment centre: %(vacancy)s", vacancy=c.get("vacancy", "")),
        gettext(
            "The employment centre referred %(seeker)s to the vacancy “%(vacancy)s”. Please answer by %(deadline)s; "
            "without an answer the referral counts as refused.",
            seeker=c.get("seeker", ""), vacancy=c.get("vacancy", ""), deadline=c.get("deadline", ""),
        ),
    )


def _referral_sent(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("You were referred to a vacancy"),
        gettext(
            "The employment centre sent your resume to %(organisation)s for the vacancy “%(vacancy)s”. "
            "The employer answers by %(deadline)s.",
            organisation=c.get("organisation", ""), vacancy=c.get("vacancy", ""), deadline=c.get("deadline", ""),
        ),
    )


def _application_status(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Your application: %(status)s", status=_status_label(c.get("status", ""))),
        gettext(
            "Your application for “%(vacancy)s” at %(organisation)s: %(status)s.",
            vacancy=c.get("vacancy", ""), organisation=c.get("organisation", ""), status=_status_label(c.get("status", "")),
        ),
    )


def _answer_due_tomorrow(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Answer due tomorrow: %(vacancy)s", vacancy=c.get("vacancy", "")),
        gettext(
            "Please answer the referral of %(seeker)s to “%(vacancy)s” by %(deadline)s. "
            "Without an answer the seeker counts as refused.",
            seeker=c.get("seeker", ""), vacancy=c.get("vacancy", ""), deadline=c.get("deadline", ""),
        ),
    )


def _auto_rejected(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Referral closed without an answer"),
        gettext(
            "%(organisation)s did not answer the referral to “%(vacancy)s” within 3 working days, so it counts as refused.",
            organisation=c.get("organisation", ""), vacancy=c.get("vacancy", ""),
        ),
    )


def _hired(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Congratulations, you are hired"),
        gettext(
            "%(organisation)s confirmed your hiring for “%(vacancy)s”. We wish you success in the new job!",
            organisation=c.get("organisation", ""), vacancy=c.get("vacancy", ""),
        ),
    )


def _resume_expiring(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Your resume expires soon"),
        gettext(
            "Your resume “%(resume)s” will be removed from the portal on %(deadline)s. Renew it to stay visible to employers.",
            resume=c.get("resume", ""), deadline=c.get("deadline", ""),
        ),
    )


def _resume_expired(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Your resume is no longer published"),
        gettext(
            "Your resume “%(resume)s” reached the end of its publication term and is hidden from employers. "
            "Publish it again whenever you are ready.",
            resume=c.get("resume", ""),
        ),
    )


def _items_tail(c: dict[str, Any]) -> str:
    lines = [f"• {item.get('title', '')}" for item in c.get("items", [])[:10]]
    return ("\n" + "\n".join(lines)) if lines else ""


def _matching_vacancies(c: dict[str, Any]) -> Composed:
    n = int(c.get("count", 0))
    return Composed(
        gettext("New vacancies for “%(search)s”", search=c.get("search", "")),
        ngettext(
            "%(num)d new vacancy matches your saved search “%(search)s”.",
            "%(num)d new vacancies match your saved search “%(search)s”.",
            n, search=c.get("search", ""),
        ) + _items_tail(c),
    )


def _matching_resumes(c: dict[str, Any]) -> Composed:
    n = int(c.get("count", 0))
    return Composed(
        gettext("New resumes for “%(search)s”", search=c.get("search", "")),
        ngettext(
            "%(num)d new resume matches your saved search “%(search)s”.",
            "%(num)d new resumes match your saved search “%(search)s”.",
            n, search=c.get("search", ""),
        ) + _items_tail(c),
    )


def _reconciliation(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Pension reconciliation finished"),
        gettext(
            "The weekly reconciliation of pension contributions is done: %(employed)s people found employed, "
            "%(deregistered)s taken off the register.",
            employed=c.get("employed", 0), deregistered=c.get("deregistered", 0),
        ),
    )


def _reconciliation_centre(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Pension reconciliation: %(centre)s", centre=c.get("centre", "")),
        gettext(
            "The weekly reconciliation of pension contributions took %(deregistered)s people off the register of "
            "%(centre)s: contributions show they are employed; %(through_platform)s of them found the job through "
            "the platform. Open the run's report to see who they are and to follow up with those we could not notify.",
            deregistered=c.get("deregistered", 0), centre=c.get("centre", ""), through_platform=c.get("through_platform", 0),
        ),
    )


def _employment_recorded(c: dict[str, Any]) -> Composed:
    contact = c.get("centre", "")
    if c.get("centre_phone"):
        contact = gettext("%(centre)s, phone %(phone)s", centre=contact, phone=c["centre_phone"])
    return Composed(
        gettext("New job recorded, registration closed"),
        gettext(
            "The pension fund reports contributions from %(employer)s since %(date)s. We closed your registration "
            "as a job seeker and archived your resumes. If this is wrong, contact your employment centre: %(contact)s.",
            employer=c.get("employer", ""), date=c.get("date", ""), contact=contact,
        ),
    )


def _import_finished(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Import finished"),
        gettext(
            "Your import finished: %(created)s created, %(updated)s updated, %(rejected)s rejected.",
            created=c.get("created", 0), updated=c.get("updated", 0), rejected=c.get("rejected", 0),
        ),
    )


def _password_reset(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Reset your Birzha password"),
        gettext(
            "Someone asked to reset the password of your Birzha account. Follow the link within %(minutes)s minutes "
            "to choose a new password. If it was not you, ignore this message.",
            minutes=c.get("minutes", 60),
        ),
    )


def _organisation_message(c: dict[str, Any]) -> Composed:
    # The organisation's own words; only the subject is ours.
    return Composed(
        gettext("Message from %(organisation)s", organisation=c.get("organisation", "")),
        str(c.get("message", "")),
    )


def _layoff_submitted(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Layoff notice from %(organisation)s", organisation=c.get("organisation", "")),
        gettext(
            "%(organisation)s gave notice that %(people)s people will be released on %(date)s. "
            "Open the notice to contact the people and offer them help.",
            organisation=c.get("organisation", ""), people=c.get("people", 0), date=c.get("date", ""),
        ),
    )


def _layoff_withdrawn(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Layoff notice withdrawn: %(organisation)s", organisation=c.get("organisation", "")),
        gettext(
            "%(organisation)s withdrew its notice of releasing %(people)s people on %(date)s. "
            "People already registered stay on the exchange.",
            organisation=c.get("organisation", ""), people=c.get("people", 0), date=c.get("date", ""),
        ),
    )


def _period(c: dict[str, Any]) -> str:
    if c.get("quarter"):
        return gettext("quarter %(quarter)s of %(year)s", quarter=c["quarter"], year=c.get("year", ""))
    return gettext("the year %(year)s", year=c.get("year", ""))


def _forecast_submitted(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Forecast of new jobs from %(organisation)s", organisation=c.get("organisation", "")),
        gettext(
            "%(organisation)s plans %(jobs)s new jobs for %(period)s in your district.",
            organisation=c.get("organisation", ""), jobs=c.get("jobs", 0), period=_period(c),
        ),
    )


def _forecast_withdrawn(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Forecast withdrawn: %(organisation)s", organisation=c.get("organisation", "")),
        gettext(
            "%(organisation)s withdrew its forecast of new jobs for %(period)s.",
            organisation=c.get("organisation", ""), period=_period(c),
        ),
    )


def _training_submitted(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Training application no. %(number)s", number=c.get("number", "")),
        gettext(
            "A training application for %(person)s (no. %(number)s) is waiting for your centre's decision.",
            person=c.get("person", ""), number=c.get("number", ""),
        ),
    )


def _training_decided(c: dict[str, Any]) -> Composed:
    number = c.get("number", "")
    if c.get("status") == "approved":
        return Composed(
            gettext("Training application approved"),
            gettext(
                "The employment centre approved training application no. %(number)s for %(person)s. "
                "The centre will tell you where and when the training starts.",
                number=number, person=c.get("person", ""),
            ),
        )
    return Composed(
        gettext("Training application refused"),
        gettext(
            "The employment centre refused training application no. %(number)s for %(person)s. Reason: %(reason)s",
            number=number, person=c.get("person", ""), reason=c.get("reason") or "—",
        ),
    )


def _training_withdrawn(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Training application withdrawn"),
        gettext(
            "Training application no. %(number)s for %(person)s was withdrawn; no decision is needed.",
            number=c.get("number", ""), person=c.get("person", ""),
        ),
    )


def _webhook_disabled(c: dict[str, Any]) -> Composed:
    return Composed(
        gettext("Webhook switched off"),
        gettext(
            "We stopped sending events to %(url)s after %(failures)s failed deliveries in a row. "
            "Fix the endpoint, then switch the webhook on again in your integrations.",
            url=c.get("url", ""), failures=c.get("failures", 0),
        ),
    )


EVENT_TYPES: dict[str, EventType] = {
    e.key: e
    for e in (
        EventType("application_received", _l("A seeker applied to our vacancy"), (INBOX, EMAIL, TELEGRAM), _application_received),
        EventType("interview_invitation", _l("Interview invitations"), (INBOX, EMAIL, TELEGRAM, SMS), _interview_invitation),
        EventType("referral_received", _l("The employment centre referred a candidate"), (INBOX, EMAIL, TELEGRAM), _referral_received),
        EventType("referral_sent", _l("The employment centre referred me to a vacancy"), (INBOX, EMAIL, TELEGRAM, SMS), _referral_sent),
        EventType("application_status", _l("My application changed status"), (INBOX, EMAIL, TELEGRAM), _application_status),
        EventType("answer_due_tomorrow", _l("An answer to a referral is due tomorrow"), (INBOX, EMAIL, TELEGRAM, SMS), _answer_due_tomorrow),
        EventType("referral_auto_rejected", _l("A referral closed without the employer's answer"), (INBOX, EMAIL, TELEGRAM), _auto_rejected),
        EventType("hired", _l("Hiring confirmed"), (INBOX, EMAIL, TELEGRAM, SMS), _hired),
        EventType("resume_expiring", _l("My resume expires soon"), (INBOX, EMAIL, TELEGRAM), _resume_expiring),
        EventType("resume_expired", _l("My resume was taken off the portal"), (INBOX, EMAIL, TELEGRAM), _resume_expired),
        EventType("new_matching_vacancies", _l("New vacancies for my saved searches"), (INBOX, EMAIL, TELEGRAM), _matching_vacancies),
        EventType("new_matching_resumes", _l("New resumes for our saved searches"), (INBOX, EMAIL, TELEGRAM), _matching_resumes),
        EventType("reconciliation_result", _l("Pension reconciliation results"), (INBOX, EMAIL), _reconciliation),
        EventType("reconciliation_centre_result", _l("Pension reconciliation results for our centre"), (INBOX, EMAIL),
                  _reconciliation_centre),
        EventType("employment_recorded", _l("A new job was recorded and my registration closed"), (INBOX, EMAIL, TELEGRAM, SMS),
                  _employment_recorded),
        EventType("import_finished", _l("Import results"), (INBOX, EMAIL), _import_finished),
        EventType("organisation_message", _l("Messages from employers and agencies"), (INBOX, SMS, EMAIL, CALL), _organisation_message),
        EventType("layoff_submitted", _l("Layoff notices in our district"), (INBOX, EMAIL), _layoff_submitted),
        EventType("layoff_withdrawn", _l("Withdrawn layoff notices"), (INBOX, EMAIL), _layoff_withdrawn),
        EventType("forecast_submitted", _l("Forecasts of new jobs in our district"), (INBOX, EMAIL), _forecast_submitted),
        EventType("forecast_withdrawn", _l("Withdrawn forecasts of new jobs"), (INBOX, EMAIL), _forecast_withdrawn),
        EventType("training_submitted", _l("Training applications to decide"), (INBOX, EMAIL), _training_submitted),
        EventType("training_decided", _l("Decisions on training applications"), (INBOX, EMAIL, TELEGRAM, SMS), _training_decided),
        EventType("training_withdrawn", _l("Withdrawn training applications"), (INBOX, EMAIL), _training_withdrawn),
        # Keyed by the topic itself: exchange.api.consumers notifies owners under this name.
        EventType("webhook.disabled", _l("A webhook was switched off"), (INBOX, EMAIL), _webhook_disabled),
        EventType("password_reset", _l("Password reset"), (EMAIL,), _password_reset, configurable=False, inbox=False),
    )
}


@contextlib.contextmanager
def in_locale(locale: str) -> Iterator[None]:
    """Translate in ``locale`` inside or outside a request (jobs, bot, consumers)."""
    previous = g.get("locale_override")
    # flask-babel's force_locale is a no-op while ``g`` is empty, so give it something first.
    g.locale_override = locale
    try:
        with force_locale(locale):
            yield
    finally:
        if previous is None:
            g.pop("locale_override", None)
        else:
            g.locale_override = previous


def compose(event_type: str, context: dict[str, Any], locale: str) -> Composed:
    with in_locale(locale):
        return EVENT_TYPES[event_type].compose(context)
