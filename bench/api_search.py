"""Benchmark: API search requests/s and latency under concurrent load from a second process (loopback).

    python bench/api_search.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test \
        --vacancies 20000 --concurrency 8 --seconds 30

Loads --vacancies published vacancies, rebuilds the search index (SQL backend, or
Elasticsearch with --elasticsearch-url), starts the portal under waitress in a child
process on 127.0.0.1, and fires GET /api/v1/search/vacancies with a rotating set of
queries (text, occupation, region, salary, facets) from --concurrency threads of this
process for --seconds. Prints requests/s, p50/p95/p99 latency, error count, and the
server's peak memory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._api_setup import api_bench_app, employer_with_key
from bench._common import drop_schema, percentiles

QUERIES = [
    {"q": "водитель"}, {"q": "оператор линии", "region": "751210000"}, {"occupation": "8189", "salary_from": "200000"},
    {"q": "продавец", "sort": "date"}, {"region": "750000000", "employment_type": "full_time"}, {"q": "повар", "size": "50"},
]
OCCUPATIONS = ["8189", "8332", "5223", "5120", "7212", "2411"]
TITLES = {"8189": "Оператор линии", "8332": "Водитель грузовика", "5223": "Продавец", "5120": "Повар", "7212": "Сварщик", "2411": "Бухгалтер"}

SERVER = """
import os, sys, resource, signal
sys.path.insert(0, {root!r})
from waitress import serve
from exchange.app import create_app
app = create_app({overrides!r})
def _bye(*_):
    print("PEAK_RSS_MIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
    os._exit(0)
signal.signal(signal.SIGTERM, _bye)
serve(app, host="127.0.0.1", port={port}, threads={threads}, _quiet=True)
"""


def load(app, org_id: int, count: int) -> None:
    from exchange.app import state
    from exchange.vacancies import operations as vacancy_ops
    from search.maintenance import reindex

    with state(app).db.unit_of_work() as session:
        from exchange.auth import Actor

        actor = Actor.system("bench")
        for n in range(count):
            code = OCCUPATIONS[n % len(OCCUPATIONS)]
            v = vacancy_ops.create_vacancy(session, actor, {
                "organisation_id": org_id, "title": f"{TITLES[code]} {n}", "occupation_code": code, "kato_code": "751210000",
                "description": "Полный рабочий день, официальное оформление, обучение.", "salary_from": 150000 + (n % 40) * 10000})
            vacancy_ops.publish_vacancy(session, actor, v.id)
            if n % 1000 == 999:
                session.flush()
                session.expunge_all()
    reindex(app, force=True)


def worker(port: int, token: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    while time.perf_counter() < deadline:
        query = urllib.parse.urlencode(QUERIES[n % len(QUERIES)])
        n += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", f"/api/v1/search/vacancies?{query}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--elasticsearch-url", default="")
    parser.add_argument("--vacancies", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--schema", default="bench_api_search")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("give --database-url of a PostgreSQL server (or set TEST_DATABASE_URL)")
    app = api_bench_app(args.database_url, args.schema)
    if args.elasticsearch_url:
        from exchange.app import state

        state(app).settings.values.update(SEARCH_BACKEND="elasticsearch", ELASTICSEARCH_URL=args.elasticsearch_url,
                                          ELASTICSEARCH_INDEX_PREFIX=args.schema)
    server = None
    try:
        org_id, token, _actor = employer_with_key(app, scopes=("vacancies:read",))
        t0 = time.perf_counter()
        load(app, org_id, args.vacancies)
        load_s = time.perf_counter() - t0
        url = state_url(app)
        overrides = {"DATABASE_URL": url, "JOBS_MODE": "inline", "REDIS_URL": "", "DEMO_ON_FIRST_RUN": False, "LOG_LEVEL": "WARNING",
                     "SEARCH_BACKEND": "elasticsearch" if args.elasticsearch_url else "sql", "ELASTICSEARCH_URL": args.elasticsearch_url,
                     "ELASTICSEARCH_INDEX_PREFIX": args.schema, "INSTANCE_PATH": f"/tmp/{args.schema}"}
        code = SERVER.format(root=str(Path(__file__).resolve().parent.parent), overrides=overrides, port=args.port, threads=args.server_threads)
        server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/api/v1/openapi.json")
                break
            except OSError:
                time.sleep(0.2)
        latencies: list[float] = []
        errors: list[int] = []
        deadline = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=worker, args=(args.port, token, deadline, latencies, errors)) for _ in range(args.concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server.terminate()
        out, _ = server.communicate(timeout=30)
        peak = next((line.split()[1] for line in out.splitlines() if line.startswith("PEAK_RSS_MIB")), None)
        server = None
        print(json.dumps({
            "vacancies": args.vacancies, "load_seconds": round(load_s, 1), "backend": "elasticsearch" if args.elasticsearch_url else "sql",
            "concurrency": args.concurrency, "seconds": round(elapsed, 1), "requests": len(latencies), "errors": len(errors),
            "error_statuses": {str(k): errors.count(k) for k in sorted(set(errors))},
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "latency_ms": {k: round(v * 1000, 1) for k, v in percentiles(latencies).items()},
            "server_peak_rss_mib": float(peak) if peak else None,
        }, indent=2))
    finally:
        if server is not None:
            server.kill()
        drop_schema(args.database_url, args.schema)


def state_url(app) -> str:
    from exchange.app import state

    return state(app).db.url


if __name__ == "__main__":
    main()
