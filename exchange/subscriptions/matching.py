"""Instant alerts: match micro-batches of newly published documents against saved searches.

No percolator (DESIGN.md): for a batch of new documents, every candidate saved search
runs its own query through the search service restricted to the batch's ids. Two
savings keep that affordable at 100k subscriptions: a cheap prefilter on occupation and
region codes (hierarchical, so a prefix test), and identical searches run once for all
the subscriptions that share them. ``SubscriptionHit``'s unique (subscription, document)
pair guarantees a document is announced at most once per subscription.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from exchange.db import UTCDateTime, utcnow
from exchange.subscriptions.models import Frequency, NewDocument, Subscription, SubscriptionHit, SubscriptionKind

BATCH_SIZE = 1000
PAGE = 100  # the search service's largest page
ALERT_ITEMS = 10
SUBS_CHUNK = 5000  # subscription ids per INSERT … SELECT (bound parameters stay within SQLite's limit)
EVENT_FOR_KIND = {SubscriptionKind.VACANCIES: "new_matching_vacancies", SubscriptionKind.RESUMES: "new_matching_resumes"}


@dataclass
class MatchStats:
    documents: int = 0
    subscriptions: int = 0
    candidates: int = 0
    queries: int = 0
    hits: int = 0
    alerts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _insert(session: Session):
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)


def enqueue(session: Session, kind: SubscriptionKind, document_ids: Iterable[int]) -> None:
    rows = [{"kind": kind, "document_id": int(i), "created_at": utcnow()} for i in document_ids]
    if rows:
        session.execute(_insert(session)(NewDocument).values(rows).on_conflict_do_nothing(index_elements=["kind", "document_id"]))


def _code_prefix(code: str) -> str:
    # KATO codes pad with zeros (a region is "750000000", its district "751210000"); ISCO codes do not.
    return code.rstrip("0") or code


def _listed(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _passes(prefixes: list[str], code: str | None) -> bool:
    return not prefixes or (code is not None and any(code.startswith(p) for p in prefixes))


def documents_for(session: Session, kind: SubscriptionKind, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Public documents of the batch with what the prefilter and the alert text need."""
    now = utcnow()
    if kind == SubscriptionKind.VACANCIES:
        from exchange.vacancies.models import Vacancy, VacancyStatus

        rows = session.execute(
            sa.select(Vacancy.id, Vacancy.title, Vacancy.occupation_code, Vacancy.kato_code)
            .where(Vacancy.id.in_(ids), Vacancy.status == VacancyStatus.PUBLISHED)
        )
        return {r.id: {"title": r.title, "occupation": r.occupation_code, "kato": r.kato_code, "path": f"/vacancies/{r.id}"} for r in rows}
    from exchange.resumes.models import Resume, Visibility
    from exchange.seekers.models import SeekerProfile

    rows = session.execute(
        sa.select(Resume.id, Resume.title, Resume.occupation_code, Resume.kato_code)
        .join(SeekerProfile, SeekerProfile.id == Resume.seeker_id)
        .where(
            Resume.id.in_(ids), Resume.visibility == Visibility.ACTIVE, Resume.published_at.is_not(None),
            sa.or_(Resume.expires_at.is_(None), Resume.expires_at > now), SeekerProfile.consent_publish_at.is_not(None),
        )
    )
    return {r.id: {"title": r.title, "occupation": r.occupation_code, "kato": r.kato_code, "path": f"/cabinet/resumes/{r.id}"} for r in rows}


