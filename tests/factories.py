"""Test data made through the operations, so factories obey the same rules as users do."""

from __future__ import annotations

import itertools
import random
from typing import Any

from sqlalchemy.orm import Session

from exchange.accounts import operations as accounts
from exchange.accounts.models import AccountRole, User
from exchange.auth import Actor
from exchange.organisations import operations as organisations
from exchange.organisations.models import MemberRole, Membership, Organisation
from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy
from exchange.validators import control_digit

PASSWORD = "correct-horse-42"
ALMATY_DISTRICT = "751210000"  # Almaly district of Almaty
ASTANA_DISTRICT = "711210000"
_counter = itertools.count(1)
_rng = random.Random(7)


def iin(birth: str = "900101", century: int = 3) -> str:
    """A valid IIN for a birth date YYMMDD (century digit 3/4 = 1900s male/female, 5/6 = 2000s)."""
    while True:
        head = f"{birth}{century}{_rng.randint(0, 9999):04d}"
        check = control_digit(head)
        if check is not None:
            return head + str(check)


def bin_() -> str:
    while True:
        head = f"{_rng.randint(0, 25):02d}{_rng.randint(1, 12):02d}40{_rng.randint(0, 99999):05d}"
        check = control_digit(head)
        if check is not None:
            return head + str(check)


def user(session: Session, role: AccountRole | str = AccountRole.SEEKER, **overrides: Any) -> User:
    n = next(_counter)
    data = {"email": f"user{n}@example.kz", "password": PASSWORD, "full_name": f"Тест Пайдаланушы {n}", "role": str(role)}
    data.update(overrides)
    if AccountRole(data["role"]) in accounts.PUBLIC_ROLES:
        return accounts.sign_up(session, data)
    return accounts.create_staff_account(session, Actor.system("test"), data)


def actor_for(session: Session, person: User, organisation: Organisation | None = None, via: str = "web") -> Actor:
    return Actor(user=person, organisation=organisation, via=via)


def organisation(session: Session, kind: str = "employer", owner: User | None = None, **overrides: Any) -> tuple[Organisation, Actor]:
    role = {"employer": AccountRole.EMPLOYER, "agency": AccountRole.AGENCY, "centre": AccountRole.CENTRE}[kind]
    owner = owner or user(session, role)
    data = {"kind": kind, "name": f"ТОО «Тест {next(_counter)}»", "kato_code": ALMATY_DISTRICT}
    if kind in ("employer", "agency"):
        data["bin"] = bin_()
    if kind == "agency":
        data["registry_number"] = f"ЖЖА-{next(_counter)}"
    data.update(overrides)
    actor = Actor.system("test") if kind == "centre" else actor_for(session, owner)
    org = organisations.create_organisation(session, actor, data)
    if kind == "centre":
        session.add(Membership(user_id=owner.id, organisation_id=org.id, role=MemberRole.OWNER))
    session.flush()  # requests in the test use their own session: make the membership visible
    return org, actor_for(session, owner, org)


def employer(session: Session, **overrides: Any) -> tuple[Organisation, Actor]:
    return organisation(session, "employer", **overrides)


def agency(session: Session, **overrides: Any) -> tuple[Organisation, Actor]:
    return organisation(session, "agency", **overrides)


def centre(session: Session, district: str = ALMATY_DISTRICT) -> tuple[Organisation, Actor]:
    return organisation(session, "centre", kato_code=district, name=f"ХЖО {district}")


def seeker(session: Session, with_account: bool = True, consent: bool = True, **overrides: Any) -> tuple[SeekerProfile, Actor]:
    person = user(session, AccountRole.SEEKER) if with_account else None
    data = {
        "iin": iin(), "last_name": "Серікбаева", "first_name": "Айгерім", "kato_code": ALMATY_DISTRICT,
        "phone": "+77011234567", "consent_publish": consent,
    }
    data.update(overrides)
    if person is not None:
        actor = actor_for(session, person)
        profile = seekers.create_profile(session, actor, data)
    else:
        actor = Actor.system("test")
        profile = seekers.create_profile(session, actor, data)
    return profile, actor


def resume(session: Session, profile: SeekerProfile, actor: Actor, publish: bool = True, **overrides: Any) -> Resume:
    data = {"title": "Водитель категории C", "occupation_code": "8332", "kato_code": profile.kato_code,
            "skills": ["вождение"], "languages": "kk:native, ru:C1", "driving_licences": ["C"]}
    data.update(overrides)
    item = resumes.create_resume(session, actor, profile.id, data)
    if publish:
        resumes.publish_resume(session, actor, item.id, {"consent_publish": True})
    return item


def vacancy(session: Session, actor: Actor, publish: bool = True, **overrides: Any) -> Vacancy:
    data = {
        "title": "Водитель грузового автомобиля", "occupation_code": "8332", "kato_code": ALMATY_DISTRICT,
        "description": "Перевозка грузов по городу. Официальное трудоустройство.", "salary_from": 250000,
        "salary_to": 350000, "positions": 1, "driving_licences": ["C"],
    }
    data.update(overrides)
    item = vacancies.create_vacancy(session, actor, data)
    if publish:
        vacancies.publish_vacancy(session, actor, item.id)
    return item


