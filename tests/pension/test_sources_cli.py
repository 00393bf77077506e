"""The HTTP source adapter against a local HTTP server, and the `exchange pension` commands."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from exchange.app import state
from exchange.pension import jobs
from exchange.pension.sources import HttpFeed
from tests import factories as f

FEED = ("iin,employer_bin,employer_name,period,amount,paid_on\n"
        "{iin},{bin},ТОО Сервер,2025-04,1000.00,2025-04-20\n"
        "bad,row,,,,\n")


@pytest.fixture()
def feed_server():
    body = FEED.format(iin=f.iin(), bin=f.bin_()).encode()
    seen: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Disposition", 'attachment; filename="pension-2025-W17.csv"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/feeds/latest", seen
    server.shutdown()
    server.server_close()


def test_http_source_loads_like_a_file_and_twice_is_once(app, db, feed_server):
    url, seen = feed_server
    first = jobs.import_source(app, HttpFeed(url, token="s3cret"))
    assert (first["name"], first["rows_loaded"], first["rows_rejected"], first["already_imported"]) == (
        "pension-2025-W17.csv", 1, 1, False)
    assert seen[0]["Authorization"] == "Bearer s3cret"
    assert jobs.import_source(app, HttpFeed(url))["already_imported"] is True


def test_http_source_refuses_other_schemes():
    with pytest.raises(ValueError), HttpFeed("file:///etc/passwd").open():
        pass


def test_cli_import_and_reconcile(app, db, tmp_path, monkeypatch):
    path = tmp_path / "week.csv"
    path.write_text(FEED.format(iin=f.iin(), bin=f.bin_()), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pension", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 loaded" in result.output and "line 3:" in result.output
    again = runner.invoke(args=["pension", "import", str(path), "--json"])
    assert json.loads(again.output)["already_imported"] is True
    report = runner.invoke(args=["pension", "reconcile", "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["status"] == "finished"
    monkeypatch.setitem(state(app).settings.values, "PENSION_FEED_URL", "")
    assert runner.invoke(args=["pension", "fetch"]).exit_code != 0
