"""Imports run on their own RQ queue (``imports``), so a long import never delays notifications or webhooks."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from rq.job import Job

from exchange import dispatch
from exchange.api.models import Import
from tests.api.test_imports import ndjson, vacancy_line
from workers import health, queues

IMPORTS = "exchange.api.import_consumers"
API = "exchange.api.consumers"


def _jobs(app, name: str) -> list[dict]:
    connection = queues.redis_connection(app)
    return [Job.fetch(job_id, connection=connection).meta for job_id in queues.queue(app, name).get_job_ids()]


def _serve(app, *names: str) -> None:
    SimpleWorker([queues.queue(app, n) for n in names], connection=queues.redis_connection(app)).work(burst=True)


def test_only_the_import_consumer_takes_import_requests_and_it_declares_the_imports_queue():
    assert "imports" in queues.QUEUE_NAMES
    requested = {(c.name, c.queue) for c in dispatch.consumers_of("import.requested")}
    assert requested == {(IMPORTS, "imports")}
    finished = {(c.name, c.queue) for c in dispatch.consumers_of("import.finished")}
    assert (API, "notify") in finished and IMPORTS not in {name for name, _queue in finished}
    # The import consumer takes nothing else the API consumer handles.
    for topic in ("vacancy.created", "resume.published", "application.created", "webhook.disabled"):
        assert IMPORTS not in {c.name for c in dispatch.consumers_of(topic)}


@pytest.mark.redis
def test_an_import_is_queued_on_imports_and_a_notify_worker_does_not_run_it(rq_app, db, employer_api):
    response = employer_api.post("/imports?kind=vacancies&format=ndjson", data=ndjson([vacancy_line(1), vacancy_line(2)]))
    assert response.status_code == 202, response.get_json()
    import_id = response.get_json()["id"]
    queued = _jobs(rq_app, "imports")
    assert [m["consumer"] for m in queued] == [IMPORTS]
    assert all(m["consumer"] != IMPORTS for name in ("index", "notify", "default") for m in _jobs(rq_app, name))

    _serve(rq_app, "index", "notify", "default")  # the notification workers: the import is not theirs
    db.expire_all()
    assert db.get(Import, import_id).status.value == "queued"

    _serve(rq_app, "imports")
    db.expire_all()
    item = db.get(Import, import_id)
    assert (item.status.value, item.created_count, item.failed_count) == ("finished", 2, 0)
    # What the import wrote goes to the other queues as usual: indexing, and import.finished for the webhooks.
    notify = _jobs(rq_app, "notify")
    assert any(m["consumer"] == API for m in notify)
    assert any(m["consumer"] == "search.consumers" for m in _jobs(rq_app, "index"))
    assert _jobs(rq_app, "imports") == []


@pytest.mark.redis
def test_the_worker_and_the_health_check_know_the_imports_queue(rq_app, db, monkeypatch):
    from workers.cli import worker_command

    monkeypatch.setattr("workers.runtime.install_job_logging", lambda level: None)  # leave pytest's logging alone
    result = rq_app.test_cli_runner().invoke(worker_command, ["--burst", "--simple", "-q", "imports"])
    assert result.exit_code == 0, result.output
    report = health.check(rq_app)
    assert queues.queue_name(rq_app, "imports") in report["queues"]
    missing = next(p for p in report["problems"] if p["code"] == "queues_without_worker")["params"]["queues"]
    assert queues.queue_name(rq_app, "imports") in missing  # no worker left serving it after the burst
