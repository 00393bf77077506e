"""The pipeline board: one query for every column's total and newest cards; an expanded column pages."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.applications import operations as ops
from exchange.applications import queries
from exchange.applications.models import Application
from exchange.errors import PermissionDenied
from tests import factories as f


def _applicants(db, world, count: int) -> list[Application]:
    made = []
    for n in range(count):
        profile, actor = f.seeker(db, last_name=f"Кандидат{n:02d}")
        made.append(ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id))
    # Distinct, known update times: card order is newest first.
    base = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for n, application in enumerate(made):
        db.execute(sa.update(Application).where(Application.id == application.id).values(updated_at=base + dt.timedelta(hours=n)))
    db.expire_all()
    return made


def test_columns_totals_and_newest_cards(db, world):
    apps = _applicants(db, world, 7)
    screening = ops.create_stage(db, world.employer_actor, {"name": "Звонок HR", "state": "viewed"})
    ops.move_to_stage(db, world.employer_actor, apps[0].id, screening.id)
    ops.transition(db, world.employer_actor, apps[1].id, "viewed", {})
    ops.transition(db, world.employer_actor, apps[2].id, "rejected", {"reason": "Нет опыта"})
    db.flush()
    _vacancy, columns = queries.board(db, world.employer_actor, world.vacancy.id, per_column=2)
    by_key = {c.key: c for c in columns}
    assert [c.key for c in columns] == ["new", "viewed", f"stage-{screening.id}", "interview", "offer", "hired", "closed"]
    assert {k: c.total for k, c in by_key.items() if c.total} == {"new": 4, "viewed": 1, f"stage-{screening.id}": 1, "closed": 1}
    # Newest first, at most per_column cards.
    assert [a.id for a in by_key["new"].cards] == [apps[6].id, apps[5].id]
    assert [a.id for a in by_key[f"stage-{screening.id}"].cards] == [apps[0].id]
    assert [a.id for a in by_key["closed"].cards] == [apps[2].id]
    assert by_key["closed"].cards[0].seeker.full_name.startswith("Кандидат02")
    assert by_key["viewed"].cards[0].resume.title


def test_an_expanded_column_pages_through_its_cards(db, world, monkeypatch):
    apps = _applicants(db, world, 5)
    monkeypatch.setattr(queries, "EXPANDED_PAGE", 2)
    newest_first = [a.id for a in reversed(apps)]
    pages = []
    for page in (1, 2, 3, 4):
        _v, columns = queries.board(db, world.employer_actor, world.vacancy.id, per_column=1, expand="new", page=page)
        new = columns[0]
        assert new.total == 5 and new.offset == (page - 1) * 2
        pages.append([a.id for a in new.cards])
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5], []]
    # An unknown column name is ignored: every column shows its newest cards.
    _v, columns = queries.board(db, world.employer_actor, world.vacancy.id, per_column=1, expand="nonsense")
    assert [a.id for a in columns[0].cards] == newest_first[:1] and columns[0].total == 5


def test_the_board_is_the_managing_organisations_only(db, world):
    _applicants(db, world, 1)
    _other, other_actor = f.employer(db)
    with pytest.raises(PermissionDenied):
        queries.board(db, other_actor, world.vacancy.id)


def test_board_page_links_through_an_expanded_column(db, client, sign_in, world, monkeypatch):
    _applicants(db, world, 3)
    monkeypatch.setattr(queries, "EXPANDED_PAGE", 2)
    sign_in(world.employer_actor.user)
    board = client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}")
    assert board.status_code == 200 and "Кандидат02" in board.get_data(as_text=True)
    first = client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}?column=new").get_data(as_text=True)
    assert "1–2 of 3" in first and "page=2" in first and "Кандидат00" not in first
    second = client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}?column=new&page=2").get_data(as_text=True)
    assert "3–3 of 3" in second and "Кандидат00" in second
    assert client.get(f"/cabinet/applications/vacancy/{world.vacancy.id}?column=new&page=9").status_code == 404
