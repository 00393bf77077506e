"""Stoplight Prism serving Twilio's published OpenAPI contract, with request validation on.

Only the paths Birzha calls are kept (Prism needs ~25 s for the whole spec). Prism
answers 422 to a request that breaks the contract, and the twilio client raises on
it, so a malformed request fails the test instead of passing silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.smtp import free_port

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "twilio_api_v2010.json"
PRISM_BIN = Path(os.environ.get("PRISM_BIN", "/opt/birzha/node/node_modules/.bin/prism"))
USED_PATHS = ("/2010-04-01/Accounts/{AccountSid}/Messages.json", "/2010-04-01/Accounts/{AccountSid}/Calls.json")


def trimmed_spec(target: Path) -> Path:
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    spec["paths"] = {p: {k: v for k, v in spec["paths"][p].items() if k in ("post", "parameters", "description")} for p in USED_PATHS}
    target.write_text(json.dumps(spec), encoding="utf-8")
    return target


class Prism:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.spec = trimmed_spec(workdir / "twilio_trimmed.json")
        self.log = workdir / "prism.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def available() -> bool:
        return PRISM_BIN.exists()

    def start(self, timeout: float = 90) -> Prism:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [str(PRISM_BIN), "mock", "--errors", "-h", "127.0.0.1", "-p", str(self.port), str(self.spec)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prism exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1)  # noqa: S310 - local test server
            except urllib.error.HTTPError:
                return self  # any HTTP answer means it is listening
            except OSError:
                time.sleep(0.3)
                continue
            return self
        raise RuntimeError("prism did not start in time")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
