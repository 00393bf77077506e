"""Benchmark: bulk import throughput of vacancies or resumes through POST /api/v1/imports (NDJSON), 1% bad lines.

    python bench/api_import.py --database-url postgresql+psycopg://birzha:birzha@127.0.0.1:5432/birzha_test --lines 100000
    python bench/api_import.py --kind resumes --lines 5000   # an agency's resumes, each with a new person, published

The upload is processed by the import job (exchange.api.imports.process) in batches of 500
lines, each line through the same create/update operations as the cabinet. Outbox
consumers (search index, feed, webhooks) are not run here: in production they run in
RQ workers, separately from the import; --with-consumers runs them inline to show the
embedded-mode cost. Prints records/s, per-batch latency percentiles and peak memory.
A second run of the same file measures the update path (same external_id).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._api_setup import api_bench_app, employer_with_key
from bench._common import drop_schema, peak_rss_mib, percentiles


def lines(count: int, kind: str = "vacancies") -> bytes:
    if kind == "resumes":
        return resume_lines(count)
    out = []
    for n in range(count):
        record = {"external_id": f"b-{n}", "title": f"Оператор линии {n}", "occupation_code": "8189", "kato_code": "751210000",
                  "description": "Работа на производственной линии, обучение на месте.", "salary_from": 200000 + n % 1000,
                  "status": "published"}
        if n % 100 == 99:
            record["salary_from"] = -1  # 1% bad lines
        out.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(out).encode()


def _iin(n: int) -> str:
    """A distinct valid IIN per line: birth date from n, serial from n, a serial without a control digit skipped."""
    import datetime as dt

    from exchange.validators import control_digit

    birth = (dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)).strftime("%y%m%d")
    serial = n // 15000 * 100
    while (check := control_digit(f"{birth}3{serial:04d}")) is None:
        serial += 1
    return f"{birth}3{serial:04d}{check}"


def resume_lines(count: int) -> bytes:
    out = []
    for n in range(count):
        record = {"external_id": f"r-{n}", "title": "Оператор линии", "occupation_code": "8189", "kato_code": "751210000",
                  "about": "Опыт работы на производственной линии.", "desired_salary": 200000 + n % 1000,
                  "skills": ["наладка", "контроль качества"], "publish": True, "consent_publish": True,
                  "seeker": {"iin": _iin(n), "last_name": "Серикова", "first_name": f"Айгуль {n}", "kato_code": "751210000"}}
        if n % 100 == 99:
            record["desired_salary"] = -1  # 1% bad lines
        out.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(out).encode()


def run_once(app, token: str, body: bytes, batch_times: list[float], kind: str = "vacancies") -> tuple[float, dict]:
    import exchange.api.imports as imports
    from exchange.app import state

    client = app.test_client()
    started = time.perf_counter()
    response = client.post(f"/api/v1/imports?kind={kind}&format=ndjson", data=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202, response.get_json()
    import_id = response.get_json()["id"]
    # The consumers are off in this app, so run the job the way a worker would, timing each batch.
    db = state(app).db
    real_uow = db.unit_of_work

    def timed_uow():
        import contextlib

        @contextlib.contextmanager
        def wrapper():
            t0 = time.perf_counter()
            with real_uow() as session:
                yield session
            batch_times.append(time.perf_counter() - t0)

        return wrapper()

    db.unit_of_work = timed_uow
    try:
        imports.process(db, import_id)
    finally:
        db.unit_of_work = real_uow
    elapsed = time.perf_counter() - started
    job = client.get(f"/api/v1/imports/{import_id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    return elapsed, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL")
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--kind", choices=("vacancies", "resumes"), default="vacancies")
    parser.add_argument("--schema", default="bench_api_import")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("give --database-url of a PostgreSQL server (or set TEST_DATABASE_URL)")
    app = api_bench_app(args.database_url, args.schema)
    try:
        if args.kind == "resumes":
            _org, token, _actor = employer_with_key(app, scopes=("resumes:read", "resumes:write"), kind="agency")
        else:
            _org, token, _actor = employer_with_key(app)
        body = lines(args.lines, args.kind)
        figures: dict = {"kind": args.kind, "lines": args.lines, "bytes": len(body)}
        for label in ("create", "update"):
            batches: list[float] = []
            elapsed, job = run_once(app, token, body, batches, args.kind)
            figures[label] = {
                "seconds": round(elapsed, 2), "records_per_s": round(args.lines / elapsed, 1),
                "created": job["created_count"], "updated": job["updated_count"], "failed": job["failed_count"],
                "batch_latency_s": {k: round(v, 3) for k, v in percentiles(batches).items()},
            }
        figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    finally:
        if not args.keep:
            drop_schema(args.database_url, args.schema)


if __name__ == "__main__":
    main()
