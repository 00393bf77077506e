"""Change feed and snapshot: order, tombstones, resuming after an interruption without gaps or duplicates."""

from __future__ import annotations

from exchange.api import feed
from exchange.vacancies import operations as vacancy_ops
from tests import factories
from tests.api.conftest import error_of


def _read_all(caller, since: str = "", limit: int = 3, stop_after: int | None = None):
    items, cursor, calls = [], since, 0
    while True:
        body = caller.get(f"/changes?since={cursor}&limit={limit}").get_json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        calls += 1
        if not body["has_more"] or (stop_after is not None and calls >= stop_after):
            return items, cursor


def test_feed_records_creations_updates_and_tombstones_in_order(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"])
    actor = employer[1]
    # Each commit releases the savepoint, and the after-commit hook hands the events to the consumers.
    draft = factories.vacancy(db, actor, publish=False)  # never public: not in the feed
    first = factories.vacancy(db, actor)
    second = factories.vacancy(db, actor, title="Водитель автобуса")
    db.commit()
    vacancy_ops.update_vacancy(db, actor, first.id, {"title": "Водитель грузовика", "occupation_code": "8332",
                                                     "kato_code": factories.ALMATY_DISTRICT, "description": first.description})
    db.commit()
    vacancy_ops.close_vacancy(db, actor, second.id, "filled")
    db.commit()
    items, _cursor = _read_all(caller)
    mine = [(i["id"], i["op"]) for i in items if i["id"] in (draft.id, first.id, second.id)]
    assert mine == [(first.id, "upsert"), (second.id, "upsert"), (first.id, "upsert"), (second.id, "delete")]
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    latest_first = [i for i in items if i["id"] == first.id][-1]
    assert latest_first["data"]["title"] == "Водитель грузовика"
    assert [i for i in items if i["id"] == second.id][-1]["data"] is None


def test_changes_within_one_transaction_collapse_to_the_final_state(db, employer, make_caller):
    """The feed records state, not events: a vacancy published and closed in one commit never surfaces."""
    caller = make_caller(employer[1], ["vacancies:read"])
    flash = factories.vacancy(db, employer[1])
    vacancy_ops.close_vacancy(db, employer[1], flash.id, "cancelled")
    db.commit()
    items, _cursor = _read_all(caller)
    assert flash.id not in {i["id"] for i in items}


def test_resuming_after_interruption_has_no_gaps_or_duplicates(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"])
    made = [factories.vacancy(db, employer[1], title=f"Водитель {n}") for n in range(7)]
    db.commit()
    partial, cursor = _read_all(caller, limit=2, stop_after=2)  # the follower stops after two pages…
    more = [factories.vacancy(db, employer[1], title=f"Курьер {n}") for n in range(3)]
    db.commit()
    rest, _ = _read_all(caller, since=cursor, limit=2)  # …and resumes later from its stored cursor
    seqs = [i["seq"] for i in partial + rest]
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
    got = {i["id"] for i in partial + rest}
    assert {v.id for v in made + more} <= got


def test_feed_cursor_is_validated_and_scoped(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"])
    assert "since" in error_of(caller.get("/changes?since=bm9wZQ"))["fields"]
    assert caller.get("/changes?types=resume").status_code == 403
    assert caller.get("/changes?types=planet").status_code == 422
    assert feed.decode_cursor(feed.encode_cursor(42)) == 42


def test_snapshot_then_feed_misses_nothing(db, employer, make_caller):
    caller = make_caller(employer[1], ["vacancies:read"])
    before = [factories.vacancy(db, employer[1], title=f"Повар {n}") for n in range(5)]
    db.commit()
    page = caller.get("/snapshot/vacancies?limit=2").get_json()
    ids = [v["id"] for v in page["items"]]
    feed_cursor = page["feed_cursor"]
    after = factories.vacancy(db, employer[1], title="Повар новый")  # appears while the snapshot is read
    db.commit()
    while page["next_cursor"]:
        page = caller.get(f"/snapshot/vacancies?limit=2&cursor={page['next_cursor']}").get_json()
        assert page["feed_cursor"] == feed_cursor
        ids.extend(v["id"] for v in page["items"])
    changes = caller.get(f"/changes?since={feed_cursor}").get_json()["items"]
    assert {v.id for v in before} <= set(ids)
    assert after.id in set(ids) | {c["id"] for c in changes}
    assert caller.get("/snapshot/vacancies?cursor=xyz").status_code == 422
