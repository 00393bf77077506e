"""Organisations, classifiers (with ETags) and the caller's own statistics."""

from __future__ import annotations

import hashlib
import json

from flask import jsonify, request

from exchange import schemas
from exchange.api import reports
from exchange.api.framework import endpoint
from exchange.api.serializers import ClassifierOut, OrganisationOut, SchemeListOut, StatisticsOut
from exchange.classifiers import operations as classifiers
from exchange.classifiers.models import Scheme
from exchange.errors import NotFound
from exchange.i18n import lazy_gettext as _l
from exchange.organisations import operations as org_ops

# Public fields of another organisation; contacts of agencies and centres are public too (they serve the public).
PUBLIC_ORG_FIELDS = ("id", "kind", "name", "bin", "registry_number", "kato_code", "website", "description")


class StatisticsQuery(schemas.InputSchema):
    days = schemas.integer(minimum=1, maximum=366, load_default=30)


class ClassifierQuery(schemas.InputSchema):
    level = schemas.integer(minimum=1, maximum=9)
    parent_code = schemas.code(max_len=20)


@endpoint("/organisations/me", summary="The organisation this key acts for", tag="organisations", response=OrganisationOut)
def my_organisation(actor, session):
    return actor.organisation


@endpoint("/organisations/<int:organisation_id>", summary="An organisation's public profile", tag="organisations",
          scope="vacancies:read", response=OrganisationOut)
def get_organisation(actor, session, organisation_id):
    organisation = org_ops.get_organisation(session, organisation_id)
    if not organisation.active:
        raise NotFound(_l("No such organisation."))
    if organisation.id == actor.organisation_id:
        return organisation
    return {f: getattr(organisation, f) for f in PUBLIC_ORG_FIELDS} | {"kind": organisation.kind.value}


@endpoint("/classifiers", summary="Classifier schemes", tag="classifiers", response=SchemeListOut)
def list_classifiers(actor, session):
    return {"schemes": [s.value for s in Scheme]}


@endpoint("/classifiers/<scheme>", summary="All items of a classifier (with an ETag)", tag="classifiers",
          query=ClassifierQuery, response=ClassifierOut, etag=True)
def get_classifier(actor, session, scheme, query):
    """Send the ETag back as If-None-Match to get 304 when nothing changed."""
    try:
        scheme_enum = Scheme(scheme)
    except ValueError:
        raise NotFound(_l("No such classifier.")) from None
    items = [
        {"code": e.code, "parent_code": e.parent_code, "level": e.level, "name_kk": e.name_kk, "name_ru": e.name_ru, "name_en": e.name_en}
        for e in classifiers.CACHE.scheme(session, scheme_enum).values()
        if (query.get("level") is None or e.level == query["level"])
        and (query.get("parent_code") is None or e.parent_code == query["parent_code"])
    ]
    body = ClassifierOut().dump({"scheme": scheme_enum.value, "items": items})
    etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")] or request.headers.get("If-None-Match") == "*":
        response = jsonify()
        response.status_code = 304
        response.set_data(b"")
    else:
        response = jsonify(body)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


@endpoint("/statistics", summary="Our daily and overall statistics", tag="statistics", query=StatisticsQuery, response=StatisticsOut)
def statistics(actor, session, query):
    return reports.statistics(session, actor, query["days"])
