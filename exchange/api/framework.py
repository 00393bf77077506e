"""How an API endpoint is declared, authenticated, limited, validated and documented.

Every endpoint is registered with :func:`endpoint`, which records its schemas; the
same schemas validate requests (through :func:`exchange.schemas.load` in the
operations or here) and generate the OpenAPI document (:mod:`exchange.api.openapi`).
Flow of one call: bounds on path ids → API key → rate limit → scope → query and
body → the view (which calls operations) → the response schema.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from limits import parse as parse_limit
from marshmallow import Schema
from marshmallow import fields as mm_fields
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from exchange import schemas
from exchange.api import keys
from exchange.api.models import ApiKey
from exchange.auth import Actor, require_scope
from exchange.errors import Conflict, DomainError, NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.lifecycle import db_session

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

# Ids are 32-bit in every table; a larger number cannot exist (and would overflow the database).
MAX_ID = 2**31 - 1
ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(_l("Too many requests for this API key; retry in %(s)s seconds.", s=retry_after))
        self.retry_after = retry_after


@dataclass
class Endpoint:
    rule: str
    method: str
    name: str
    summary: str
    tag: str
    scope: str | None
    query: type[Schema] | None
    body: type[Schema] | None
    response: type[Schema] | dict[str, Any] | None  # a dict is a raw OpenAPI schema
    many: bool
    status: int
    auth: bool
    description: str = ""
    body_content: dict[str, Any] = field(default_factory=dict)  # raw uploads (e.g. NDJSON/CSV)
    response_content: tuple[str, ...] = ("application/json",)
    extra_statuses: tuple[int, ...] = ()
    paged: bool = False
    etag: bool = False


REGISTRY: list[Endpoint] = []


def current_api_actor() -> Actor:
    return g.api_actor


def current_api_key() -> ApiKey:
    return g.api_key


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key") or None


def _limit_hit(limit_text: str, *identity: str) -> tuple[bool, int, int, int]:
    """Count one request against a limit; returns (allowed, limit, remaining, seconds to reset).

    The counters live in Flask-Limiter's storage, which is Redis when REDIS_URL is set, so
    every process of the portal shares them.
    """
    from exchange.security import limiter

    item = parse_limit(limit_text)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "birzha:ratelimit")
    strategy = limiter.limiter
    allowed = strategy.hit(item, prefix, "api", *identity)
    reset_at, remaining = strategy.get_window_stats(item, prefix, "api", *identity)
    return allowed, item.amount, max(0, remaining), max(1, math.ceil(reset_at - time.time()))


def _authenticate(session: Session) -> Actor:
    token = _bearer_token()
    settings = current_app.config["BIRZHA"]
    if not token:
        raise Unauthorized(_l("Send your API key as “Authorization: Bearer <key>”."))
    key = keys.authenticate(session, token)
    if key is None:
        # Wrong tokens are limited per address too, so keys cannot be guessed quickly.
        allowed, _limit, _rem, reset = _limit_hit(settings.API_RATE_LIMIT, "bad-key", request.remote_addr or "-")
        if not allowed:
            raise TooManyRequests(reset)
        raise Unauthorized(_l("This API key is unknown, expired or revoked."))
    allowed, limit, remaining, reset = _limit_hit(key.rate_limit or settings.API_RATE_LIMIT, "key", key.prefix)
    g.rate_limit_headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}
    if not allowed:
        raise TooManyRequests(reset)
    g.api_key = key
    g.api_actor = keys.actor_for_key(key, request.remote_addr)
    return g.api_actor


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_l("Send a JSON object with the Content-Type application/json."))
    if _has_nul(data):
        raise BadRequest(_l("Text must not contain NUL characters."))
    return data


def query_args(schema: type[Schema]) -> dict[str, Any]:
    """Query parameters through a schema; list fields take repeated parameters."""
    instance = schema()
    raw: dict[str, Any] = {}
    for name, fld in instance.fields.items():
        key = fld.data_key or name
        if key not in request.args:
            continue
        values = request.args.getlist(key)
        raw[key] = values if isinstance(fld, mm_fields.List) else values[-1]
    if _has_nul(raw):
        raise BadRequest(_l("Text must not contain NUL characters."))
    return schemas.load(instance, raw)


def endpoint(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    scope: str | None = None,
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    response: type[Schema] | dict[str, Any] | None = None,
    many: bool = False,
    status: int = 200,
    auth: bool = True,
    description: str = "",
    body_content: dict[str, Any] | None = None,
    response_content: tuple[str, ...] = ("application/json",),
    extra_statuses: tuple[int, ...] = (),
    paged: bool = False,
    etag: bool = False,
    validate_body: bool = False,
    validate_query: bool = True,
) -> Callable:
    """Declare an API endpoint. The view gets ``(actor, session, **path, query=…, body=…)``.

    ``body`` documents the JSON body; when the operation the view calls validates it with
    that very schema, the view receives the raw dict, otherwise ``validate_body`` loads it here;
    ``validate_query=False`` likewise hands the raw arguments to a service that checks them itself.
    ``paged`` views return ``(items, next_cursor)``.
    """

    def decorator(view: Callable) -> Callable:
        spec = Endpoint(
            rule=rule, method=method, name=view.__name__, summary=summary, tag=tag, scope=scope, query=query, body=body,
            response=response, many=many, status=status, auth=auth, description=description or (view.__doc__ or "").strip(),
            body_content=body_content or {}, response_content=response_content, extra_statuses=extra_statuses,
            paged=paged, etag=etag,
        )
        REGISTRY.append(spec)

        def handler(**path: Any) -> Any:
            for value in path.values():
                if isinstance(value, int) and value > MAX_ID:
                    raise NotFound()
            session = db_session()
            actor = _authenticate(session) if auth else None
            if scope is not None:
                require_scope(actor, scope)
            kwargs: dict[str, Any] = {}
            if query is not None:
                # Some services validate their own parameters (search); they get the raw arguments.
                kwargs["query"] = query_args(query) if validate_query else request.args
            if body is not None:
                data = json_body()
                kwargs["body"] = schemas.load(body(), data) if validate_body else data
            result = view(actor, session, **path, **kwargs)
            if isinstance(result, Response):
                return result
            if paged:
                items, next_cursor = result
                payload = {"items": response(many=True).dump(items), "next_cursor": next_cursor}
            elif response is not None and not isinstance(response, dict):
                payload = response(many=many).dump(result)
            else:
                payload = result
            return jsonify(payload), status

        handler.__name__ = view.__name__
        blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=handler, methods=[method])
        return view

    return decorator


@blueprint.after_request
def _rate_limit_headers(response: Response) -> Response:
    for name, value in g.get("rate_limit_headers", {}).items():
        response.headers[name] = value
    return response


def _error(error: DomainError) -> tuple[Response, int]:
    response = jsonify({"error": error.as_dict()})
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="birzha"'
    return response, error.status


@blueprint.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return _error(error)


@blueprint.errorhandler(StaleDataError)
def _stale(_error_obj):
    return _error(Conflict(_l("The record was changed by someone else at the same time; read it again and retry.")))


@blueprint.errorhandler(sa_exc.IntegrityError)
def _integrity(_error_obj):
    return _error(Conflict(_l("This conflicts with a record that already exists.")))


@blueprint.errorhandler(sa_exc.DataError)
def _data_error(_error_obj):
    return _error(BadRequest(_l("A value is out of the range the exchange can store.")))
