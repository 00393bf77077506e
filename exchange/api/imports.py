"""Bulk import of vacancies or resumes (NDJSON or CSV), line by line through the ordinary operations.

The upload is stored with the :class:`Import` row; an ``import.requested`` outbox event
hands it to :func:`process` after commit (inline in the embedded mode, an RQ worker
otherwise). Each line runs in its own savepoint, so one bad line is reported and
skipped while the rest go in. The same ``external_id`` from the same organisation
updates the earlier record instead of duplicating it. Progress is committed in
batches, and a retried job continues after the last committed line.

Speed without losing the per-line guarantee: the records a batch already has on the
exchange are found with one query per batch (not one per line), and lines run in
chunks of :data:`CHUNK` inside one savepoint, which saves a savepoint round-trip pair
per line. A line refused before it wrote anything (validation: the usual bad line) is
simply reported; when a line fails after writing, the whole chunk is rolled back and
replayed one savepoint per line, so each line is still all or nothing and reported on
its own.

Inside the operations a line costs one statement: a record wanted published is created
published in the same INSERT (``publish=`` of the create operations, which check what
publishing checks before writing), records are taken from the session rather than
re-selected, and the operations hand their outbox events to the chunk (``events=``),
which inserts them in one statement (:func:`exchange.outbox.emit_many`) before its
savepoint ends. A line that recorded an event counts as having written (its chunk is
replayed), so a refused line never leaves an event behind.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from exchange import outbox
from exchange.api.keys import effective_scopes
from exchange.api.models import ApiKey, Import, ImportFormat, ImportKind, ImportStatus
from exchange.auth import Actor, deny, require_org, require_scope
from exchange.db import Database, utcnow
from exchange.errors import DomainError, NotFound, ValidationFailed, field_error
from exchange.i18n import lazy_gettext as _l
from exchange.organisations.models import Organisation
from exchange.resumes import operations as resumes
from exchange.resumes.models import Resume
from exchange.seekers import operations as seekers
from exchange.seekers.models import SeekerProfile
from exchange.vacancies import operations as vacancies
from exchange.vacancies.models import Vacancy, VacancyStatus

log = logging.getLogger(__name__)

BATCH = 500
CHUNK = 50
MAX_STORED_ERRORS = 1000
SCOPE_FOR_KIND = {ImportKind.VACANCIES: "vacancies:write", ImportKind.RESUMES: "resumes:write"}
# CSV cells that hold lists; items are separated by ";" (commas appear inside values).
CSV_LIST_FIELDS = ("skills", "driving_licences")


def create_import(session: Session, actor: Actor, kind: str, fmt: str, content: str, *, max_lines: int, api_key_id: int | None = None) -> Import:
    try:
        import_kind, import_format = ImportKind(kind), ImportFormat(fmt)
    except ValueError:
        raise field_error("kind", _l("Choose vacancies or resumes, as NDJSON or CSV.")) from None
    require_scope(actor, SCOPE_FOR_KIND[import_kind])
    if actor.organisation_id is None:
        raise deny()
    require_org(session, actor, actor.organisation_id)
    if "\x00" in content:
        raise field_error("file", _l("The file is not text."))
    lines = len(list(_raw_lines(content, import_format)))
    if lines == 0:
        raise field_error("file", _l("The file has no records."))
    if lines > max_lines:
        raise field_error("file", _l("At most %(n)s records per file; split it.", n=max_lines))
    item = Import(
        organisation_id=actor.organisation_id, api_key_id=api_key_id, kind=import_kind, format=import_format,
        content=content, total_lines=lines,
    )
    session.add(item)
    session.flush()
    outbox.emit(session, "import.requested", "import", item.id, {"organisation_id": item.organisation_id}, actor.user_id)
    return item


def get_import(session: Session, actor: Actor, import_id: int) -> Import:
    item = session.get(Import, import_id)
    if item is None or (item.organisation_id != actor.organisation_id and not actor.is_admin):
        raise NotFound(_l("No such import."))
    return item


def list_imports(session: Session, actor: Actor, limit: int = 50) -> list[Import]:
    if actor.organisation_id is None:
        raise deny()
    return list(
        session.scalars(sa.select(Import).where(Import.organisation_id == actor.organisation_id).order_by(Import.id.desc()).limit(limit))
    )


def _raw_lines(content: str, fmt: ImportFormat) -> Iterator[tuple[int, Any]]:
    """(line number, raw record) pairs; a record that cannot be parsed is yielded as an exception."""
    if fmt == ImportFormat.NDJSON:
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                yield number, exc
        return
    # newline="" lets the csv module see line ends itself (quoted cells may hold them).
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        for row in reader:
            yield reader.line_num, _csv_record(row)
    except csv.Error as exc:
        # The rest of a malformed file cannot be read reliably: report where it broke.
        yield reader.line_num, exc


def _csv_record(row: dict[str | None, Any]) -> dict[str, Any]:
    """Flat CSV columns to a record: ``seeker.iin`` nests, list columns split on ``;``."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or value == "":
            continue
        if key in CSV_LIST_FIELDS:
            value = [v.strip() for v in value.split(";") if v.strip()]
        head, _, tail = key.partition(".")
        if tail:
            record.setdefault(head, {})[tail] = value
        else:
            record[key] = value
    return record


