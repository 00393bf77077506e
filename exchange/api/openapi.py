"""The OpenAPI 3 document, built from the registered endpoints and their marshmallow schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from exchange.api import serializers
from exchange.api.framework import ERROR_STATUSES, REGISTRY, Endpoint
from exchange.api.keys import SCOPE_DESCRIPTIONS
from exchange.api.models import SCOPES
from exchange.profile_fields import Languages

API_VERSION = "1.0.0"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_STATUS_TEXT = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 304: "Not modified",
    400: "Malformed request", 401: "Missing, unknown, expired or revoked API key", 403: "The key lacks a scope, or the record is not yours",
    404: "Not found", 409: "Conflicts with the record's current state", 422: "Validation failed; `fields` names each bad field",
    429: "Rate limit reached; see Retry-After",
}


def _schema_name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    if name.endswith("Schema") and len(name) > 6:
        name = name[: -len("Schema")]
    # Partial/only variants would collide with the full schema; apispec's default handles that.
    if not isinstance(schema, type) and (schema.only or schema.partial or schema.exclude):
        return ""
    return name


def _path_and_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if converter == "int" else {"type": "string"}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return _CONVERTER.sub(r"{\2}", rule), params


def _operation(ep: Endpoint) -> dict[str, Any]:
    path_params = _path_and_params(ep.rule)[1]
    op: dict[str, Any] = {
        "operationId": ep.name,
        "summary": ep.summary,
        "tags": [ep.tag],
        "parameters": list(path_params),
        "responses": {},
    }
    if ep.description:
        op["description"] = ep.description
    if ep.query is not None:
        op["parameters"].append({"in": "query", "schema": ep.query})
    if ep.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ep.body}}}
    elif ep.body_content:
        op["requestBody"] = {"required": True, "content": ep.body_content}
    if ep.auth:
        op["security"] = [{"apiKey": []}]
        if ep.scope:
            op["description"] = (op.get("description", "") + f"\n\nNeeds the scope `{ep.scope}`.").strip()
    else:
        op["security"] = []
    if ep.paged:
        page = {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{_schema_name(ep.response)}"}},
                "next_cursor": {"type": "string", "nullable": True},
            },
        }
        success: dict[str, Any] = {"application/json": {"schema": page}}
    elif isinstance(ep.response, dict):
        success = {"application/json": {"schema": ep.response}}
    elif ep.response is not None:
        schema: Any = ep.response
        if ep.many:
            schema = {"type": "array", "items": {"$ref": f"#/components/schemas/{_schema_name(ep.response)}"}}
        success = {"application/json": {"schema": schema}}
    else:
        success = {ctype: {"schema": {"type": "string"}} for ctype in ep.response_content}
    op["responses"][str(ep.status)] = {"description": _STATUS_TEXT.get(ep.status, "OK"), "content": success}
    if ep.etag:
        op["parameters"].append({"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"}})
        op["responses"]["304"] = {"description": _STATUS_TEXT[304]}
    for status in (*ERROR_STATUSES, *ep.extra_statuses):
        if status == 401 and not ep.auth:
            continue
        op["responses"][str(status)] = {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": "ErrorOut"}},
        }
    return op


def _english(text) -> str:
    """The source (English) text of a lazily translated string: the document is the same in every language."""
    args = getattr(text, "_args", None)
    return str(args[0]) if args else str(text)


def build_spec(public_url: str = "") -> dict[str, Any]:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="Birzha API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": (
                "JSON API of the Birzha labour exchange for private employment agencies, job sites and employers. "
                "Authenticate with an API key issued in your organisation's cabinet: `Authorization: Bearer <key>`. "
                "Every error has the shape `{\"error\": {\"code\", \"message\", \"fields\"}}`. Scopes (a key "
                "issued with a former name keeps its access under the current one): "
                + "; ".join(f"`{s}` — {_english(SCOPE_DESCRIPTIONS[s])}" for s in SCOPES) + "."
            ),
        },
    )
    plugin.map_to_openapi_type(Languages, "array", None)
    spec.components.security_scheme("apiKey", {
        "type": "http", "scheme": "bearer",
        "description": "An API key (bzk_…) with one or more scopes: " + ", ".join(f"`{s}`" for s in SCOPES)
        + ". Each operation names the scope it needs; a key without it gets 403.",
    })
    spec.components.schema("ErrorOut", schema=serializers.ErrorOut)
    by_path: dict[str, dict[str, Any]] = {}
    for ep in REGISTRY:
        path, _params = _path_and_params(ep.rule)
        by_path.setdefault("/api/v1" + path, {})[ep.method.lower()] = _operation(ep)
    for ep in REGISTRY:
        for schema in (ep.response,):
            if schema is not None and not isinstance(schema, dict) and _schema_name(schema) not in spec.components.schemas:
                spec.components.schema(_schema_name(schema), schema=schema)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    if public_url:
        document["servers"] = [{"url": public_url.rstrip("/")}]
    return document
