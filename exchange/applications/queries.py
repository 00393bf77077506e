"""Read side of the pipeline: the seeker's list, the board, candidates, deadlines, statistics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from exchange.applications import states
from exchange.applications.models import (
    OPEN_STATES,
    Application,
    ApplicationEvent,
    ApplicationOrigin,
    ApplicationState,
    OrganisationStage,
)
from exchange.applications.operations import READ_SCOPE, manages_vacancy, pipeline_owner_id, stages_for
from exchange.auth import Actor, deny, require_org, require_scope
from exchange.db import utcnow
from exchange.i18n import lazy_gettext as _l
from exchange.labels import label
from exchange.organisations.models import OrganisationKind
from exchange.resumes.models import Resume, Visibility
from exchange.seekers.models import SeekerProfile
from exchange.timeutil import ALMATY, local_today, to_local
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy

CLOSED_STATES = [ApplicationState.REJECTED.value, ApplicationState.WITHDRAWN.value, ApplicationState.AUTO_REJECTED.value]


def deadline_status(application: Application | Card, now: dt.datetime | None = None) -> str | None:
    """How a referral's answer stands: answered, overdue, due_today, pending, expired (auto-rejected)."""
    if application.answer_due_at is None:
        return None
    if application.state == ApplicationState.AUTO_REJECTED:
        return "expired"
    if application.answered_at is not None:
        return "answered"
    if not application.is_open:
        return None
    now = now or utcnow()
    if application.answer_due_at < now:
        return "overdue"
    if to_local(application.answer_due_at).date() == to_local(now).date():
        return "due_today"
    return "pending"


def seeker_applications(session: Session, actor: Actor, seeker_id: int) -> list[Application]:
    require_scope(actor, READ_SCOPE)
    profile = session.get(SeekerProfile, seeker_id)
    if profile is None or not (actor.is_admin or profile.user_id == actor.user_id):
        raise deny()
    return list(session.scalars(
        sa.select(Application).where(Application.seeker_id == seeker_id)
        .options(joinedload(Application.vacancy).joinedload(Vacancy.organisation), joinedload(Application.resume),
                 joinedload(Application.centre), selectinload(Application.events))
        .order_by(Application.updated_at.desc(), Application.id.desc())
    ))


def _org_scope(organisation_id: int) -> sa.ColumnElement[bool]:
    """Applications to the organisation's vacancies, or to vacancies it manages for an employer."""
    managed = sa.select(Vacancy.id).where(Vacancy.source_organisation_id == organisation_id)
    return sa.or_(Application.organisation_id == organisation_id, Application.vacancy_id.in_(managed))


@dataclass(frozen=True, slots=True)
class CardSeeker:
    id: int
    full_name: str


@dataclass(frozen=True, slots=True)
class CardResume:
    id: int
    title: str


@dataclass(frozen=True, slots=True)
class CardStage:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Card:
    """An application as its board card shows it, read from plain rows rather than ORM objects.

    It answers to the names the card templates use on an :class:`Application`
    (``seeker.full_name``, ``resume.title``, ``stage.name``, the referral clock for
    :func:`deadline_status`), so the cards and macros render either.
    """

    id: int
    origin: ApplicationOrigin
    state: ApplicationState
    stage_id: int | None
    answer_due_at: dt.datetime | None
    answered_at: dt.datetime | None
    seeker: CardSeeker
    resume: CardResume
    stage: CardStage | None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass
class Column:
    key: str
    title: str
    state: str | None
    stage: OrganisationStage | None = None
    total: int = 0
    cards: list[Card] = field(default_factory=list)
    offset: int = 0  # where the shown cards start (an expanded column pages through all of them)


EXPANDED_PAGE = 100


def _column_filters(stages: list[OrganisationStage]) -> dict[str, sa.ColumnElement[bool]]:
    """Which applications each board column holds, in board order; every application is in exactly one.

    A card sits in an active own stage's column when it is in that stage and still in the
    stage's state; otherwise in the column of its state; refused, withdrawn and
    auto-rejected ones share the closed column. The same conditions give the totals and
    the cards, so the two always agree.
    """
    a = Application
    filters: dict[str, sa.ColumnElement[bool]] = {"new": a.state == ApplicationState.NEW}
    for state in states.STAGE_ORDER:
        own = [s.id for s in stages if s.state.value == state]
        in_state = a.state == ApplicationState(state)
        filters[state] = sa.and_(in_state, sa.or_(a.stage_id.is_(None), a.stage_id.not_in(own))) if own else in_state
        filters.update({f"stage-{stage_id}": sa.and_(in_state, a.stage_id == stage_id) for stage_id in own})
    filters["hired"] = a.state == ApplicationState.HIRED
    filters["closed"] = a.state.in_(CLOSED_STATES)
    return filters