def _error_entry(number: int, record: Any, error: Exception) -> dict[str, Any]:
    external_id = record.get("external_id") if isinstance(record, dict) else None
    if isinstance(error, DomainError):
        return {"line": number, "external_id": external_id, **error.as_dict()}
    if isinstance(error, csv.Error):
        message = _l("This line cannot be read as CSV; the rest of the file was not read.")
    else:
        message = _l("This line is not a JSON object.")
    return {"line": number, "external_id": external_id, "code": "bad_request", "message": str(message), "fields": {}}


def _external_ids(records: list[tuple[int, Any]]) -> list[str]:
    return list({r["external_id"] for _n, r in records if isinstance(r, dict) and isinstance(r.get("external_id"), str)
                 and r["external_id"]})


def _vacancies_by_external_id(session: Session, organisation_id: int, external_ids: list[str]) -> dict[str, Vacancy]:
    """The organisation's vacancies with these external ids, in one query (ours, or posted by us for an employer)."""
    if not external_ids:
        return {}
    rows = session.scalars(
        sa.select(Vacancy).where(
            Vacancy.external_id.in_(external_ids),
            sa.or_(
                Vacancy.source_organisation_id == organisation_id,
                sa.and_(Vacancy.organisation_id == organisation_id, Vacancy.source_organisation_id.is_(None)),
            ),
        ).order_by(Vacancy.id)
    )
    found: dict[str, Vacancy] = {}
    for vacancy in rows:
        found.setdefault(vacancy.external_id, vacancy)
    return found


def _resumes_by_external_id(session: Session, organisation_id: int, external_ids: list[str]) -> dict[str, Resume]:
    if not external_ids:
        return {}
    rows = session.scalars(
        sa.select(Resume).where(Resume.source_organisation_id == organisation_id, Resume.external_id.in_(external_ids))
        # What updating and publishing read, loaded for the batch at once rather than per line.
        .options(selectinload(Resume.seeker).selectinload(SeekerProfile.registrations), selectinload(Resume.work_history))
    )
    return {resume.external_id: resume for resume in rows}


def _external_id(record: dict[str, Any]) -> str:
    external_id = record.get("external_id")
    if not external_id or not isinstance(external_id, str):
        raise field_error("external_id", _l("Every imported record needs its own external_id."))
    return external_id


def _import_vacancy(session: Session, actor: Actor, record: dict[str, Any], known: dict[str, Any], events: list) -> bool:
    """Create or update one vacancy; returns True when it was created.

    ``known`` maps external ids to the organisation's records found so far in this batch;
    a created record is added, so a later line with the same id updates it. The
    operations put their outbox events in ``events`` (inserted together per chunk).
    A new vacancy wanted published is created published, in one INSERT.
    """
    external_id = _external_id(record)
    existing = known.get(external_id)
    wanted = record.get("status")
    if existing is None:
        vacancy = vacancies.create_vacancy(session, actor, record, publish=wanted == "published", events=events)
        known[external_id] = vacancy
    else:
        vacancy = existing
        if vacancy.status in (VacancyStatus.CLOSED, VacancyStatus.ARCHIVED) and wanted == "published":
            vacancies.reopen_vacancy(session, actor, vacancy.id, events=events)
        vacancies.update_vacancy(session, actor, vacancy.id, record, events=events)
    if wanted == "published" and vacancy.status != VacancyStatus.PUBLISHED:
        vacancies.publish_vacancy(session, actor, vacancy.id, events=events)
    elif wanted == "closed" and vacancy.status != VacancyStatus.CLOSED:
        vacancies.close_vacancy(session, actor, vacancy.id, record.get("close_reason") or "employer_request", events=events)
    elif wanted == "draft" and vacancy.status == VacancyStatus.PUBLISHED:
        vacancies.unpublish_vacancy(session, actor, vacancy.id, events=events)
    return existing is None