def _run_search(app: Flask, kind: SubscriptionKind, params: dict[str, Any], ids: list[int], stats: MatchStats) -> set[int]:
    """The batch documents (among ``ids``) that one saved search matches.

    The whole candidate set goes in one ``ids`` filter; the search service returns at
    most a page of 100, so while a page comes back full the next query asks again with
    the documents already found left out. Most searches match fewer than 100 documents
    of a batch, so they cost one query. Facets are not asked for (an alert needs ids only).
    """
    from exchange.auth import Actor
    from search.service import get_search

    service = get_search(app)
    query_kind = "vacancy" if kind == SubscriptionKind.VACANCIES else "resume"
    # Vacancies: the public's view. Resumes: the ids were already narrowed to public, consented
    # resumes (documents_for), so the job may search them without a person's visibility rules.
    visibility = None if kind == SubscriptionKind.VACANCIES else service.resume_visibility(Actor.system("job"))
    found: set[int] = set()
    remaining = list(ids)
    while remaining:
        query = service.parse(query_kind, {**params, "size": PAGE, "sort": "date"})
        query.ids = remaining
        query.facets = False
        if visibility is not None:
            query.visibility = visibility
        stats.queries += 1
        result = service.run(query)
        page = {int(hit["id"]) for hit in result.hits}
        found |= page
        if len(page) < PAGE or result.total <= len(page):
            break
        remaining = [i for i in remaining if i not in page]
    return found


def match_batch(app: Flask, kind: SubscriptionKind, batch_size: int = BATCH_SIZE) -> MatchStats:
    """Match one micro-batch of new documents; safe to run concurrently and again.

    Statements issued do not grow with the number of subscriptions matched: hits, alert
    notifications, their deliveries and outbox events are written with multi-row inserts.
    """
    from exchange.app import state

    stats = MatchStats()
    with app.app_context(), state(app).db.unit_of_work() as session:
        queued = list(session.execute(
            sa.select(NewDocument.id, NewDocument.document_id).where(NewDocument.kind == kind).order_by(NewDocument.id).limit(batch_size)
        ))
        if not queued:
            return stats
        docs = documents_for(session, kind, [row.document_id for row in queued])
        stats.documents = len(docs)
        subscriptions = list(session.execute(
            sa.select(Subscription.id, Subscription.params, Subscription.user_id, Subscription.frequency, Subscription.name)
            .where(Subscription.kind == kind, Subscription.active.is_(True))
        ))
        stats.subscriptions = len(subscriptions)
        # Identical searches run once: group subscriptions by their parameters. The
        # prefilter depends on the parameters only, so it is computed once per group.
        by_params: dict[str, tuple[dict[str, Any], list[Any]]] = {}
        for sub in subscriptions:
            key = json.dumps(sub.params, sort_keys=True, ensure_ascii=False)
            by_params.setdefault(key, (sub.params, []))[1].append(sub)
        matched: list[tuple[list[int], list[int]]] = []  # (subscription ids, the documents they all matched)
        for params, subs in by_params.values():
            occupations = [_code_prefix(c) for c in _listed(params, "occupation")]
            regions = [_code_prefix(c) for c in _listed(params, "region")]
            ids = sorted(i for i, d in docs.items() if _passes(occupations, d["occupation"]) and _passes(regions, d["kato"]))
            if not ids:
                continue
            stats.candidates += len(subs)
            found = sorted(_run_search(app, kind, params, ids, stats))
            if found:
                matched.append(([sub.id for sub in subs], found))
        by_id = {sub.id: sub for sub in subscriptions}
        new_hits = _record_hits(session, kind, matched)
        instant = {sub_id for sub_id in new_hits if by_id[sub_id].frequency == Frequency.INSTANT}
        stats.hits = sum(len(v) for v in new_hits.values())
        alerts = [(by_id[sub_id], doc_ids) for sub_id, doc_ids in sorted(new_hits.items()) if sub_id in instant]
        stats.alerts = len(alert_many(app, session, kind, docs, alerts))
        session.execute(sa.delete(NewDocument).where(NewDocument.id.in_([row.id for row in queued])))
    return stats


def _document_table(kind: SubscriptionKind) -> sa.Table:
    if kind == SubscriptionKind.VACANCIES:
        from exchange.vacancies.models import Vacancy

        return Vacancy.__table__
    from exchange.resumes.models import Resume

    return Resume.__table__


