"""Alert matching benchmark: N saved searches against a micro-batch of M newly published vacancies.

Builds a throw-away database (SQLite by default, or --database-url for PostgreSQL) with
M published vacancies and N vacancy subscriptions drawn from a realistic mix (free text
from a vocabulary of occupations, some with an occupation and/or region filter, many
people sharing the same popular searches), indexes the vacancies with the configured
search backend, then times ``exchange.subscriptions.matching.match_batch`` and reports
wall time, search queries issued, hits, alerts and peak memory.

    python bench/notify_matching.py --subscriptions 100000 --documents 1000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["водитель", "бухгалтер", "повар", "продавец", "сварщик", "электрик", "учитель", "медсестра", "охранник",
         "менеджер", "программист", "слесарь", "кассир", "уборщица", "грузчик", "official", "курьер", "тракторист"]
OCCUPATIONS = {"водитель": "8332", "бухгалтер": "2411", "повар": "5120", "продавец": "5223", "сварщик": "7212",
               "электрик": "7411", "учитель": "2341", "медсестра": "3221", "охранник": "5414", "программист": "2512"}
REGIONS = ["750000000", "710000000", "790000000", "751210000", "711210000"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--distinct", type=int, default=5000, help="distinct search parameter sets among the subscriptions")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--elasticsearch-url", default="", help="default: the SQL search backend")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import sqlalchemy as sa

    from exchange import migrate
    from exchange.app import create_app, state
    from exchange.classifiers.operations import load_classifiers
    from exchange.db import utcnow
    from exchange.models import metadata
    from exchange.subscriptions import matching
    from exchange.subscriptions.models import Subscription, SubscriptionKind

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="birzha-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    app = create_app({
        "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "DATABASE_URL": url, "JOBS_MODE": "inline",
        "SEARCH_BACKEND": "elasticsearch" if args.elasticsearch_url else "sql", "ELASTICSEARCH_URL": args.elasticsearch_url,
        "ELASTICSEARCH_INDEX_PREFIX": f"birzha_bench_{int(time.time())}", "DEMO_ON_FIRST_RUN": False, "LOG_LEVEL": "WARNING",
    })
    db = state(app).db
    t0 = time.perf_counter()
    with db.unit_of_work() as session:
        load_classifiers(session)
        from exchange.accounts.models import AccountRole, User
        from exchange.organisations.models import Organisation, OrganisationKind
        from exchange.vacancies.models import Vacancy, VacancyStatus

        org = Organisation(kind=OrganisationKind.EMPLOYER, name="ТОО «Бенч»", bin="180240012345", kato_code="751210000")
        session.add(org)
        session.flush()
        users = [{"email": f"u{i}@bench.kz", "password_hash": "x", "full_name": f"User {i}", "role": AccountRole.SEEKER, "locale": "ru"}
                 for i in range(max(1, args.subscriptions // 20))]
        session.execute(sa.insert(User), users)
        user_ids = list(session.scalars(sa.select(User.id)))
        now = utcnow()
        vacancies = []
        for i in range(args.documents):
            word = rng.choice(WORDS)
            vacancies.append({
                "organisation_id": org.id, "title": f"{word.capitalize()} {i}", "occupation_code": OCCUPATIONS.get(word, "9629"),
                "description": f"{word} — полная занятость, официальное оформление", "kato_code": rng.choice(REGIONS[3:]),
                "status": VacancyStatus.PUBLISHED, "published_at": now, "version": 1,
            })
        session.execute(sa.insert(Vacancy), vacancies)
        vacancy_ids = list(session.scalars(sa.select(Vacancy.id)))
        shapes = []
        for _ in range(args.distinct):
            word = rng.choice(WORDS)
            params: dict = {"q": word}
            if rng.random() < 0.4 and word in OCCUPATIONS:
                params = {"occupation": OCCUPATIONS[word]}
            if rng.random() < 0.5:
                params["region"] = rng.choice(REGIONS)
            if rng.random() < 0.2:
                params["salary_from"] = rng.choice([150000, 250000, 400000])
            shapes.append(params)
        subs = [{"user_id": rng.choice(user_ids), "kind": SubscriptionKind.VACANCIES, "name": "bench",
                 "params": rng.choice(shapes), "frequency": "instant", "active": True} for _ in range(args.subscriptions)]
        for start in range(0, len(subs), 10_000):
            session.execute(sa.insert(Subscription), subs[start:start + 10_000])
        matching.enqueue(session, SubscriptionKind.VACANCIES, vacancy_ids)
    from search.maintenance import reindex

    with app.app_context():
        reindex(app, kinds=("vacancy",), force=True)
    setup = time.perf_counter() - t0

    # Alerts are notifications; in this run their sending is not part of the measurement.
    # the outbox hand-off after commit is measured by notify_dispatch.py; in RQ mode it is an enqueue.
    db.after_commit_hooks.clear()
    statements = {"n": 0}

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args):
        statements["n"] += 1

    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    stats = matching.match_batch(app, SubscriptionKind.VACANCIES, batch_size=args.documents)
    wall = time.perf_counter() - t1
    with db.unit_of_work() as session:
        from exchange.notifications.models import Delivery, Notification
        from exchange.outbox import OutboxEvent

        written = {
            "notifications": session.scalar(sa.select(sa.func.count()).select_from(Notification)),
            "deliveries": session.scalar(sa.select(sa.func.count()).select_from(Delivery)),
            "outbox_events": session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == "notification.created")),
        }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "subscriptions": args.subscriptions, "documents": stats.documents, "distinct_param_sets": args.distinct,
        "candidates_after_prefilter": stats.candidates, "search_queries": stats.queries, "sql_statements": statements["n"],
        "hits": stats.hits, "alerts": stats.alerts, **written,
        "match_wall_s": round(wall, 2), "subscriptions_per_s": round(args.subscriptions / wall), "setup_s": round(setup, 1),
        "peak_rss_mb": round(peak / 1024), "rss_growth_mb": round((peak - start_rss) / 1024),
        "backend": "elasticsearch" if args.elasticsearch_url else "sql", "database": url.split(":")[0],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.elasticsearch_url:
        from search.service import get_search

        with app.app_context():
            backend = get_search(app).backend
            backend.reset()  # the throw-away indices go with the run


if __name__ == "__main__":
    main()
