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

from exchange.db import utcnow
from exchange.subscriptions.models import Frequency, NewDocument, Subscription, SubscriptionHit, SubscriptionKind

BATCH_SIZE = 1000
PAGE = 100  # the search service's largest page
ALERT_ITEMS = 10
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
    from exchange.auth import Actor
    from search.service import get_search

    service = get_search(app)
    search = service.search_vacancies if kind == SubscriptionKind.VACANCIES else service.search_resumes
    # Vacancies: the public's view. Resumes: the ids were already narrowed to public, consented
    # resumes (documents_for), so the job may search them without a person's visibility rules.
    actor = None if kind == SubscriptionKind.VACANCIES else Actor.system("job")
    found: set[int] = set()
    for start in range(0, len(ids), PAGE):
        chunk = ids[start:start + PAGE]
        query = {**params, "size": len(chunk), "sort": "date"}
        stats.queries += 1
        result = search(query, actor, ids=chunk)
        found.update(int(hit["id"]) for hit in result.hits)
    return found


def match_batch(app: Flask, kind: SubscriptionKind, batch_size: int = BATCH_SIZE) -> MatchStats:
    """Match one micro-batch of new documents; safe to run concurrently and again."""
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
        groups: dict[str, tuple[dict[str, Any], list[Any], list[int]]] = {}
        for sub in subscriptions:
            occupations = [_code_prefix(c) for c in _listed(sub.params, "occupation")]
            regions = [_code_prefix(c) for c in _listed(sub.params, "region")]
            ids = sorted(i for i, d in docs.items() if _passes(occupations, d["occupation"]) and _passes(regions, d["kato"]))
            if not ids:
                continue
            stats.candidates += 1
            key = json.dumps(sub.params, sort_keys=True, ensure_ascii=False) + "|" + ",".join(map(str, ids))
            groups.setdefault(key, (sub.params, [], ids))[1].append(sub)
        matched: dict[int, list[int]] = defaultdict(list)  # subscription id -> document ids
        for params, subs, ids in groups.values():
            found = _run_search(app, kind, params, ids, stats)
            for sub in subs:
                matched[sub.id].extend(sorted(found))
        new_hits = _record_hits(session, matched)
        stats.hits = sum(len(v) for v in new_hits.values())
        by_id = {sub.id: sub for sub in subscriptions}
        for sub_id, doc_ids in new_hits.items():
            sub = by_id[sub_id]
            if sub.frequency == Frequency.INSTANT:
                alert(app, session, sub, kind, [docs[i] | {"id": i} for i in doc_ids], f"alert:{sub_id}:{min(doc_ids)}:{len(doc_ids)}")
                _mark_notified(session, sub_id, doc_ids)
                stats.alerts += 1
        session.execute(sa.delete(NewDocument).where(NewDocument.id.in_([row.id for row in queued])))
    return stats


def _record_hits(session: Session, matched: dict[int, list[int]]) -> dict[int, list[int]]:
    """Insert hits; returns only the pairs that were new (a document already announced is skipped)."""
    rows = [{"subscription_id": s, "document_id": d, "created_at": utcnow()} for s, ids in matched.items() for d in ids]
    if not rows:
        return {}
    new: dict[int, list[int]] = defaultdict(list)
    insert = _insert(session)
    for start in range(0, len(rows), 2000):
        stmt = (
            insert(SubscriptionHit).values(rows[start:start + 2000])
            .on_conflict_do_nothing(index_elements=["subscription_id", "document_id"])
            .returning(SubscriptionHit.subscription_id, SubscriptionHit.document_id)
        )
        for sub_id, doc_id in session.execute(stmt):
            new[sub_id].append(doc_id)
    return {k: sorted(v) for k, v in new.items()}


def _mark_notified(session: Session, subscription_id: int, doc_ids: list[int]) -> None:
    session.execute(
        sa.update(SubscriptionHit)
        .where(SubscriptionHit.subscription_id == subscription_id, SubscriptionHit.document_id.in_(doc_ids))
        .values(notified_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def alert(app: Flask, session: Session, sub: Any, kind: SubscriptionKind, items: list[dict[str, Any]], dedupe_key: str, digest: bool = False) -> None:
    from exchange.notifications.operations import notify
    from exchange.subscriptions.operations import unsubscribe_token

    token = unsubscribe_token(app.config["SECRET_KEY"], sub.id)
    context = {
        "search": sub.name,
        "count": len(items),
        "items": [{"title": item["title"], "path": item["path"]} for item in items[:ALERT_ITEMS]],
        "path": items[0]["path"] if len(items) == 1 else f"/subscriptions/{sub.id}/results",
        "subscription_id": sub.id,
        "unsubscribe_path": f"/subscriptions/unsubscribe/{token}",
        "digest": digest,
    }
    notify(session, sub.user_id, EVENT_FOR_KIND[kind], context, dedupe_key=dedupe_key)