def _record_hits(session: Session, kind: SubscriptionKind, groups: list[tuple[list[int], list[int]]]) -> dict[int, list[int]]:
    """Insert hits; returns only the pairs that were new (a document already announced is skipped).

    ``groups``: (subscription ids, document ids) — every subscription of a group matched
    every document of it. The pairs are made by the database (INSERT … SELECT of the
    subscriptions crossed with the documents, both picked by id), not row by row in Python:
    at 100k subscriptions a batch holds millions of pairs. Hits of instant subscriptions,
    alerted in this same transaction, are written as notified; the daily digest picks
    up the others.
    """
    now = sa.literal(utcnow(), UTCDateTime())
    table = SubscriptionHit.__table__
    insert = _insert(session)
    documents = _document_table(kind)
    new: dict[int, list[int]] = defaultdict(list)
    for sub_ids, doc_ids in groups:
        for start in range(0, len(sub_ids), SUBS_CHUNK):
            pairs = (
                sa.select(
                    Subscription.id, documents.c.id, now,
                    sa.case((Subscription.frequency == Frequency.INSTANT, now), else_=sa.null()),
                )
                .select_from(Subscription).join(documents, sa.true())
                # (a WHERE also keeps SQLite's parse of INSERT … SELECT … ON CONFLICT unambiguous)
                .where(Subscription.id.in_(sub_ids[start:start + SUBS_CHUNK]), documents.c.id.in_(doc_ids))
            )
            stmt = (
                insert(table).from_select(["subscription_id", "document_id", "created_at", "notified_at"], pairs)
                .on_conflict_do_nothing(index_elements=["subscription_id", "document_id"])
                .returning(table.c.subscription_id, table.c.document_id)
            )
            for sub_id, doc_id in session.execute(stmt):
                new[sub_id].append(doc_id)
    return {k: sorted(v) for k, v in new.items()}


def _context(app: Flask, sub: Any, items: list[dict[str, Any]], digest: bool, count: int | None = None) -> dict[str, Any]:
    """What an alert says; ``items`` may be only the first ALERT_ITEMS of ``count`` documents."""
    from exchange.subscriptions.operations import unsubscribe_token

    token = unsubscribe_token(app.config["SECRET_KEY"], sub.id)
    count = len(items) if count is None else count
    return {
        "search": sub.name,
        "count": count,
        "items": [{"title": item["title"], "path": item["path"]} for item in items[:ALERT_ITEMS]],
        "path": items[0]["path"] if count == 1 else f"/subscriptions/{sub.id}/results",
        "subscription_id": sub.id,
        "unsubscribe_path": f"/subscriptions/unsubscribe/{token}",
        "digest": digest,
    }


def _alert_key(sub_id: int, doc_ids: list[int]) -> str:
    return f"alert:{sub_id}:{min(doc_ids)}:{len(doc_ids)}"


def alert_many(app: Flask, session: Session, kind: SubscriptionKind, docs: dict[int, dict[str, Any]],
               alerts: list[tuple[Any, list[int]]]) -> list[int]:
    """One instant alert per (subscription, its new document ids), created in bulk; returns the new notification ids."""
    from exchange.notifications.operations import Bulk, notify_users

    items = [Bulk(sub.user_id, _context(app, sub, [docs[i] for i in doc_ids[:ALERT_ITEMS]], False, len(doc_ids)),
                  _alert_key(sub.id, doc_ids))
             for sub, doc_ids in alerts if doc_ids]
    return notify_users(session, EVENT_FOR_KIND[kind], items)


def alert(app: Flask, session: Session, sub: Any, kind: SubscriptionKind, items: list[dict[str, Any]], dedupe_key: str, digest: bool = False) -> None:
    from exchange.notifications.operations import notify

    notify(session, sub.user_id, EVENT_FOR_KIND[kind], _context(app, sub, items, digest), dedupe_key=dedupe_key)