def board(
    session: Session, actor: Actor, vacancy_id: int, *, per_column: int = 30, expand: str | None = None, page: int = 1
) -> tuple[Vacancy, list[Column]]:
    """The vacancy's candidates by stage; each column shows its newest cards and its total.

    Two statements whatever the number of applications: one pass counts every column
    (``count(*) FILTER``), and one ``UNION ALL`` picks each column's newest ids straight
    from the ``(vacancy_id, state, updated_at, id)`` index (no sort of the vacancy's
    applications), then joins what a card shows. An expanded column pages through its
    cards, :data:`EXPANDED_PAGE` at a time.
    """
    require_scope(actor, READ_SCOPE)
    vacancy = vacancies.get_vacancy(session, vacancy_id)
    if not manages_vacancy(session, actor, vacancy):
        raise deny(_l("This vacancy belongs to another organisation."))
    stages = stages_for(session, pipeline_owner_id(vacancy))
    columns = [Column("new", str(label("application_state", "new")), "new")]
    for state in states.STAGE_ORDER:
        own = [s for s in stages if s.state.value == state]
        columns.append(Column(state, str(label("application_state", state)), state))
        columns.extend(Column(f"stage-{s.id}", s.name, state, s) for s in own)
    columns.append(Column("hired", str(label("application_state", "hired")), "hired"))
    columns.append(Column("closed", str(_l("Closed applications")), None))
    by_key = {c.key: c for c in columns}
    if expand not in by_key:
        expand = None
    offset = (max(1, page) - 1) * EXPANDED_PAGE if expand else 0
    if expand:
        by_key[expand].offset = offset

    filters = _column_filters(stages)
    a = Application
    in_vacancy = a.vacancy_id == vacancy.id
    totals = session.execute(sa.select(*(sa.func.count().filter(f) for f in filters.values())).where(in_vacancy)).one()
    for key, total in zip(filters, totals, strict=True):
        by_key[key].total = total

    newest_first = (a.updated_at.desc(), a.id.desc())
    picks = []
    for key, where in filters.items():
        if not by_key[key].total:
            continue
        limit, skip = (EXPANDED_PAGE, offset) if key == expand else (per_column, 0)
        ids = sa.select(a.id).where(in_vacancy, where).order_by(*newest_first).limit(limit).offset(skip).subquery()
        picks.append(sa.select(ids.c.id, sa.literal(key, sa.String).label("column_key")))
    if not picks:
        return vacancy, columns
    picked = sa.union_all(*picks).subquery()
    person, resume, stage = SeekerProfile, Resume, OrganisationStage
    rows = session.execute(
        sa.select(
            picked.c.column_key, a.id, a.origin, a.state, a.stage_id, a.answer_due_at, a.answered_at,
            person.id.label("person_id"), person.last_name, person.first_name, person.middle_name,
            resume.id.label("resume_id"), resume.title, stage.name.label("stage_name"),
        )
        .select_from(picked)
        .join(a, a.id == picked.c.id)
        .join(person, person.id == a.seeker_id)
        .join(resume, resume.id == a.resume_id)
        .outerjoin(stage, stage.id == a.stage_id)
        .order_by(*newest_first)
    )
    full_name = SeekerProfile.full_name.fget  # the profile's own rule, applied to the row's name columns
    for row in rows:
        by_key[row.column_key].cards.append(Card(
            id=row.id, origin=row.origin, state=row.state, stage_id=row.stage_id, answer_due_at=row.answer_due_at,
            answered_at=row.answered_at, seeker=CardSeeker(row.person_id, full_name(row)),
            resume=CardResume(row.resume_id, row.title),
            stage=CardStage(row.stage_id, row.stage_name) if row.stage_id is not None else None,
        ))
    return vacancy, columns


