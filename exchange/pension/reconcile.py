"""The weekly reconciliation, set-based: a handful of INSERT … SELECT / UPDATE statements.

Rule (R-MON-1): a person on a centre's register (job seeker or unemployed) for whom
the pension fund reports a contribution **paid after the day they registered**, for
a month no earlier than the month they registered, has found work. The earliest such
contribution names the employer. For each of them, in one transaction:

1. a row in ``pension_matches`` (the run's detail; the rest works from it);
2. an employment record with that employer, unless one with the same employer was
   already recorded since the registration (e.g. the employer confirmed the hire);
3. the registration closed with reason "pension contributions"; the person departed;
4. their resumes archived (events take them out of the portal and the index);
5. their open applications and referrals closed with that reason;
6. outbox events: ``seeker.deregistered`` per person, ``resume.archived`` per resume,
   ``pension.reconciled`` per run — on that one the notifications consumer tells the people
   (in bulk, from the run's matches) and each centre its own counts.

"Through the platform": the person had an application or referral to an organisation
with the same BIN within the 90 days before the contribution was paid.

Re-running changes nothing: matched registrations are closed, so they no longer qualify.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exchange import outbox
from exchange.db import Base, UTCDateTime
from exchange.pension.models import PensionMatch
from exchange.resumes.models import Resume, Visibility
from exchange.sqljson import json_object

ATTRIBUTION_DAYS = 90
REASON = "pension_contributions"


def _sql(statement: str) -> sa.TextClause:
    """Text SQL whose ``:now`` binds like every UTC column (SQLite stores those naive)."""
    clause = sa.text(statement)
    if ":now" in statement:
        clause = clause.bindparams(sa.bindparam("now", type_=UTCDateTime()))
    return clause


class _Sql:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def local_date(self, column: str) -> str:
        if self.pg:
            return f"(({column}) AT TIME ZONE 'Asia/Almaty')::date"
        # Embedded default: Kazakhstan has kept UTC+5 all year since March 2024.
        return f"date({column}, '+5 hours')"

    def month_start(self, column: str) -> str:
        if self.pg:
            return f"date_trunc('month', ({column}) AT TIME ZONE 'Asia/Almaty')::date"
        return f"date({column}, '+5 hours', 'start of month')"

    def minus_days(self, column: str, days: int) -> str:
        return f"({column} - {int(days)})" if self.pg else f"date({column}, '-{int(days)} days')"


def applications_available() -> bool:
    return "applications" in Base.metadata.tables


def _attribution(q: _Sql) -> tuple[str, str]:
    """Correlated subqueries giving the latest qualifying application id and its vacancy."""
    if not applications_available():
        return "NULL", "NULL"
    where = (
        "FROM applications a JOIN organisations ao ON ao.id = a.organisation_id "
        "WHERE a.seeker_id = r.seeker_id AND ao.bin = c.employer_bin "
        f"AND {q.local_date('a.created_at')} BETWEEN {q.minus_days('c.paid_on', ATTRIBUTION_DAYS)} AND c.paid_on"
    )
    return (
        f"(SELECT a.id {where} ORDER BY a.created_at DESC, a.id DESC LIMIT 1)",
        f"(SELECT a.vacancy_id {where} ORDER BY a.created_at DESC, a.id DESC LIMIT 1)",
    )


def lock(session: Session) -> None:
    """One reconciliation at a time, whoever started it (schedule, CLI, admin page)."""
    if session.get_bind().dialect.name == "postgresql":
        # Keyed by schema: deployments (and parallel test runs) sharing a server do not wait on each other.
        session.execute(_sql("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '/birzha.pension.reconcile'))"))


WORK_MEM = "128MB"


def use_work_memory(session: Session) -> None:
    """Let the run's hash joins and sorts (hundreds of thousands of people) stay in memory.

    ``SET LOCAL``: for this transaction only; the server default stays for everything else.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_sql(f"SET LOCAL work_mem = '{WORK_MEM}'"))


def match(session: Session, run_id: int) -> int:
    q = _Sql(session.get_bind().dialect.name)
    application_id, vacancy_id = _attribution(q)
    sql = f"""
        INSERT INTO pension_matches (run_id, registration_id, seeker_id, centre_id, contribution_id, employer_bin,
                                     employer_name, period, paid_on, employer_organisation_id, through_platform,
                                     application_id, vacancy_id)
        SELECT :run_id, m.registration_id, m.seeker_id, m.centre_id, m.contribution_id, m.employer_bin,
               m.employer_name, m.period, m.paid_on,
               (SELECT o.id FROM organisations o WHERE o.kind = 'employer' AND o.bin = m.employer_bin ORDER BY o.id LIMIT 1),
               CASE WHEN m.application_id IS NULL THEN false ELSE true END, m.application_id, m.vacancy_id
        FROM (
            SELECT r.id AS registration_id, r.seeker_id, r.centre_id, c.id AS contribution_id, c.employer_bin,
                   c.employer_name, c.period, c.paid_on,
                   {application_id} AS application_id, {vacancy_id} AS vacancy_id,
                   ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY c.paid_on, c.id) AS rn
            FROM registrations r
            JOIN seeker_profiles s ON s.id = r.seeker_id
            JOIN pension_contributions c ON c.iin = s.iin
            WHERE r.deregistered_at IS NULL
              AND c.paid_on > {q.local_date('r.registered_at')}
              AND c.period >= {q.month_start('r.registered_at')}
        ) m
        WHERE m.rn = 1
          AND NOT EXISTS (SELECT 1 FROM pension_matches pm WHERE pm.registration_id = m.registration_id)
    """  # noqa: S608 - internal names and constant fragments only; values are bound
    return max(session.execute(_sql(sql), {"run_id": run_id}).rowcount, 0)


