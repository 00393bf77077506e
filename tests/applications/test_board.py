"""The pipeline board: one query for every column's total and newest cards; an expanded column pages."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exchange.app import state
from exchange.applications import operations as ops
from exchange.applications import queries
from exchange.applications.models import Application, OrganisationStage
from exchange.errors import PermissionDenied
from tests import factories as f
from tests.support.statements import recorded_statements


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


def _statements(app):
    """Records the SQL statements the app's engine runs inside the block."""
    return recorded_statements(state(app).db.engine)


def _mixed_pipeline(db, world, count: int) -> dict[str, OrganisationStage]:
    """``count`` applications spread over every column: own stages, referrals, closed ones."""
    stages = {
        "screening": ops.create_stage(db, world.employer_actor, {"name": "Звонок HR", "state": "viewed"}),
        "test": ops.create_stage(db, world.employer_actor, {"name": "Тест", "state": "interview", "interview_kind": "testing"}),
    }
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    for n in range(count):
        if n % 3 == 0:
            _p, _s, resume = f.registered_seeker(db, world.centre_actor, last_name=f"Направлен{n:02d}")
            application = f.referral(db, world.centre_actor, resume.id, world.vacancy.id)
        else:
            profile, actor = f.seeker(db, last_name=f"Откликнулся{n:02d}")
            application = ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
        move = n % 6
        if move == 1:
            ops.move_to_stage(db, world.employer_actor, application.id, stages["screening"].id)
        elif move == 2:
            ops.transition(db, world.employer_actor, application.id, "viewed", {})
        elif move == 3:
            ops.move_to_stage(db, world.employer_actor, application.id, stages["test"].id,
                              {"interview_kind": "testing", "interview_at": when, "interview_place": "Абая 1"})
        elif move == 4:
            ops.transition(db, world.employer_actor, application.id, "rejected", {"reason": "Нет опыта"})
    db.flush()
    return stages


def _expected_column(application: Application, stage_ids: dict[int, str]) -> str:
    """The board's column rule, written out plainly for the check."""
    if application.state.value in queries.CLOSED_STATES:
        return "closed"
    if application.stage_id in stage_ids and stage_ids[application.stage_id] == application.state.value:
        return f"stage-{application.stage_id}"
    return application.state.value


def test_totals_and_newest_cards_agree_with_every_application(db, world):
    stages = _mixed_pipeline(db, world, 14)
    stage_ids = {s.id: s.state.value for s in stages.values()}
    everyone = list(db.scalars(sa.select(Application).where(Application.vacancy_id == world.vacancy.id)))
    by_column: dict[str, list[Application]] = {}
    for application in everyone:
        by_column.setdefault(_expected_column(application, stage_ids), []).append(application)
    _vacancy, columns = queries.board(db, world.employer_actor, world.vacancy.id, per_column=2)
    assert {c.key: c.total for c in columns if c.total} == {k: len(v) for k, v in by_column.items()}
    for column in columns:
        newest = sorted(by_column.get(column.key, []), key=lambda a: (a.updated_at, a.id), reverse=True)[:2]
        assert [card.id for card in column.cards] == [a.id for a in newest], column.key
        for card, application in zip(column.cards, newest, strict=True):
            assert (card.state, card.origin, card.stage_id) == (application.state, application.origin, application.stage_id)
            assert (card.answer_due_at, card.answered_at) == (application.answer_due_at, application.answered_at)
            assert card.seeker.full_name == application.seeker.full_name and card.resume.title == application.resume.title
            assert card.is_open == application.is_open
            assert queries.deadline_status(card) == queries.deadline_status(application)
            assert (card.stage.name if card.stage else None) == (application.stage.name if application.stage else None)


def test_board_page_runs_the_same_statements_for_few_or_many_cards(app, db, client, sign_in, world):
    _mixed_pipeline(db, world, 6)
    sign_in(world.employer_actor.user)
    url = f"/cabinet/applications/vacancy/{world.vacancy.id}"
    client.get(url)
    with _statements(app) as few:
        page = client.get(url).get_data(as_text=True)
    assert "Направлен00" in page and "Звонок HR" in page
    _mixed_pipeline_more(db, world, 12)
    with _statements(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert "Откликнулся10" in page and page.count('name="note"') == 12
    assert len(many) == len(few)
    with _statements(app) as expanded:
        client.get(f"{url}?column=new")
    assert len(expanded) == len(few)


def _mixed_pipeline_more(db, world, count: int) -> None:
    """More applications on the board built by :func:`_mixed_pipeline` (its stages exist)."""
    for n in range(6, count):
        profile, actor = f.seeker(db, last_name=f"Откликнулся{n:02d}")
        ops.apply(db, actor, f.resume(db, profile, actor).id, world.vacancy.id)
    db.flush()
