"""Mounts the JSON API at /api/v1 (CSRF-exempt: keys, not cookies, authenticate it), its docs, and the cabinet."""

from __future__ import annotations

import importlib

from flask import Flask, current_app, jsonify, render_template

from exchange.api.framework import blueprint

# Resource modules register their endpoints on the API blueprint when imported.
RESOURCE_MODULES: tuple[str, ...] = (
    "exchange.api.resources.records",
    "exchange.api.resources.discovery",
    "exchange.api.resources.applications",
    "exchange.api.resources.reference",
    "exchange.api.resources.bulk",
    "exchange.api.resources.hooks",
    "exchange.api.resources.agency",
)


def _load_resources() -> None:
    for name in RESOURCE_MODULES:
        importlib.import_module(name)


@blueprint.route("/openapi.json")
def openapi_document():
    from exchange.api.openapi import build_spec

    cache = current_app.extensions.setdefault("birzha_openapi", {})
    if "document" not in cache:
        cache["document"] = build_spec()
    return jsonify(cache["document"])


@blueprint.route("/docs")
def docs():
    return render_template("api/docs.html")


def register(app: Flask) -> None:
    from exchange.api.cabinet import blueprint as cabinet_blueprint
    from exchange.security import csrf

    _load_resources()
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
    app.register_blueprint(cabinet_blueprint)
