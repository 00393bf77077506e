"""Every setting Birzha reads, declared once with its type, default and meaning.

Values come from (lowest to highest precedence) the declared default, the process
environment, and explicit overrides passed to :func:`load_settings` (tests, CLI).
Loading validates every value and fails with a message naming the bad setting, so a
typo in production is caught at start, not at the first request that needs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected one of true/false/1/0/yes/no/on/off")


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: _parse_bool,
    tuple: _parse_list,
}


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    description: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    secret: bool = False

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, str) and self.type is not str:
            try:
                value = _PARSERS[self.type](raw)
            except ValueError as exc:
                raise SettingsError(f"{self.name}={raw!r}: {exc}") from None
        else:
            value = raw
        if self.type is tuple and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise SettingsError(f"{self.name}: expected {self.type.__name__}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise SettingsError(f"{self.name}={value!r}: must be one of {', '.join(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise SettingsError(f"{self.name}={value!r}: must be at least {self.minimum}")
        return value


def _s(name, type_, default, description, **kw) -> Setting:
    return Setting(name, type_, default, description, **kw)


SETTINGS: tuple[Setting, ...] = (
    # --- core -------------------------------------------------------------------
    _s("SECRET_KEY", str, "", "Key for signing sessions and tokens; generated into the instance folder when empty.", secret=True),
    _s("INSTANCE_PATH", str, "instance", "Folder for the embedded database, generated secret and uploads."),
    _s("PUBLIC_URL", str, "http://127.0.0.1:5000", "Address people use to reach the portal; used in e-mails, SMS and bot links."),
    _s("DEFAULT_LOCALE", str, "ru", "Interface language for visitors who have not chosen one.", choices=("kk", "ru", "en")),
    _s("TIMEZONE", str, "Asia/Almaty", "Zone in which business rules (deadlines, expiry, schedules) are evaluated."),
    _s("LOG_LEVEL", str, "INFO", "Python logging level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    # --- storage ----------------------------------------------------------------
    _s("DATABASE_URL", str, "", "SQLAlchemy URL; empty means the embedded SQLite file instance/birzha.db."),
    _s("DATABASE_ECHO", bool, False, "Log every SQL statement (debugging only)."),
    # --- search -----------------------------------------------------------------
    _s("SEARCH_BACKEND", str, "auto", "auto (Elasticsearch when ELASTICSEARCH_URL is set, else SQL), elasticsearch or sql.", choices=("auto", "elasticsearch", "sql")),
    _s("ELASTICSEARCH_URL", str, "", "Elasticsearch 8 node address, e.g. http://127.0.0.1:9200."),
    _s("ELASTICSEARCH_INDEX_PREFIX", str, "birzha", "Prefix of every index and alias name (lets tests share a node)."),
    _s("ELASTICSEARCH_TIMEOUT", float, 10.0, "Seconds to wait for one Elasticsearch request.", minimum=0.1),
    # --- jobs -------------------------------------------------------------------
    _s("REDIS_URL", str, "", "Redis address for RQ queues, rate limits and locks; empty means in-process jobs."),
    _s("JOBS_MODE", str, "auto", "auto (rq when REDIS_URL is set, else inline), rq or inline.", choices=("auto", "rq", "inline")),
    _s("RQ_QUEUE_PREFIX", str, "birzha", "Prefix of RQ queue names."),
    _s("JOB_TIMEOUT", int, 600, "Default seconds a job may run before RQ kills it.", minimum=1),
    # --- security ---------------------------------------------------------------
    _s("SESSION_COOKIE_SECURE", bool, False, "Send the session cookie over HTTPS only (set true behind TLS)."),
    _s("LOGIN_RATE_LIMIT", str, "10 per minute", "Sign-in attempts allowed per address and account."),
    _s("API_RATE_LIMIT", str, "120 per minute", "Requests allowed per API key."),
    _s("PASSWORD_RESET_MAX_AGE", int, 3600, "Seconds a password-reset link stays valid.", minimum=60),
    _s("WTF_CSRF_ENABLED", bool, True, "CSRF protection on every form (only tests of raw HTTP turn it off)."),
    # --- e-mail -----------------------------------------------------------------
    _s("SMTP_HOST", str, "", "SMTP server; empty keeps e-mail in the outbox and in-app inbox only."),
    _s("SMTP_PORT", int, 25, "SMTP port.", minimum=1),
    _s("SMTP_USERNAME", str, "", "SMTP login, if the server wants one."),
    _s("SMTP_PASSWORD", str, "", "SMTP password.", secret=True),
    _s("SMTP_STARTTLS", bool, False, "Upgrade the SMTP connection with STARTTLS."),
    _s("MAIL_FROM", str, "Birzha <no-reply@birzha.local>", "Sender of outgoing e-mail."),
    # --- SMS and calls (Twilio) -------------------------------------------------
    _s("TWILIO_ACCOUNT_SID", str, "", "Twilio account SID; empty turns SMS and calls off."),
    _s("TWILIO_AUTH_TOKEN", str, "", "Twilio auth token (also verifies status callbacks).", secret=True),
    _s("TWILIO_FROM_NUMBER", str, "", "Sending number in E.164."),
    _s("TWILIO_BASE_URL", str, "", "Override of Twilio's API host (tests point it at a local Prism server)."),
    _s("SMS_DAILY_CAP_PER_ORGANISATION", int, 200, "SMS and calls an organisation may send to candidates per day.", minimum=0),
    # --- Telegram ---------------------------------------------------------------
    _s("TELEGRAM_BOT_TOKEN", str, "", "Bot token from @BotFather; empty turns the bot off.", secret=True),
    _s("TELEGRAM_BOT_USERNAME", str, "birzha_bot", "Bot user name, for deep links."),
    _s("TELEGRAM_API_URL", str, "https://api.telegram.org", "Bot API server (tests use a local one)."),
    _s("TELEGRAM_WEBHOOK_SECRET", str, "", "Secret token Telegram must send in X-Telegram-Bot-Api-Secret-Token.", secret=True),
    # --- integrations -----------------------------------------------------------
    _s("STATE_REGISTRY_URL", str, "", "State personal-data registry endpoint for seeker verification; empty turns it off."),
    _s("STATE_REGISTRY_TOKEN", str, "", "Bearer token for the state registry.", secret=True),
    _s("STATE_REGISTRY_TIMEOUT", float, 10.0, "Seconds to wait for the state registry to answer.", minimum=0.1),
    _s("WEBHOOK_TIMEOUT", float, 10.0, "Seconds to wait for a webhook receiver to answer.", minimum=0.1),
    _s("WEBHOOK_MAX_FAILURES", int, 10, "Consecutive failed webhook attempts after which the endpoint is disabled.", minimum=1),
    _s("WEBHOOK_ALLOW_LOOPBACK", bool, False, "Accept http://127.0.0.1 webhook receivers (tests and local development only)."),
    _s("API_IMPORT_MAX_LINES", int, 200000, "Most lines one bulk import file may have.", minimum=1),
    _s("PENSION_FEED_URL", str, "", "HTTP source of the pension fund's weekly contribution feed."),
    # --- demo -------------------------------------------------------------------
    _s("DEMO_ON_FIRST_RUN", bool, True, "`exchange run` loads demo data into an empty embedded database."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass
class Settings:
    """Validated settings; attribute access by name (``settings.DATABASE_URL``)."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    # Derived values live here, computed from the declared ones, never declared twice.
    @property
    def instance_path(self) -> Path:
        return Path(self.values["INSTANCE_PATH"]).resolve()

    @property
    def database_url(self) -> str:
        return self.values["DATABASE_URL"] or f"sqlite:///{self.instance_path / 'birzha.db'}"

    @property
    def search_backend(self) -> str:
        backend = self.values["SEARCH_BACKEND"]
        if backend == "auto":
            return "elasticsearch" if self.values["ELASTICSEARCH_URL"] else "sql"
        return backend

    @property
    def jobs_mode(self) -> str:
        mode = self.values["JOBS_MODE"]
        if mode == "auto":
            return "rq" if self.values["REDIS_URL"] else "inline"
        return mode