def _seeker_for(session: Session, actor: Actor, data: Any, *, consent_publish: bool = False) -> SeekerProfile:
    """The person's profile: found by IIN, or created for them (with their consent to publish, when the line records it)."""
    if not isinstance(data, dict):
        raise field_error("seeker", _l("Give the person's data in “seeker” (iin, last_name, first_name, kato_code)."))
    iin = str(data.get("iin") or "").strip()
    profile = seekers.get_by_iin(session, iin) if iin else None
    if profile is None:
        if consent_publish:
            # Recorded as the profile is made, instead of a second write when the resume is published.
            data = {**data, "consent_publish": True}
        try:
            profile = seekers.create_profile(session, actor, data)
        except ValidationFailed as error:
            raise ValidationFailed({f"seeker.{k}": v for k, v in error.fields.items()}) from None
        # A profile made just now has no registrations: say so, rather than have the permission check select them.
        set_committed_value(profile, "registrations", [])
    elif not seekers.can_edit(session, actor, profile):
        raise field_error("seeker.iin", _l("This person is on the exchange and manages their own data; ask them to apply."))
    return profile


def _import_resume(session: Session, actor: Actor, record: dict[str, Any], known: dict[str, Any], events: list) -> bool:
    external_id = _external_id(record)
    existing = known.get(external_id)
    publish = None
    if record.get("publish") in (True, "true", "1", "yes"):
        publish = {"until": record.get("publish_until"), "consent_publish": record.get("consent_publish")}
    if existing is None:
        # The resume's own fields first: a bad line is refused before the person is written (no chunk replay).
        resumes.validate_resume(session, record)
        consent = publish is not None and publish["consent_publish"] in (True, "true", "1", "yes")
        # Holding the profile keeps it in the session (its identity map holds objects weakly), so
        # create_resume finds it there instead of selecting it again.
        profile = _seeker_for(session, actor, record.get("seeker"), consent_publish=consent)
        known[external_id] = resumes.create_resume(session, actor, profile.id, record, publish=publish, events=events)
        return True
    resume = resumes.update_resume(session, actor, existing.id, record, events=events)
    if publish is not None:
        resumes.publish_resume(session, actor, resume.id, publish, events=events)
    return False


IMPORTERS = {ImportKind.VACANCIES: _import_vacancy, ImportKind.RESUMES: _import_resume}
FINDERS = {ImportKind.VACANCIES: _vacancies_by_external_id, ImportKind.RESUMES: _resumes_by_external_id}


class _ChunkFailed(Exception):
    """A line of an optimistic chunk failed: the chunk is replayed line by line."""


def _run_line(session: Session, importer, actor: Actor, record: Any, known: dict[str, Any], events: list) -> bool:
    if not isinstance(record, dict):
        raise record if isinstance(record, Exception) else ValueError("not an object")
    return importer(session, actor, record, known, events)


