"""Search benchmark: bulk indexing throughput, rebuild time and query latency (p50/p95/p99).

Generates demo data (``exchange demo load`` code) into a fresh database, rebuilds the
index of the chosen backend, then times five query shapes:

1. free text; 2. filters only; 3. free text + filters + all facets;
4. geo radius + distance sort; 5. matching a vacancy to candidates.

Examples::

    python bench/search_bench.py --backend sql --docs 100000
    python bench/search_bench.py --backend elasticsearch --es-url http://127.0.0.1:9200 --docs 100000
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["водитель", "бухгалтер", "мұғалім", "повар", "сварщик", "продавец", "жүргізуші", "менеджер", "охранник", "инженер"]
REGIONS = ["750000000", "710000000", "790000000", "100000000", "470000000"]
POINTS = [(43.2389, 76.8897), (51.1694, 71.4491), (42.3417, 69.5901), (49.8047, 73.1094)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sql", "elasticsearch"), default="sql")
    parser.add_argument("--docs", type=int, default=100_000, help="vacancies and resumes each (default 100000)")
    parser.add_argument("--queries", type=int, default=200, help="timed runs per query shape")
    parser.add_argument("--database-url", default="", help="empty: a new SQLite file in a temporary folder")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--prefix", default="birzha_bench")
    args = parser.parse_args()

    from exchange import demo
    from exchange.app import create_app, state
    from exchange.auth import Actor
    from exchange.classifiers.operations import load_classifiers
    from exchange.models import metadata
    from search import maintenance
    from search.service import get_search

    tmp = Path(tempfile.mkdtemp(prefix="birzha-bench-"))
    overrides = {
        "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}",
        "SEARCH_BACKEND": args.backend, "ELASTICSEARCH_URL": args.es_url if args.backend == "elasticsearch" else "",
        "ELASTICSEARCH_INDEX_PREFIX": args.prefix, "JOBS_MODE": "inline", "REDIS_URL": "", "DEMO_ON_FIRST_RUN": False,
        "ELASTICSEARCH_TIMEOUT": 120.0,
    }
    app = create_app(overrides)
    db = state(app).db
    metadata.create_all(db.engine)
    with db.unit_of_work() as session:
        load_classifiers(session)
    service = get_search(app)
    if args.backend == "elasticsearch":
        service.backend.reset()
        service.backend.refresh = False
    service.backend.ensure()

    hooks, demo.POST_LOAD_HOOKS[:] = list(demo.POST_LOAD_HOOKS), []
    started = time.perf_counter()
    summary = demo.load(app, vacancies=args.docs, resumes=args.docs, seed=7, progress=False)
    demo.POST_LOAD_HOOKS[:] = hooks
    print(f"data: {summary['vacancies']} vacancies, {summary['resumes']} resumes generated in {time.perf_counter() - started:.1f} s")

    total_docs = 0
    started = time.perf_counter()
    reports = maintenance.reindex(app, force=True)
    elapsed = time.perf_counter() - started
    for report in reports:
        total_docs += report["indexed"]
        print(f"rebuild {report['kind']:8} {report['indexed']:8d} docs in {report['seconds']:7.1f} s")
    print(f"bulk indexing: {total_docs / elapsed:,.0f} docs/s over {total_docs} documents ({elapsed:.1f} s); peak RSS {peak_mb():,.0f} MB")

    rng = random.Random(1)
    with app.test_request_context():
        with db.unit_of_work() as session:
            import sqlalchemy as sa

            from exchange.vacancies.models import Vacancy, VacancyStatus

            vacancy_ids = list(session.scalars(sa.select(Vacancy.id).where(Vacancy.status == VacancyStatus.PUBLISHED).limit(2000)))
        system = Actor.system("bench")
        shapes = {
            "free text": lambda: service.search_vacancies({"q": rng.choice(WORDS), "size": 20}),
            "filters only": lambda: service.search_vacancies(
                {"region": rng.choice(REGIONS), "employment_type": "full_time", "with_salary": "1", "sort": "date"}),
            "text + filters + facets": lambda: service.search_vacancies(
                {"q": rng.choice(WORDS), "region": rng.choice(REGIONS), "salary_from": 150000, "schedule": "five_day"}),
            "geo radius + distance sort": lambda: service.search_vacancies(
                {"lat": rng.choice(POINTS)[0], "lon": rng.choice(POINTS)[1], "radius_km": 25, "sort": "distance"}),
            "match vacancy → candidates": lambda: service.match_candidates(rng.choice(vacancy_ids), system, limit=50),
        }
        print(f"{'query shape':32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'q/s':>8}")
        for name, run in shapes.items():
            for _ in range(5):
                run()  # warm caches (classifiers, concept dictionary, ES segments)
            timings = []
            for _ in range(args.queries):
                t0 = time.perf_counter()
                run()
                timings.append((time.perf_counter() - t0) * 1000)
            print(f"{name:32} {percentile(timings, 50):8.1f} {percentile(timings, 95):8.1f} {percentile(timings, 99):8.1f} "
                  f"{1000 / statistics.mean(timings):8.1f}")
    print(f"peak RSS {peak_mb():,.0f} MB")
    if args.backend == "elasticsearch":
        service.backend.reset()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