def _check_url(name: str, value: str, schemes: tuple[str, ...]) -> None:
    if value and urlparse(value).scheme.split("+")[0] not in schemes:
        raise SettingsError(f"{name}={value!r}: expected a URL starting with {' or '.join(s + '://' for s in schemes)}")


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read defaults, then the environment, then ``overrides``; validate; return settings."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(_BY_NAME))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw = overrides[setting.name]
        elif setting.name in environ:
            raw = environ[setting.name]
        else:
            raw = setting.default
        values[setting.name] = setting.parse(raw)
    settings = Settings(values)
    _check_url("DATABASE_URL", values["DATABASE_URL"], ("sqlite", "postgresql"))
    _check_url("ELASTICSEARCH_URL", values["ELASTICSEARCH_URL"], ("http", "https"))
    _check_url("REDIS_URL", values["REDIS_URL"], ("redis", "rediss", "unix"))
    _check_url("PUBLIC_URL", values["PUBLIC_URL"], ("http", "https"))
    if settings.search_backend == "elasticsearch" and not values["ELASTICSEARCH_URL"]:
        raise SettingsError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
    if settings.jobs_mode == "rq" and not values["REDIS_URL"]:
        raise SettingsError("JOBS_MODE=rq needs REDIS_URL")
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(values["TIMEZONE"])
    except Exception:
        raise SettingsError(f"TIMEZONE={values['TIMEZONE']!r}: not a known time zone") from None
    return settings