def layoff_notice(session: Session, actor: Actor, submit: bool = False, **overrides: Any):
    """A layoff notice of 3 welders (one named, consenting) in ALMATY_DISTRICT, a month ahead."""
    import datetime as dt

    from exchange.layoffs import operations as layoffs

    data: dict[str, Any] = {
        "reason": "staff_reduction", "planned_date": (dt.date.today() + dt.timedelta(days=40)).isoformat(),
        "people_count": 3, "kato_code": ALMATY_DISTRICT, "contact_name": "Ахметов Ерлан", "contact_phone": "+77012223344",
        "positions": [{"title": "Сварщик", "occupation_code": "7212", "count": 3}],
        "people": [{"iin": iin("850315"), "last_name": "Омаров", "first_name": "Данияр", "position": "Сварщик",
                    "occupation_code": "7212", "phone": "+77015556677", "consent_publish": True}],
    }
    data.update(overrides)
    notice = layoffs.create_notice(session, actor, data)
    if submit:
        layoffs.submit_notice(session, actor, notice.id)
    return notice


def forecast(session: Session, actor: Actor, submit: bool = False, **overrides: Any):
    """Planned jobs for next year in ALMATY_DISTRICT: 5 welders and 2 software developers."""
    import datetime as dt

    from exchange.forecasts import operations as forecasts

    data: dict[str, Any] = {
        "period_kind": "year", "year": dt.date.today().year + 1, "kato_code": ALMATY_DISTRICT,
        "lines": [{"occupation_code": "7212", "count": 5}, {"occupation_code": "2512", "count": 2}],
    }
    data.update(overrides)
    report = forecasts.create_forecast(session, actor, data)
    if submit:
        forecasts.submit_forecast(session, actor, report.id)
    return report


def training_application(session: Session, actor: Actor, submit: bool = False, **overrides: Any):
    """A training application; a seeker's actor files for themselves, an organisation's names a person."""
    from exchange.training import operations as training

    data: dict[str, Any] = {"occupation_code": "7212", "form": "short_course", "preferred_kato_code": ALMATY_DISTRICT}
    if actor.organisation is not None:
        data.update(iin=iin("920505", 4), full_name="Бекова Асель", kato_code=ALMATY_DISTRICT)
    data.update(overrides)
    item = training.create_application(session, actor, data)
    if submit:
        training.submit_application(session, actor, item.id)
    return item


def registered_seeker(session: Session, centre_actor: Actor, with_account: bool = True, **overrides: Any) -> tuple[SeekerProfile, Actor, Resume]:
    """A person registered at the actor's centre, with a published resume (issue 4)."""
    profile, seeker_actor = seeker(session, with_account=with_account, **overrides)
    seekers.register(session, centre_actor, profile.id, {"category": "unemployed"})
    item = resume(session, profile, seeker_actor if with_account else centre_actor)
    return profile, seeker_actor, item


def referral(session: Session, centre_actor: Actor, resume_id: int, vacancy_id: int, **data: Any):
    from exchange.applications import operations as applications

    return applications.refer(session, centre_actor, resume_id, vacancy_id, {"consent": True, **data})


def application(session: Session, seeker_actor: Actor, resume_id: int, vacancy_id: int, **data: Any):
    from exchange.applications import operations as applications

    return applications.apply(session, seeker_actor, resume_id, vacancy_id, data)


def pension_feed(session: Session, rows: list[dict[str, Any]], name: str = "feed.csv", actor: Actor | None = None):
    """Import a pension feed made of ``rows`` (dicts with the feed's columns) as a CSV file (issue 5)."""
    import csv
    import io

    from exchange.pension import operations as pension
    from exchange.pension.feed import COLUMNS

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return pension.import_feed(session, actor or Actor.system("test"), io.BytesIO(text.getvalue().encode()), name)


def api_key(session: Session, owner_actor: Actor, scopes: tuple[str, ...] | list[str] = ("vacancies:read",), **data: Any):
    """Issue an API key as the organisation's owner in the cabinet would (issue 7); returns (key, token)."""
    from exchange.api import keys

    return keys.issue_key(session, owner_actor, {"name": f"Интеграция {next(_counter)}", "scopes": list(scopes), **data})


def subscription(session: Session, actor: Actor, kind: str = "vacancies", frequency: str = "instant", **params: Any):
    """A saved search made as its owner would in the cabinet or the bot (issue 6)."""
    from exchange.subscriptions import operations as subscriptions

    return subscriptions.create_subscription(session, actor, {"kind": kind, "frequency": frequency, "params": params or {"q": "водитель"}})


def telegram_link(session: Session, person: User, chat_id: int) -> None:
    """Link a Telegram chat to an account the way the bot does after ``/start <token>`` (issue 6)."""
    from exchange.notifications import operations as notifications

    token = notifications.start_telegram_link(session, actor_for(session, person))
    notifications.complete_telegram_link(session, token, chat_id, None)