def refresh_statistics(session: Session) -> None:
    """The match table just grew from nothing: let PostgreSQL's planner know before joining on it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_sql("ANALYZE pension_matches"))


def record_employments(session: Session, run_id: int, now: dt.datetime) -> int:
    sql = """
        INSERT INTO employments (seeker_id, employer_organisation_id, employer_bin, employer_name, started_on, source,
                                 through_platform, vacancy_id, application_id, occupation_code, kato_code, created_at)
        SELECT m.seeker_id, m.employer_organisation_id, m.employer_bin, m.employer_name, m.period, :source,
               m.through_platform, m.vacancy_id, m.application_id,
               (SELECT v.occupation_code FROM vacancies v WHERE v.id = m.vacancy_id), s.kato_code, :now
        FROM pension_matches m
        JOIN seeker_profiles s ON s.id = m.seeker_id
        JOIN registrations r ON r.id = m.registration_id
        WHERE m.run_id = :run_id
          AND NOT EXISTS (
              SELECT 1 FROM employments e
              WHERE e.seeker_id = m.seeker_id AND e.employer_bin = m.employer_bin
                AND (e.created_at >= r.registered_at OR e.started_on = m.period)
          )
    """
    return max(session.execute(_sql(sql), {"run_id": run_id, "now": now, "source": REASON}).rowcount, 0)


def close_registrations(session: Session, run_id: int, now: dt.datetime) -> int:
    count = session.execute(
        _sql(
            "UPDATE registrations SET deregistered_at = :now, deregistration_reason = :reason, "
            "deregistration_note = :note "
            "WHERE deregistered_at IS NULL "
            "AND id IN (SELECT registration_id FROM pension_matches WHERE run_id = :run_id)"
        ),
        {"now": now, "reason": REASON, "note": f"pension reconciliation run {run_id}", "run_id": run_id},
    ).rowcount
    session.execute(
        _sql(
            "UPDATE seeker_profiles SET departed_at = :now, updated_at = :now "
            "WHERE id IN (SELECT seeker_id FROM pension_matches WHERE run_id = :run_id)"
        ),
        {"now": now, "run_id": run_id},
    )
    return max(count, 0)


def _emit(session: Session, topic: str, aggregate_type: str, aggregate_id: Any, payload: sa.ColumnElement,
          condition: sa.ColumnElement[bool], now: dt.datetime) -> list[int]:
    """INSERT INTO outbox_events … SELECT: one event per matching row, queued for dispatch after commit."""
    return outbox.emit_from_select(session, sa.select(
        sa.literal(topic), sa.literal(aggregate_type), aggregate_id, payload, sa.literal(None, sa.Integer),
        sa.literal(now, UTCDateTime()), sa.literal(0),
    ).where(condition))


def archive_resumes(session: Session, run_id: int, now: dt.datetime) -> int:
    r = Resume
    matched = sa.select(PensionMatch.seeker_id).where(PensionMatch.run_id == run_id)
    archiving = sa.and_(r.seeker_id.in_(matched), r.visibility != Visibility.ARCHIVED)
    # The event goes first: it reads the version each resume is about to get.
    payload = json_object(session, version=r.version + 1, seeker_id=r.seeker_id, public=False, reason=REASON)
    events = _emit(session, "resume.archived", "resume", r.id, payload, archiving, now)
    session.execute(
        sa.update(r).where(archiving)
        .values(visibility=Visibility.ARCHIVED, archived_reason=REASON, version=r.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return len(events)


def emit_deregistrations(session: Session, run_id: int, now: dt.datetime) -> int:
    m = PensionMatch
    payload = json_object(
        session, centre_id=m.centre_id, reason=REASON, run_id=m.run_id, employer_bin=m.employer_bin,
        employer_name=m.employer_name, registration_id=m.registration_id,
    )
    return len(_emit(session, "seeker.deregistered", "seeker", m.seeker_id, payload, m.run_id == run_id, now))


def close_applications(session: Session, run_id: int, actor) -> int:
    """Close open applications and referrals of the people matched in this run.

    Through the applications module's own set-based operation (its history and events),
    a fixed number of statements however many people were matched.
    """
    if not applications_available():
        return 0
    from exchange.applications.operations import close_open_for_seekers

    matched = sa.select(PensionMatch.seeker_id).where(PensionMatch.run_id == run_id)
    return len(close_open_for_seekers(session, matched, REASON, actor))


def summary(session: Session, run_id: int) -> tuple[int, list[dict[str, Any]]]:
    rows = session.execute(
        _sql(
            "SELECT centre_id, COUNT(*), SUM(CASE WHEN through_platform THEN 1 ELSE 0 END) "
            "FROM pension_matches WHERE run_id = :run_id GROUP BY centre_id ORDER BY centre_id"
        ),
        {"run_id": run_id},
    ).all()
    by_centre = [{"centre_id": c, "deregistered": int(n), "through_platform": int(t or 0)} for c, n, t in rows]
    return sum(r["through_platform"] for r in by_centre), by_centre
