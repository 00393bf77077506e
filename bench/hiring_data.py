"""Synthetic hiring data for the hiring benchmarks, written set-based on PostgreSQL.

Rows are inserted with ``generate_series`` so a million applications take seconds;
every row satisfies the real constraints (unique resume/vacancy pairs, foreign keys).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exchange.models import metadata


def create_schema(url: str, schema: str) -> sa.Engine:
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    metadata.create_all(engine)
    return engine


def drop_schema(url: str, schema: str) -> None:
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


def base_rows(conn: Connection, *, seekers: int, vacancies: int) -> None:
    """One employer, one centre, ``seekers`` people with one resume each, ``vacancies`` published vacancies."""
    conn.exec_driver_sql(
        "INSERT INTO organisations (id, kind, name, bin, kato_code, active, created_at, updated_at) VALUES "
        "(1, 'employer', 'Bench LLP', '000000000001', '751210000', true, now(), now()),"
        "(2, 'centre', 'Bench centre', NULL, '751210000', true, now(), now())"
    )
    conn.exec_driver_sql(
        "INSERT INTO seeker_profiles (id, iin, last_name, first_name, birth_date, kato_code, category, has_disability, created_at, updated_at) "
        "SELECT g, lpad(g::text, 12, '0'), 'Bench', 'Seeker ' || g, date '1990-01-01', '751210000', 'unemployed', false, now(), now() "
        f"FROM generate_series(1, {seekers}) g"
    )
    conn.exec_driver_sql(
        "INSERT INTO registrations (seeker_id, centre_id, category, registered_at) "
        f"SELECT g, 2, 'unemployed', now() FROM generate_series(1, {seekers}) g"
    )
    conn.exec_driver_sql(
        "INSERT INTO resumes (id, seeker_id, title, occupation_code, skills, languages, driving_licences, experience_months, "
        "kato_code, willing_to_relocate, visibility, source, published_at, created_at, updated_at, version) "
        "SELECT g, g, 'Driver', '8332', '[]', '[]', '[]', 24, '751210000', false, 'active', 'centre', now(), now(), now(), 1 "
        f"FROM generate_series(1, {seekers}) g"
    )
    conn.exec_driver_sql(
        "INSERT INTO vacancies (id, organisation_id, title, occupation_code, description, min_experience_months, languages, "
        "driving_licences, skills, employment_type, schedule, working_regime, kato_code, positions, positions_filled, kind, "
        "accessible, status, source, view_count, created_at, updated_at, published_at, version) "
        "SELECT g, 1, 'Driver ' || g, '8332', 'Bench vacancy', 0, '[]', '[]', '[]', 'full_time', 'five_day', 'day', "
        f"'751210000', 100000, 0, 'regular', false, 'published', 'employer', 0, now(), now(), now(), 1 FROM generate_series(1, {vacancies}) g"
    )
    for table in ("organisations", "seeker_profiles", "resumes", "vacancies"):
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def applications(conn: Connection, *, total: int, overdue: int, seekers: int, now: dt.datetime) -> None:
    """``total`` applications; the first ``overdue`` are unanswered referrals past their deadline.

    Application n pairs resume ((n-1) % seekers) + 1 with vacancy ((n-1) / seekers) + 1, so pairs are unique.
    The rest are a mix: answered referrals, referrals not yet due, responses in every state.
    """
    conn.execute(sa.text(
        "INSERT INTO applications (resume_id, vacancy_id, seeker_id, organisation_id, origin, state, centre_id, "
        "consent_at, referral_sent_at, answer_due_at, answered_at, closed_at, created_at, updated_at, version) "
        "SELECT ((g - 1) % :seekers) + 1, ((g - 1) / :seekers) + 1, ((g - 1) % :seekers) + 1, 1, "
        "CASE WHEN g <= :overdue OR g % 3 = 0 THEN 'referral' ELSE 'response' END, "
        "CASE WHEN g <= :overdue THEN (CASE WHEN g % 2 = 0 THEN 'viewed' ELSE 'new' END) "
        "     ELSE (ARRAY['new','viewed','interview','offer','rejected','hired'])[1 + g % 6] END, "
        "CASE WHEN g <= :overdue OR g % 3 = 0 THEN 2 END, :now, "
        "CASE WHEN g <= :overdue OR g % 3 = 0 THEN :now - interval '10 days' END, "
        "CASE WHEN g <= :overdue THEN :now - interval '2 days' WHEN g % 3 = 0 THEN :now + interval '2 days' END, "
        "CASE WHEN g > :overdue AND g % 6 IN (2, 3, 4, 5) THEN :now - interval '5 days' END, "
        "CASE WHEN g > :overdue AND g % 6 IN (4, 5) THEN :now - interval '5 days' END, "
        ":now - interval '10 days', :now - interval '10 days', 1 "
        "FROM generate_series(1, :total) g"
    ), {"seekers": seekers, "overdue": overdue, "total": total, "now": now})
    conn.exec_driver_sql("ANALYZE applications")
