"""Bulk exchange (R-DATA-4): imports, exports by filter, the change feed and snapshots for a first sync."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request, stream_with_context
from marshmallow import validate

from exchange import audit, schemas
from exchange.api import feed, imports
from exchange.api.framework import BadRequest, current_api_key, endpoint
from exchange.api.models import ImportFormat, ImportKind
from exchange.api.resources.common import (
    PageQuery,
    public_resume_dict,
    public_vacancy_dict,
    visible_public_resumes,
)
from exchange.api.serializers import ChangesOut, ImportOut, ResumeOut, VacancyOut
from exchange.auth import Actor, require_scope
from exchange.i18n import lazy_gettext as _l
from exchange.resumes.models import Resume, Visibility
from exchange.timeutil import ALMATY
from exchange.vacancies.models import Vacancy, VacancyStatus

EXPORT_BATCH = 500
FORMAT_BY_TYPE = {"application/x-ndjson": "ndjson", "application/ndjson": "ndjson", "application/jsonl": "ndjson", "text/csv": "csv"}


class ImportQuery(schemas.InputSchema):
    kind = schemas.enum(ImportKind, required=True)
    format = schemas.enum(ImportFormat)  # taken from the Content-Type when left out


class ChangesQuery(schemas.InputSchema):
    since = schemas.text(max_len=60, metadata={"description": "next_cursor of the previous call; empty starts at the beginning"})
    limit = schemas.integer(minimum=1, maximum=1000, load_default=200)
    types = schemas.code_list(max_items=2, metadata={"description": "vacancy, resume (resume needs resumes:read)"})


class ExportQuery(schemas.InputSchema):
    format = schemas.Text(load_default="ndjson", validate=validate.OneOf(("ndjson", "csv"), error=_l("Choose one of: {choices}.")))
    public = schemas.boolean(metadata={"description": "Vacancies: every published vacancy instead of ours"})
    status = schemas.text(max_len=20)
    occupation_code = schemas.code(max_len=4)
    kato_code = schemas.code(max_len=9)
    updated_since = schemas.Date(allow_none=True, metadata={"description": "ISO date"})


class SnapshotQuery(PageQuery):
    limit = schemas.integer(minimum=1, maximum=1000, load_default=500)


def _snapshot_schema(item: str) -> dict[str, Any]:
    """A raw OpenAPI schema (the items are the documented record schemas)."""
    return {
        "type": "object",
        "required": ["items", "next_cursor", "feed_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "next_cursor": {"type": "string", "nullable": True},
            "feed_cursor": {"type": "string", "description": "Follow /changes from here once the snapshot is read"},
        },
    }


# --- imports -------------------------------------------------------------------

@endpoint(
    "/imports", "POST", summary="Upload vacancies or resumes as NDJSON or CSV", tag="bulk", query=ImportQuery, response=ImportOut,
    status=202,
    body_content={
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
    },
)
def create_import(actor, session, query):
    """One record per line (NDJSON) or row (CSV, with a header; nested fields as `seeker.iin`; lists split by `;`).
    Every record needs an `external_id`; sending the same one again updates the record. Vacancies take
    `status` (draft, published, closed); resumes take `seeker` (the person) and `publish`. Processed by a
    worker: poll GET /imports/{id} for progress and the per-line error report."""
    fmt = query.get("format") or FORMAT_BY_TYPE.get((request.mimetype or "").lower())
    if fmt is None:
        raise BadRequest(_l("Send NDJSON (application/x-ndjson) or CSV (text/csv), or give format."))
    try:
        content = request.get_data(cache=False).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(_l("The file must be UTF-8 text.")) from None
    return imports.create_import(
        session, actor, query["kind"], fmt, content, max_lines=current_app.config["BIRZHA"].API_IMPORT_MAX_LINES,
        api_key_id=current_api_key().id,
    )


@endpoint("/imports", summary="Our recent imports", tag="bulk", response=ImportOut, many=True)
def list_imports(actor, session):
    return imports.list_imports(session, actor)


@endpoint("/imports/<int:import_id>", summary="Progress and per-line errors of an import", tag="bulk", response=ImportOut)
def get_import(actor, session, import_id):
    return imports.get_import(session, actor, import_id)


# --- exports -------------------------------------------------------------------

def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(v if isinstance(v, str) else f"{v.get('code')}:{v.get('level')}" for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _stream(rows: Iterator[dict[str, Any]], fmt: str, columns: list[str]) -> Iterator[str]:
    if fmt == "ndjson":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _batched(stmt, model, render) -> Iterator[dict[str, Any]]:
    """Rows in id batches from a session of the stream's own: the request's is closed before streaming starts."""
    from exchange.app import state

    session = state().db.new_session()
    try:
        last = 0
        while True:
            rows = list(session.scalars(stmt.where(model.id > last).order_by(model.id).limit(EXPORT_BATCH)))
            if not rows:
                return
            for row in rows:
                yield render(row)
            last = rows[-1].id
            session.expunge_all()
    finally:
        session.close()


def _export_response(generator: Iterator[str], fmt: str, name: str) -> Response:
    mimetype = "application/x-ndjson" if fmt == "ndjson" else "text/csv"
    response = Response(stream_with_context(generator), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{"ndjson" if fmt == "ndjson" else "csv"}"'
    return response


@endpoint("/exports/vacancies", summary="Export vacancies by filter (NDJSON or CSV)", tag="bulk", query=ExportQuery,
          response_content=("application/x-ndjson", "text/csv"))
def export_vacancies(actor: Actor, session, query):
    """Ours (any status; scope `vacancies:write`), or with `public=true` every published one (scope `vacancies:read`)."""
    if query.get("public"):
        require_scope(actor, "vacancies:read")
        stmt = sa.select(Vacancy).where(Vacancy.status == VacancyStatus.PUBLISHED)
    else:
        require_scope(actor, "vacancies:write")
        org = actor.organisation_id
        stmt = sa.select(Vacancy).where(sa.or_(Vacancy.organisation_id == org, Vacancy.source_organisation_id == org))
        if query.get("status"):
            if query["status"] not in {s.value for s in VacancyStatus}:
                raise schemas.ValidationFailed({"status": [_l("Unknown status.")]})
            stmt = stmt.where(Vacancy.status == query["status"])
    stmt = _common_filters(stmt, Vacancy, query)
    columns = list(VacancyOut().fields)
    return _export_response(_stream(_batched(stmt, Vacancy, public_vacancy_dict), query["format"], columns), query["format"], "vacancies")


def _common_filters(stmt, model, query: dict[str, Any]):
    if query.get("occupation_code"):
        stmt = stmt.where(model.occupation_code == query["occupation_code"])
    if query.get("kato_code"):
        stmt = stmt.where(model.kato_code.startswith(query["kato_code"].rstrip("0") or query["kato_code"]))
    if query.get("updated_since"):
        stmt = stmt.where(model.updated_at >= dt.datetime.combine(query["updated_since"], dt.time(), tzinfo=ALMATY))
    return stmt


@endpoint("/exports/resumes", summary="Export the resumes we manage (NDJSON or CSV; audited)", tag="bulk", scope="resumes:write",
          query=ExportQuery, response_content=("application/x-ndjson", "text/csv"))
def export_resumes(actor: Actor, session, query):
    stmt = sa.select(Resume).where(Resume.source_organisation_id == actor.organisation_id)
    if query.get("status"):
        if query["status"] not in {v.value for v in Visibility}:
            raise schemas.ValidationFailed({"status": [_l("Unknown status.")]})
        stmt = stmt.where(Resume.visibility == query["status"])
    stmt = _common_filters(stmt, Resume, query)
    # Written in the request's transaction, committed before the first byte streams.
    audit.record(session, actor, "export", "resume", None, filters={k: str(v) for k, v in query.items()}, api=True)

    def render(resume: Resume) -> dict[str, Any]:
        person = resume.seeker  # the organisation manages these people: full data
        resume.api_seeker = {"id": person.id, "first_name": person.first_name, "last_name": person.last_name,
                             "middle_name": person.middle_name, "phone": person.phone, "email": person.email}
        return ResumeOut().dump(resume)

    columns = list(ResumeOut().fields)
    return _export_response(_stream(_batched(stmt, Resume, render), query["format"], columns), query["format"], "resumes")


# --- change feed and snapshots ---------------------------------------------------

def _allowed_types(actor: Actor, wanted: list[str]) -> tuple[str, ...]:
    allowed = ["vacancy"] if actor.has_scope("vacancies:read") else []
    if actor.has_scope("resumes:read"):
        allowed.append("resume")
    for name in wanted:
        if name not in feed.ENTITY_TYPES:
            raise schemas.ValidationFailed({"types": [_l("Use vacancy and/or resume.")]})
        if name not in allowed:
            require_scope(actor, "vacancies:read" if name == "vacancy" else "resumes:read")
    return tuple(wanted) if wanted else tuple(allowed)


@endpoint("/changes", summary="Change feed: creations, updates and tombstones in commit order", tag="bulk", query=ChangesQuery,
          response=ChangesOut)
def changes(actor, session, query):
    """Each item is `upsert` (with the record as it is now, or `data: null` if it has since left the portal)
    or `delete` (a tombstone: the record is no longer public). Store `next_cursor` and pass it as `since`:
    interrupted followers resume without gaps or duplicates."""
    types = _allowed_types(actor, query.get("types") or [])
    if not types:
        require_scope(actor, "vacancies:read")
    since = feed.decode_cursor(query.get("since"))
    entries, last, more = feed.read(session, since, query["limit"], types)
    feed.attach_current(session, entries, {"vacancy": public_vacancy_dict, "resume": public_resume_dict})
    if any(e.entity_type == "resume" for e in entries):
        audit.record(session, actor, "view", "resume", None, resume_ids=[e.entity_id for e in entries if e.entity_type == "resume"][:500],
                     api=True, feed=True)
    return {"items": entries, "next_cursor": feed.encode_cursor(last), "has_more": more}


def _snapshot(session, stmt, model, query, render) -> dict[str, Any]:
    raw_cursor = query.get("cursor")
    if raw_cursor:
        after, head = feed.decode_snapshot_cursor(raw_cursor)
    else:
        after, head = 0, feed.head(session)
    rows = list(session.scalars(stmt.where(model.id > after).order_by(model.id).limit(query["limit"] + 1)))
    more = len(rows) > query["limit"]
    rows = rows[: query["limit"]]
    next_cursor = feed.encode_snapshot_cursor(rows[-1].id, head) if more and rows else None
    return {"items": [render(r) for r in rows], "next_cursor": next_cursor, "feed_cursor": feed.encode_cursor(head)}


@endpoint("/snapshot/vacancies", summary="Every published vacancy, page by page, for a first sync", tag="bulk",
          scope="vacancies:read", query=SnapshotQuery, response=_snapshot_schema("VacancyOut"))
def snapshot_vacancies(actor, session, query):
    """Then follow /changes from `feed_cursor` (taken when the snapshot started, so nothing is missed)."""
    return _snapshot(session, sa.select(Vacancy).where(Vacancy.status == VacancyStatus.PUBLISHED), Vacancy, query, public_vacancy_dict)


@endpoint("/snapshot/resumes", summary="Every public resume, page by page, for a first sync (audited)", tag="bulk",
          scope="resumes:read", query=SnapshotQuery, response=_snapshot_schema("ResumeOut"))
def snapshot_resumes(actor, session, query):
    result = _snapshot(session, visible_public_resumes(), Resume, query, public_resume_dict)
    audit.record(session, actor, "view", "resume", None, resume_ids=[r["id"] for r in result["items"]][:1000], api=True, snapshot=True)
    return result