class _WriteCounter:
    """Counts the statements other than SELECT sent on the batch's connection.

    A line that fails without any such statement and with nothing pending in the
    session changed nothing, so the chunk goes on without a rollback (a bad value is
    refused by validation before anything is written: the usual kind of bad line).
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.count = 0
        event.listen(self.connection, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args: Any) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            self.count += 1

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self._seen)


def _left_no_trace(session: Session, writes: _WriteCounter, writes_before: int, events: list, events_before: int) -> bool:
    return (writes.count == writes_before and len(events) == events_before
            and not session.new and not session.dirty and not session.deleted)


def _run_chunk(
    session: Session, importer, actor: Actor, chunk: list[tuple[int, Any]], known: dict[str, Any], writes: _WriteCounter
) -> tuple[int, int, list[dict[str, Any]]]:
    """(created, updated, errors) for a chunk of lines, each line all or nothing."""
    mark = outbox.pending_count(session)
    before = dict(known)
    savepoint = session.begin_nested()
    created = updated = 0
    errors: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []  # the chunk's outbox events, inserted together before its savepoint ends
    try:
        for number, record in chunk:
            writes_before, events_before = writes.count, len(events)
            try:
                if _run_line(session, importer, actor, record, known, events):
                    created += 1
                else:
                    updated += 1
            except (DomainError, ValueError, TypeError) as exc:
                if not _left_no_trace(session, writes, writes_before, events, events_before):
                    raise _ChunkFailed from exc
                errors.append(_error_entry(number, record, exc))
        outbox.emit_many(session, events)
        savepoint.commit()
        return created, updated, errors
    except _ChunkFailed:
        savepoint.rollback()
        outbox.untrack_since(session, mark)  # the savepoint took those events with it
        known.clear()
        known.update(before)
    # Replay: one savepoint per line, so a bad line leaves nothing behind and the rest go in.
    created = updated = 0
    errors: list[dict[str, Any]] = []
    for number, record in chunk:
        mark = outbox.pending_count(session)
        external_id = record.get("external_id") if isinstance(record, dict) else None
        prior = known.get(external_id) if isinstance(external_id, str) else None
        savepoint = session.begin_nested()
        line_events: list[dict[str, Any]] = []
        try:
            if _run_line(session, importer, actor, record, known, line_events):
                created += 1
            else:
                updated += 1
            outbox.emit_many(session, line_events)
            savepoint.commit()
        except (DomainError, ValueError, TypeError) as exc:
            savepoint.rollback()
            outbox.untrack_since(session, mark)  # the savepoint took those events with it
            if isinstance(external_id, str):
                # A record this line created is rolled back with it; an earlier one stays known.
                if prior is None:
                    known.pop(external_id, None)
                else:
                    known[external_id] = prior
            errors.append(_error_entry(number, record, exc))
    return created, updated, errors


def _actor(session: Session, item: Import) -> Actor:
    organisation = session.get(Organisation, item.organisation_id)
    key = session.get(ApiKey, item.api_key_id) if item.api_key_id else None
    scopes = effective_scopes(key.scopes) if key is not None else frozenset()
    return Actor(user=None, organisation=organisation, via="api" if item.api_key_id else "job", scopes=scopes)


def process(database: Database, import_id: int) -> dict[str, Any]:
    """Run (or continue) an import; returns its counters. Retry-safe: done lines are not redone."""
    with database.unit_of_work() as session:
        item = session.get(Import, import_id)
        if item is None or item.status in (ImportStatus.FINISHED, ImportStatus.FAILED):
            return {"skipped": True}
        item.status = ImportStatus.RUNNING
        item.started_at = item.started_at or utcnow()
        kind, fmt, content, start_after = item.kind, item.format, item.content, item.processed_lines
    importer, finder = IMPORTERS[kind], FINDERS[kind]
    records = [(n, r) for n, r in _raw_lines(content, fmt)]
    position = start_after
    while position < len(records):
        batch = records[position : position + BATCH]
        with database.unit_of_work() as session:
            item = session.get(Import, import_id)
            actor = _actor(session, item)
            created = updated = 0
            errors: list[dict[str, Any]] = []
            known = finder(session, item.organisation_id, _external_ids(batch))
            writes = _WriteCounter(session)
            try:
                for start in range(0, len(batch), CHUNK):
                    made, changed, failed_lines = _run_chunk(
                        session, importer, actor, batch[start : start + CHUNK], known, writes)
                    created, updated = created + made, updated + changed
                    errors.extend(failed_lines)
            finally:
                writes.close()
            item.created_count += created
            item.updated_count += updated
            item.failed_count += len(errors)
            room = MAX_STORED_ERRORS - len(item.errors)
            if errors and room > 0:
                item.errors = [*item.errors, *errors[:room]]
            position += len(batch)
            item.processed_lines = position
    with database.unit_of_work() as session:
        item = session.get(Import, import_id)
        item.status = ImportStatus.FINISHED
        item.finished_at = utcnow()
        outbox.emit(
            session, "import.finished", "import", item.id,
            {"import_id": item.id, "organisation_id": item.organisation_id, "created": item.created_count,
             "updated": item.updated_count, "failed": item.failed_count},
        )
        return {"created": item.created_count, "updated": item.updated_count, "failed": item.failed_count}


def fail(database: Database, import_id: int, reason: str) -> None:
    with database.unit_of_work() as session:
        item = session.get(Import, import_id)
        if item is None:
            raise NotFound()
        item.status = ImportStatus.FAILED
        item.finished_at = utcnow()
        item.errors = [*item.errors, {"line": None, "code": "job_failed", "message": reason[:500], "fields": {}}][:MAX_STORED_ERRORS + 1]
