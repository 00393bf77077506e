"""Benchmark: import the pension feed (COPY) and reconcile it against registered seekers on PostgreSQL.

    python bench/pension_reconcile.py --seekers 500000 --rows 1500000 \
        --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test

Builds its own schema (dropped afterwards unless --keep): one centre, N seekers on its
register (registered 60 days ago) with a published resume each, and a feed of R rows in which a fifth of the seekers
have a contribution paid after registering, the rest only older ones or none, plus rows
for people who are not on the exchange and 0.1 % bad rows. Prints import throughput,
reconciliation wall time and peak memory.

``--with-applications N`` gives N of the people who will be matched open applications
(``--applications-each`` each: responses and referrals in new/viewed/interview states, to
as many vacancies of one employer), which the run then withdraws with history and events.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, copy_rows, drop_schema, peak_rss_mib, timed, valid_iins


def build_world(app, seekers: int, iins: list[str]) -> None:
    from exchange.app import state
    from exchange.db import utcnow

    now = utcnow()
    registered = now - dt.timedelta(days=60)
    with state(app).db.unit_of_work() as session:
        centre_id = session.execute(
            __import__("sqlalchemy").text(
                "INSERT INTO organisations (kind, name, kato_code, active, created_at, updated_at) "
                "VALUES ('centre', 'ХЖО bench', '751210000', true, :now, :now) RETURNING id"),
            {"now": now}).scalar_one()
        copy_rows(session, "seeker_profiles",
                  ("iin", "last_name", "first_name", "birth_date", "kato_code", "category", "has_disability",
                   "created_at", "updated_at"),
                  ((iin, "Бенчмарк", "Ізденуші", dt.date(1980, 1, 1), "751210000", "unemployed", False, registered, registered)
                   for iin in iins[:seekers]))
        session.execute(__import__("sqlalchemy").text(
            "INSERT INTO registrations (seeker_id, centre_id, category, registered_at) "
            "SELECT id, :centre, 'unemployed', :at FROM seeker_profiles"), {"centre": centre_id, "at": registered})
        # One published resume each: the people found employed must leave the portal.
        session.execute(__import__("sqlalchemy").text(
            "INSERT INTO resumes (seeker_id, title, occupation_code, kato_code, visibility, source, published_at, "
            "expires_at, created_at, updated_at, version, skills, languages, driving_licences, experience_months, "
            "willing_to_relocate) "
            "SELECT id, 'Водитель', '8332', '751210000', 'active', 'self', :now, :until, :now, :now, 1, "
            "'[]', '[]', '[]', 0, false FROM seeker_profiles"),
            {"now": now, "until": now + dt.timedelta(days=30)})
        session.execute(__import__("sqlalchemy").text("ANALYZE"))


def add_applications(app, people: int, each: int) -> int:
    """Open applications for the first ``people`` seekers (the ones the feed matches), ``each`` per person."""
    import sqlalchemy as sa

    from exchange.app import state
    from exchange.db import utcnow
    from exchange.vacancies.models import Vacancy, VacancyStatus

    now = utcnow()
    with state(app).db.unit_of_work() as session:
        employer_id = session.execute(sa.text(
            "INSERT INTO organisations (kind, name, bin, kato_code, active, created_at, updated_at) "
            "VALUES ('employer', 'ТОО «Бенчмарк»', '990540000011', '751210000', true, :now, :now) RETURNING id"),
            {"now": now}).scalar_one()
        vacancies = [Vacancy(organisation_id=employer_id, title=f"Водитель {i}", description="Перевозка грузов.",
                             occupation_code="8332", kato_code="751210000", min_experience_months=0, languages=[],
                             driving_licences=[], skills=[], positions=1, positions_filled=0, accessible=False,
                             status=VacancyStatus.PUBLISHED, view_count=0, published_at=now)
                     for i in range(each)]
        session.add_all(vacancies)
        session.flush()
        centre_id = session.scalar(sa.text("SELECT id FROM organisations WHERE kind = 'centre' ORDER BY id LIMIT 1"))
        states = ["new", "viewed", "interview"]
        for i, vacancy in enumerate(vacancies):
            origin = "referral" if i % 2 else "response"
            session.execute(sa.text(
                "INSERT INTO applications (resume_id, vacancy_id, seeker_id, organisation_id, origin, state, centre_id, "
                "referral_sent_at, answer_due_at, consent_at, created_at, updated_at, version) "
                "SELECT r.id, :vacancy, r.seeker_id, :employer, :origin, :state, :centre, :sent, :due, :now, :now, :now, 1 "
                "FROM resumes r WHERE r.seeker_id IN (SELECT id FROM seeker_profiles ORDER BY id LIMIT :people)"),
                {"vacancy": vacancy.id, "employer": employer_id, "origin": origin, "state": states[i % len(states)],
                 "centre": centre_id if origin == "referral" else None, "now": now, "people": people,
                 "sent": now if origin == "referral" else None,
                 "due": now + dt.timedelta(days=3) if origin == "referral" else None})
        session.execute(sa.text("ANALYZE applications"))
    return people * each


def write_feed(path: Path, rows: int, iins: list[str], seekers: int, seed: int) -> int:
    rng = random.Random(seed)
    today = dt.date.today()
    recent = today - dt.timedelta(days=5)
    old = today - dt.timedelta(days=120)
    bins = [b for b in (_bin(i) for i in range(1, 5000)) if b][:2000]
    matched = seekers // 5
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["iin", "employer_bin", "employer_name", "period", "amount", "paid_on"])
        for i in range(rows):
            if i < matched:  # found work after registering
                iin, paid = iins[i], recent
            elif i < seekers:  # only contributions from before registering
                iin, paid = iins[i], old
            else:  # people not on the register (most of the insured population)
                iin, paid = iins[seekers + (i - seekers) % (len(iins) - seekers)], recent - dt.timedelta(days=i % 28)
            amount = f"{rng.randint(5_000, 300_000)}.{rng.randint(0, 99):02d}"
            if rng.random() < 0.001:
                amount = "-1"
            period = paid.replace(day=1)
            writer.writerow([iin, bins[i % len(bins)], "ТОО «Бенчмарк»", period.strftime("%Y-%m"), amount, paid.isoformat()])
    return matched


def _bin(n: int) -> str | None:
    from exchange.validators import control_digit

    head = f"{n % 25:02d}{n % 12 + 1:02d}40{n:05d}"
    check = control_digit(head)
    return head + str(check) if check is not None else None


def explain_reconciliation(app) -> list[dict]:
    """A dry run: each statement of the reconciliation under EXPLAIN (ANALYZE, BUFFERS), then rolled back.

    Each statement is explained inside a savepoint that is rolled back, then executed for
    real so the next one sees the state it would see; the whole run is rolled back at the end.
    """
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from exchange.app import state
    from exchange.auth import Actor
    from exchange.pension import operations as ops

    plans: list[dict] = []
    real_execute = Session.execute

    def explaining(self, statement, params=None, *args, **kwargs):
        text = getattr(statement, "text", "")
        if text.lstrip().upper().startswith(("INSERT", "UPDATE", "SELECT DISTINCT")):
            with self.begin_nested() as nested:
                lines = [r[0] for r in real_execute(self, sa.text("EXPLAIN (ANALYZE, BUFFERS) " + text)
                                                         .bindparams(*statement._bindparams.values()), params)]
                nested.rollback()
            plans.append({"statement": " ".join(text.split())[:120], "plan": lines})
        return real_execute(self, statement, params, *args, **kwargs)

    Session.execute = explaining
    try:
        with state(app).db.engine.connect() as conn:
            outer = conn.begin()
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            run_id = ops.start_run(session, Actor.system("bench"), "explain").id
            ops.reconcile(session, Actor.system("bench"), run_id)
            session.close()
            outer.rollback()
    finally:
        Session.execute = real_execute
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seekers", type=int, default=500_000)
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test"))
    parser.add_argument("--schema", default=f"bench_pension_{os.getpid()}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the schema for inspection.")
    parser.add_argument("--with-applications", type=int, default=0, metavar="N",
                        help="Give N of the people the run will match open applications (at most seekers/5).")
    parser.add_argument("--applications-each", type=int, default=3, help="Open applications per such person.")
    parser.add_argument("--explain", metavar="FILE", help="Before the timed run, write each reconciliation "
                        "statement's EXPLAIN (ANALYZE, BUFFERS) to FILE (a rolled-back dry run).")
    args = parser.parse_args()

    from exchange.auth import Actor
    from exchange.pension import jobs

    figures: dict = {"seekers": args.seekers, "rows": args.rows}
    app = bench_app(args.database_url, args.schema)
    try:
        extra = max(args.seekers // 2, 1000)
        iins = valid_iins(args.seekers + extra)
        with timed("setup_s", figures):
            build_world(app, args.seekers, iins)
            if args.with_applications:
                people = min(args.with_applications, args.seekers // 5)
                figures["open_applications"] = add_applications(app, people, args.applications_each)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "feed.csv"
            figures["expected_matches"] = write_feed(path, args.rows, iins, args.seekers, args.seed)
            figures["feed_mib"] = round(path.stat().st_size / 2**20, 1)
            with timed("import_s", figures):
                report = jobs.import_file(app, path, Actor.system("bench"))
        figures["import_rows_per_s"] = round(args.rows / figures["import_s"])
        figures.update({k: report[k] for k in ("rows_loaded", "rows_rejected")})
        if args.explain:
            with timed("explain_dry_run_s", figures):
                plans = explain_reconciliation(app)
            Path(args.explain).write_text("\n\n".join(p["statement"] + "\n" + "\n".join(p["plan"]) for p in plans))
        with timed("reconcile_s", figures):
            run = jobs.run_reconciliation(app, trigger="bench", actor=Actor.system("bench"))
        figures.update({k: run[k] for k in ("matched", "seekers_deregistered", "employments_created",
                                            "resumes_archived")})
        figures["applications_closed"] = run.get("applications_closed")
        with timed("rerun_s", figures):
            again = jobs.run_reconciliation(app, trigger="bench", actor=Actor.system("bench"))
        figures["rerun_deregistered"] = again["seekers_deregistered"]
        figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    finally:
        from exchange.app import state

        state(app).db.dispose()
        if not args.keep:
            drop_schema(args.database_url, args.schema)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
