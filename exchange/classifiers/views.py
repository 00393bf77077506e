"""Classifier look-ups for forms (typeahead) — the public API serves them too."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from exchange.classifiers import operations as ops
from exchange.classifiers.models import Scheme
from exchange.i18n import get_locale
from exchange.web import db_session

blueprint = Blueprint("classifiers", __name__, url_prefix="/classifiers")


@blueprint.route("/<scheme>.json")
def lookup(scheme: str):
    try:
        scheme_enum = Scheme(scheme)
    except ValueError:
        abort(404)
    locale = request.args.get("lang") or str(get_locale())
    query = (request.args.get("q") or "").strip().lower()
    level = request.args.get("level", type=int)
    items = ops.CACHE.scheme(db_session(), scheme_enum).values()
    out = []
    for entry in items:
        if level is not None and entry.level != level:
            continue
        names = (entry.name_kk, entry.name_ru, entry.name_en)
        if query and not (entry.code.startswith(query) or any(query in n.lower() for n in names)):
            continue
        out.append({"code": entry.code, "name": entry.name(locale), "parent_code": entry.parent_code, "level": entry.level})
        if len(out) >= 50:
            break
    response = jsonify(out)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