def hiring_overview(session: Session, actor: Actor) -> list[tuple[Vacancy, dict[str, int]]]:
    """The organisation's vacancies with application counts per state."""
    require_org(session, actor, actor.organisation_id)
    rows = vacancies.organisation_vacancies(session, actor, actor.organisation_id)
    counts: dict[int, Counter] = {v.id: Counter() for v in rows}
    if rows:
        for vacancy_id, state, count in session.execute(
            sa.select(Application.vacancy_id, Application.state, sa.func.count())
            .where(Application.vacancy_id.in_(list(counts))).group_by(Application.vacancy_id, Application.state)
        ):
            counts[vacancy_id][getattr(state, "value", state)] = count
    return [(v, dict(counts[v.id])) for v in rows]


CANDIDATE_FILTERS = ("active", "hidden", "departed")


def candidates(
    session: Session, actor: Actor, which: str = "active", *, page: int = 1, per_page: int = 25
) -> tuple[list[Application], int]:
    """The organisation's candidate database (R-EMP-11): the latest application of each resume."""
    require_scope(actor, READ_SCOPE)
    require_org(session, actor, actor.organisation_id)
    latest = (
        sa.select(sa.func.max(Application.id).label("id"))
        .where(_org_scope(actor.organisation_id)).group_by(Application.resume_id).subquery()
    )
    stmt = (
        sa.select(Application).join(latest, latest.c.id == Application.id)
        .join(Resume, Resume.id == Application.resume_id).join(SeekerProfile, SeekerProfile.id == Application.seeker_id)
    )
    if which == "departed":
        stmt = stmt.where(SeekerProfile.departed_at.is_not(None))
    elif which == "hidden":
        stmt = stmt.where(SeekerProfile.departed_at.is_(None), Resume.visibility != Visibility.ACTIVE)
    else:
        stmt = stmt.where(SeekerProfile.departed_at.is_(None), Resume.visibility == Visibility.ACTIVE)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(joinedload(Application.resume), joinedload(Application.seeker), joinedload(Application.vacancy))
        .order_by(Application.updated_at.desc(), Application.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


def submitted_applications(
    session: Session, actor: Actor, *, open_only: bool = False, page: int = 1, per_page: int = 25
) -> tuple[list[Application], int]:
    """The responses an agency submitted on people's behalf, to follow them (state, stage, deadlines)."""
    require_scope(actor, READ_SCOPE)
    if not actor.in_org_kind(OrganisationKind.AGENCY):
        raise deny(_l("Only private employment agencies apply on people's behalf."))
    require_org(session, actor, actor.organisation_id)
    stmt = sa.select(Application).where(
        Application.initiated_by_organisation_id == actor.organisation_id, Application.origin == ApplicationOrigin.RESPONSE
    )
    if open_only:
        stmt = stmt.where(Application.state.in_(states.OPEN_STATE_LIST))
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.options(joinedload(Application.seeker), joinedload(Application.stage),
                     joinedload(Application.vacancy).joinedload(Vacancy.organisation))
        .order_by(Application.updated_at.desc(), Application.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), total


DEADLINE_BUCKETS = ("due_today", "overdue", "waiting", "answered")


def centre_deadlines(
    session: Session, actor: Actor, bucket: str = "due_today", *, now: dt.datetime | None = None, limit: int = 200
) -> tuple[list[Application], dict[str, int]]:
    """The district centre's referrals by the state of their three-working-day clock."""
    require_scope(actor, READ_SCOPE)
    if not (actor.is_centre_staff or actor.is_admin):
        raise deny(_l("Only employment-centre staff see the referral deadlines."))
    require_org(session, actor, actor.organisation_id)
    now = now or utcnow()
    today_end = dt.datetime.combine(to_local(now).date() + dt.timedelta(days=1), dt.time(), tzinfo=ALMATY).astimezone(dt.UTC)
    a = Application
    base = sa.select(a).where(a.centre_id == actor.organisation_id, a.origin == ApplicationOrigin.REFERRAL)
    waiting = sa.and_(a.answered_at.is_(None), a.state.in_(states.OPEN_STATE_LIST))
    conditions = {
        "due_today": sa.and_(waiting, a.answer_due_at >= now, a.answer_due_at < today_end),
        "overdue": sa.or_(sa.and_(waiting, a.answer_due_at < now), a.state == ApplicationState.AUTO_REJECTED),
        "waiting": sa.and_(waiting, a.answer_due_at >= today_end),
        "answered": a.answered_at.is_not(None),
    }
    # Every bucket's count in one pass over the centre's referrals.
    counted = session.execute(
        sa.select(*(sa.func.count().filter(cond) for cond in conditions.values()))
        .where(a.centre_id == actor.organisation_id, a.origin == ApplicationOrigin.REFERRAL)
    ).one()
    totals = dict(zip(conditions, counted, strict=True))
    order = a.answer_due_at.desc() if bucket in ("answered", "overdue") else a.answer_due_at.asc()
    rows = session.scalars(
        base.where(conditions.get(bucket, conditions["due_today"]))
        .options(
            # What a row shows: the person, the vacancy and its employer (name, phone), the stage badge.
            joinedload(a.seeker).load_only(
                SeekerProfile.id, SeekerProfile.last_name, SeekerProfile.first_name, SeekerProfile.middle_name),
            joinedload(a.vacancy).load_only(Vacancy.id, Vacancy.title, Vacancy.organisation_id)
            .joinedload(Vacancy.organisation),
            joinedload(a.stage),
        )
        .order_by(order, a.id).limit(limit)
    )
    return list(rows), totals


def _average_answer_hours(session: Session, scope: sa.ColumnElement[bool]) -> float | None:
    """Mean hours from an application to the employer's first decision, averaged in the database."""
    a = Application
    if session.get_bind().dialect.name == "postgresql":
        seconds = sa.func.extract("epoch", a.answered_at - a.created_at)
    else:  # SQLite keeps the UTC datetimes as ISO text
        seconds = (sa.func.julianday(a.answered_at) - sa.func.julianday(a.created_at)) * 86400
    average = session.scalar(sa.select(sa.func.avg(seconds)).where(scope, a.answered_at.is_not(None)))
    return round(float(average) / 3600, 1) if average is not None else None


def organisation_statistics(session: Session, actor: Actor, *, days: int = 30) -> dict[str, Any]:
    """Daily and overall counts for an employer or agency (R-EMP-8, R-AG-6)."""
    require_scope(actor, READ_SCOPE)
    require_org(session, actor, actor.organisation_id)
    org = actor.organisation_id
    own_vacancies = sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org)
    scope = _org_scope(org)
    vacancy_count, published, views = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Vacancy.status == "published"),
                  sa.func.coalesce(sa.func.sum(Vacancy.view_count), 0)).where(own_vacancies)
    ).one()
    overall: dict[str, Any] = {"vacancies": vacancy_count, "published": published, "views": views}
    overall.update({f"{origin.value}s": 0 for origin in ApplicationOrigin})
    overall.update(interviews=0, hires=0)
    # Per origin counts and hires in one grouped pass over the organisation's applications.
    for origin, count, hires in session.execute(
        sa.select(Application.origin, sa.func.count(), sa.func.count().filter(Application.state == ApplicationState.HIRED))
        .where(scope).group_by(Application.origin)
    ):
        overall[f"{getattr(origin, 'value', origin)}s"] = count
        overall["hires"] += hires
    e = ApplicationEvent
    in_scope_events = sa.select(e).join(Application, Application.id == e.application_id).where(scope)
    overall["interviews"] = session.scalar(
        sa.select(sa.func.count(sa.distinct(e.application_id))).join(Application, Application.id == e.application_id)
        .where(scope, e.to_state == "interview")
    ) or 0
    overall["average_answer_hours"] = _average_answer_hours(session, scope)

    start_day = local_today() - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(start_day, dt.time(), tzinfo=ALMATY).astimezone(dt.UTC)
    day_keys = [(start_day + dt.timedelta(days=i)).isoformat() for i in range(days)]
    series: dict[str, Counter] = {name: Counter() for name in ("responses", "invitations", "referrals", "interviews", "hires", "published")}
    for created, origin in session.execute(sa.select(Application.created_at, Application.origin).where(scope, Application.created_at >= since)):
        series[f"{getattr(origin, 'value', origin)}s"][to_local(created).date().isoformat()] += 1
    for created, to_state in session.execute(
        in_scope_events.with_only_columns(e.created_at, e.to_state).where(e.created_at >= since, e.to_state.in_(("interview", "hired")))
    ):
        series["interviews" if to_state == "interview" else "hires"][to_local(created).date().isoformat()] += 1
    for (published,) in session.execute(sa.select(Vacancy.published_at).where(own_vacancies, Vacancy.published_at >= since)):
        series["published"][to_local(published).date().isoformat()] += 1
    daily = {name: [counter.get(day, 0) for day in day_keys] for name, counter in series.items()}
    return {"overall": overall, "days": day_keys, "daily": daily}
