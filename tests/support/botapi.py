"""A local Telegram Bot API server for tests.

It speaks the real HTTP protocol python-telegram-bot uses (``POST /bot<token>/<method>``
with form or JSON bodies) and checks every call against the published method list in
``../shared/specs/telegram_bot_api.json``: the method must exist, required parameters
must be present, unknown parameters are refused, and values must have the declared
types. A refused call answers like Telegram does (``{"ok": false, "error_code": 400}``)
and is recorded in ``errors`` so a test fails on it. ``getUpdates`` replays the updates
a test scripted with :meth:`BotApiServer.push_update`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "telegram_bot_api.json"
BOT_USER = {"id": 999000111, "is_bot": True, "first_name": "Birzha", "username": "birzha_test_bot"}


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class BotApiServer:
    def __init__(self, token: str, spec: dict[str, Any] | None = None) -> None:
        self.token = token
        self.spec = spec or load_spec()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.updates: list[dict[str, Any]] = []
        self.fail_next: list[tuple[int, str]] = []  # scripted failures: (HTTP status, description)
        self._message_id = 100
        self._update_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> BotApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._update_id += 1
            update = {"update_id": self._update_id, **update}
            self.updates.append(update)
        return update

    def text_update(self, chat_id: int, text: str, language: str = "ru", username: str = "aigerim") -> dict[str, Any]:
        return {
            "message": {
                "message_id": self._next_message_id(), "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "Aigerim"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Aigerim", "username": username, "language_code": language},
                **({"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]} if text.startswith("/") else {}),
            }
        }

    def callback_update(self, chat_id: int, data: str, language: str = "ru") -> dict[str, Any]:
        return {
            "callback_query": {
                "id": str(self._next_message_id()), "chat_instance": "1", "data": data,
                "from": {"id": chat_id, "is_bot": False, "first_name": "Aigerim", "language_code": language},
                "message": {"message_id": self._next_message_id(), "date": int(time.time()), "text": "…",
                            "chat": {"id": chat_id, "type": "private", "first_name": "Aigerim"}},
            }
        }

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def _next_message_id(self) -> int:
        with self._lock:
            self._message_id += 1
            return self._message_id

    # --- validation ------------------------------------------------------------------------

    def validate(self, method: str, params: dict[str, Any]) -> str | None:
        spec = self.spec["methods"].get(method)
        if spec is None:
            return f"unknown method {method}"
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for name in params:
            if name not in fields:
                return f"{method}: unknown parameter {name}"
        for name, f in fields.items():
            if f.get("required") and name not in params:
                return f"{method}: missing required parameter {name}"
        for name, value in params.items():
            problem = self._check_type(fields[name]["types"], value)
            if problem:
                return f"{method}.{name}: {problem}"
        return None

    def _check_type(self, types: list[str], value: Any) -> str | None:
        for declared in types:
            if self._matches(declared, value):
                return None
        return f"{value!r} is not {' or '.join(types)}"

    def _matches(self, declared: str, value: Any) -> bool:
        if declared == "Integer":
            return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.lstrip("-").isdigit())
        if declared == "String":
            return isinstance(value, str)
        if declared == "Boolean":
            return isinstance(value, bool) or value in ("true", "false")
        if declared == "Float":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if declared.startswith("Array of "):
            items = json.loads(value) if isinstance(value, str) else value
            return isinstance(items, list) and all(self._matches(declared[len("Array of "):], item) for item in items)
        if declared == "InputFile":
            return False
        type_spec = self.spec["types"].get(declared)
        if type_spec is None:
            return True
        obj = json.loads(value) if isinstance(value, str) else value
        if not isinstance(obj, dict):
            return False
        subtypes = type_spec.get("subtypes")
        if subtypes:
            return any(self._matches(sub, obj) for sub in subtypes)
        fields = {f["name"]: f for f in type_spec.get("fields", [])}
        if any(name not in fields for name in obj):
            return False
        if any(f.get("required") and name not in obj for name, f in fields.items()):
            return False
        return all(self._check_type(fields[name]["types"], item) is None for name, item in obj.items())

    # --- answers ----------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return list(self.updates)
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params.get("chat_id", 0))
            return {"message_id": self._next_message_id(), "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER}
        return True

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                self._serve()

            def do_GET(self):
                self._serve()

            def _serve(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) != 2 or parts[0] != f"bot{server.token}":
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                method = parts[1]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if "json" in content_type:
                    params = json.loads(raw or b"{}")
                else:
                    params = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                server.calls.append((method, params))
                problem = server.validate(method, params)
                if problem:
                    server.errors.append(problem)
                    return self._reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"})
                if server.fail_next and method not in ("getMe", "getUpdates", "deleteWebhook"):
                    status, description = server.fail_next.pop(0)
                    return self._reply(status, {"ok": False, "error_code": status, "description": description})
                return self._reply(200, {"ok": True, "result": server.answer(method, params)})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
